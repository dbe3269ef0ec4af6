"""Build fixtures/agreement.json from the verified facts in fixtures/sources/facts.yaml.

Run: python scripts/build_agreement_fixture.py [path/to/facts.yaml]   (``make fixtures``)

The agreement's statements become numbered clauses (Chinese, English, confidence, sources);
every item is linked to the clause(s) it implements; the sources are listed with title,
publisher, date and address (``fixtures/sources/bibliography.yaml``).

Only the corrected fields of the facts file are used (``zh``, ``en``, ``title_*``, ``name_*``);
the ``*_as_in_seed``, ``seed_text`` and free-text notes, which quote the garbled article, are
never copied. Primary keys are fixed, so ``loaddata agreement`` run twice duplicates nothing.
"""

import json
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SOURCES_DIR = ROOT / "fixtures" / "sources"
DEFAULT_FACTS = SOURCES_DIR / "facts.yaml"
BIBLIOGRAPHY = SOURCES_DIR / "bibliography.yaml"
OUTPUT = ROOT / "fixtures" / "agreement.json"

# The facts' confidence words, as the Clause model's values.
CONFIDENCE = {
    "high": "high",
    "medium–high": "medium_high",
    "medium": "medium",
    "low–medium": "low_medium",
    "low": "low",
}
# The facts file's own scale: "high – stated in a contemporaneous primary or near-primary
# source (e.g. Chengdu Daily 2020-05-14)". A statement it gives without a grade, sourced to
# Chengdu Daily, is therefore high; any other ungraded statement stays ungraded.
PRIMARY = "S_CDRB"

KIND_BY_ID = {
    "chengdu_gov": "government",
    "yibin_gov": "government",
    "tianfu_chengdu_admin": "new_area",
    "sanjiang_admin": "new_area",
    "chengdu_hitech": "development_zone",
    "yibin_hitech": "development_zone",
    "chengdu_etdz": "development_zone",
    "yibin_lingang_etdz": "development_zone",
    "chengdu_hitech_cbz_shuangliu": "bonded_zone",
    "yibin_cbz": "bonded_zone",
    "chengdu_edu": "bureau",
    "yibin_edu_sports": "bureau",
    "chengdu_health": "bureau",
    "yibin_health": "bureau",
    "cd_xingcheng": "state_enterprise",
    "cdig": "state_enterprise",
    "jiaozi_5plus2": "platform",
    "tianfu_commodity_exchange": "platform",
    "cy_equipment_park_co": "project_company",
    "cy_logistics_park_co": "project_company",
}

# The consultation mechanisms' schedules are configuration, not facts of the agreement: the
# cadences are from the agreement; the days below are editable defaults.
MECHANISM_SCHEDULE = {
    "lead_dept_quarterly": {
        "tier": "lead_departments",
        "recurrence": "FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=15",
        "anchor_date": "2020-06-15",
        "first_host_city": "chengdu",
        "default_time": "09:30:00",
        "duration_minutes": 120,
    },
    "supervising_leaders_semiannual": {
        "tier": "supervising_leaders",
        "recurrence": "FREQ=MONTHLY;INTERVAL=6;BYMONTHDAY=25",
        "anchor_date": "2020-07-25",
        "first_host_city": "yibin",
        "default_time": "14:30:00",
        "duration_minutes": 150,
    },
    "principal_leaders_annual": {
        "tier": "principal_leaders",
        "recurrence": "FREQ=YEARLY;BYMONTH=5;BYMONTHDAY=13",
        "anchor_date": "2021-05-13",
        "first_host_city": "yibin",
        "default_time": "10:00:00",
        "duration_minutes": 180,
    },
}

# Short names the facts do not give in one field; used in item titles and narrow table columns.
SHORT_NAMES = {
    "chengdu_gov": ("成都市政府", "Chengdu Government"),
    "yibin_gov": ("宜宾市政府", "Yibin Government"),
    "tianfu_chengdu_admin": ("天府新区成都管委会", "Tianfu New Area (Chengdu)"),
    "sanjiang_admin": ("宜宾三江新区", "Sanjiang New Area"),
    "chengdu_hitech": ("成都高新区", "Chengdu High-tech Zone"),
    "yibin_hitech": ("宜宾高新区", "Yibin High-tech Zone"),
    "chengdu_etdz": ("成都经开区", "Chengdu ETDZ"),
    "yibin_lingang_etdz": ("宜宾临港经开区", "Yibin Lingang ETDZ"),
    "chengdu_hitech_cbz_shuangliu": ("成都高新综保区双流园区", "Chengdu Hi-tech CBZ (Shuangliu)"),
    "yibin_cbz": ("宜宾综保区", "Yibin CBZ"),
    "chengdu_edu": ("成都市教育局", "Chengdu Education Bureau"),
    "yibin_edu_sports": ("宜宾市教体局", "Yibin Education and Sports Bureau"),
    "chengdu_health": ("成都市卫健委", "Chengdu Health Commission"),
    "yibin_health": ("宜宾市卫健委", "Yibin Health Commission"),
    "cd_xingcheng": ("成都兴城集团", "Chengdu Xingcheng Group"),
    "cdig": ("成都产业集团", "Chengdu Industry Investment Group"),
    "jiaozi_5plus2": ("交子金融“5+2”平台", "Jiaozi Finance 5+2"),
    "tianfu_commodity_exchange": ("天府商品交易所", "Tianfu Commodity Exchange"),
    "cy_equipment_park_co": ("成宜产业园公司", "Chengyi Industrial Park Co."),
    "cy_logistics_park_co": ("成宜物流园公司", "Chengyi Logistics Park Co."),
}

TYPE_EN = {
    "协同发展合作协议": "coordinated development cooperation agreement",
    "合作协议（教育）": "education cooperation agreement",
}

PARTIES_PREFIX = "成都市人民政府 宜宾市人民政府"


# English for the facts that have only Chinese (the later implementation of KP-1 and KP-2).
LATER_EN = {
    "项目公司：四川成宜产业园投资建设有限公司": (
        "Project company: Sichuan Chengyi Industrial Park Investment and Construction Co., Ltd."
    ),
    "四川成宜物流园建设发展有限公司（成都、宜宾两地国企共同出资）负责开发、建设、招商、运营；"
    "一期位于三江新区东部产业园，用地约206亩，计划总投资约4.17亿元": (
        "Sichuan Chengyi Logistics Park Construction and Development Co., Ltd. (funded jointly "
        "by state-owned enterprises of Chengdu and Yibin) develops, builds, markets and runs the "
        "park; phase 1 is in the Eastern Industrial Park of Sanjiang New Area, on about 206 mu "
        "(about 13.7 ha), with a planned total investment of about CNY 417 million"
    ),
}

DEFAULT_NOTE = (
    "默认安排：{zh}，督查人员可调整；并非协议内容。\n"
    "Default arrangement: {en}; a supervisor may change it. It is not part of the agreement."
)


def as_list(value) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def grade(confidence, sources) -> str:
    """The clause's confidence: the facts' grade, else high for a Chengdu Daily statement."""
    if confidence:
        return CONFIDENCE[confidence]
    return "high" if PRIMARY in as_list(sources) else ""


class FixtureBuilder:
    def __init__(self, facts: dict, bibliography: dict):
        self.facts = facts
        self.bibliography = bibliography
        self.rows: list[dict] = []
        self.org_pk: dict[str, int] = {}
        self.agreement_pk: dict[str, int] = {}
        self.source_pk: dict[str, int] = {}
        self.item_pk = 0
        self.sort = 0
        self.clause_pk = 0
        self.clause_rows: dict[str, dict] = {}  # number → fields
        self.source_links: dict[str, dict[str, set]] = {}  # source id → {"agreements": …}

    def add(self, model: str, pk: int, fields: dict) -> None:
        self.rows.append({"model": f"cooperation.{model}", "pk": pk, "fields": fields})

    def cite(self, sources, kind: str, pk: int) -> None:
        for source in as_list(sources):
            self.source_links.setdefault(source, {"agreements": set(), "organizations": set()})
            self.source_links[source][kind].add(pk)

    # --- organisations and agreements ----------------------------------------------------

    def organizations(self) -> None:
        city_names = {"Chengdu": "chengdu", "Yibin": "yibin"}
        for pk, org in enumerate(self.facts["organisations"], start=1):
            self.org_pk[org["id"]] = pk
            city = city_names.get(str(org["city"]).split(" ")[0], "other")
            short_zh, short_en = SHORT_NAMES[org["id"]]
            self.cite(org.get("source"), "organizations", pk)
            self.add(
                "organization",
                pk,
                {
                    "code": org["id"].replace("_", "-"),
                    "name_zh": org["name_zh"],
                    "name_en": org["name_en"],
                    "short_name_zh": short_zh,
                    "short_name_en": short_en,
                    "city": city,
                    "kind": KIND_BY_ID.get(org["id"], "other"),
                    "note": org.get("type", ""),
                    "source": "",
                },
            )

    def agreements(self) -> None:
        for pk, agreement in enumerate(self.facts["agreements"], start=1):
            self.agreement_pk[agreement["id"]] = pk
        for agreement in self.facts["agreements"]:
            pk = self.agreement_pk[agreement["id"]]
            date = str(agreement["date"])
            precision = agreement.get("date_precision", "day")
            if precision == "month":
                date = f"{date}-01"
            self.cite(agreement.get("date_sources") or agreement.get("source"), "agreements", pk)
            self.add(
                "agreement",
                pk,
                {
                    "code": agreement["id"].replace("_", "-"),
                    "title_zh": agreement["title_zh"],
                    "title_en": agreement["title_en"],
                    "short_title_zh": agreement["title_zh"].removeprefix(PARTIES_PREFIX),
                    "short_title_en": agreement.get("short_en", ""),
                    "signed_on": date,
                    "date_precision": precision,
                    "parties": [self.org_pk[p["org"]] for p in agreement.get("parties", [])],
                    "predecessors": [
                        self.agreement_pk[p] for p in agreement.get("predecessor_agreements", [])
                    ],
                    "source": "",
                    "note": "",
                },
            )

    def sources(self) -> None:
        urls = {entry["id"]: entry.get("url") or "" for entry in self.facts["sources"]}
        for sort, source_id in enumerate(urls, start=1):
            entry = self.bibliography[source_id]
            url = urls[source_id] if urls[source_id].startswith("http") else ""
            links = self.source_links.get(source_id, {"agreements": set(), "organizations": set()})
            self.add(
                "source",
                self.source_pk[source_id],
                {
                    "code": source_id,
                    "kind": entry["kind"],
                    "title_zh": entry["title_zh"],
                    "title_en": entry["title_en"],
                    "publisher_zh": entry.get("publisher_zh") or "",
                    "publisher_en": entry.get("publisher_en") or "",
                    "published": str(entry.get("published") or ""),
                    "url": url,
                    "note_zh": entry.get("note_zh", ""),
                    "note_en": entry.get("note_en", ""),
                    "sort_order": sort,
                    "agreements": sorted(links["agreements"]),
                    "organizations": sorted(links["organizations"]),
                },
            )

    # --- clauses -------------------------------------------------------------------------

    def clause(
        self,
        number: str,
        zh: str,
        en: str,
        *,
        sources=(),
        confidence: str = "",
        note_zh: str = "",
        note_en: str = "",
    ) -> str:
        self.clause_pk += 1
        parent = number.rpartition(".")[0]
        fields = {
            "agreement": self.agreement_pk["cdyb_2020_main"],
            "number": number,
            "parent": self.clause_rows[parent]["pk"] if parent else None,
            "text_zh": zh,
            "text_en": en,
            "confidence": confidence,
            "note_zh": note_zh,
            "note_en": note_en,
            "sources": [self.source_pk[s] for s in as_list(sources)],
            "items": [],
            "sort_order": self.clause_pk,
        }
        self.clause_rows[number] = {"pk": self.clause_pk, "fields": fields}
        return number

    def fact_clause(self, number: str, fact: dict, *, sources=None, confidence=None) -> str:
        sources = as_list(fact.get("source", sources))
        return self.clause(
            number,
            fact["zh"],
            fact["en"],
            sources=sources,
            confidence=grade(fact.get("confidence", confidence), sources),
        )

    def implements(self, number: str, item_pk: int) -> None:
        self.clause_rows[number]["fields"]["items"].append(item_pk)

    def context_clauses(self) -> None:
        main = next(a for a in self.facts["agreements"] if a["id"] == "cdyb_2020_main")
        self.clause("1", "目标与战略背景", "Goal and strategic context")
        self.clause(
            "1.1",
            main["goal_zh"],
            "Strive to build a pilot demonstration city for cross-regional cooperation",
            sources=[main["goal_source"]],
            confidence=grade(None, main["goal_source"]),
        )
        basis_en = {
            "深入贯彻落实省委“一干多支”发展战略": (
                "Fully implement the provincial Party committee's “one trunk, multiple branches” "
                "development strategy"
            ),
            "抢抓成渝地区双城经济圈建设机遇": (
                "Seize the opportunity of building the Chengdu–Chongqing twin-city economic circle"
            ),
        }
        n = 1
        for basis in main.get("strategic_basis", []):
            n += 1
            self.clause(
                f"1.{n}",
                basis["zh"],
                basis_en[basis["zh"]],
                sources=[basis["source"]],
                confidence=grade(None, basis["source"]),
            )
        for fact in self.facts["strategic_context"]:
            n += 1
            self.fact_clause(f"1.{n}", fact)

    def industry_clauses(self) -> None:
        models = self.facts["industrial_interaction_models"]
        self.clause("2", "产业协作", "Industrial cooperation")
        n = 0
        for fact in models["items"]:
            n += 1
            self.fact_clause(
                f"2.{n}", fact, sources=models["source"], confidence=models["confidence"]
            )
        for fact in models.get("related_points", []):
            n += 1
            self.fact_clause(f"2.{n}", fact)
        self.fact_clause(f"2.{n + 1}", models["principle"])

    # --- items ---------------------------------------------------------------------------

    def item(
        self,
        *,
        code,
        category,
        title_zh,
        title_en,
        parent=None,
        description_zh="",
        description_en="",
        chengdu=None,
        yibin=None,
        co_owners=(),
        status="not_started",
        note="",
        clauses=(),
    ) -> int:
        self.item_pk += 1
        self.sort += 1
        for number in clauses:
            self.implements(number, self.item_pk)
        self.add(
            "cooperationitem",
            self.item_pk,
            {
                "agreement": self.agreement_pk["cdyb_2020_main"],
                "category": category,
                "code": code,
                "parent": parent,
                "title_zh": title_zh,
                "title_en": title_en,
                "description_zh": description_zh,
                "description_en": description_en,
                "chengdu_lead": self.org_pk[chengdu] if chengdu else None,
                "yibin_lead": self.org_pk[yibin] if yibin else None,
                "co_owners": [self.org_pk[o] for o in co_owners],
                "responsible_people": [],
                "status": status,
                # Nobody has assessed an item the agreement lists: not "on track".
                "health": "not_assessed",
                "progress": 0,
                "weight": 1,
                "start_date": None,
                "target_date": None,
                "source_meeting": None,
                "source_note": note,
                "sort_order": self.sort,
                "created_at": "2020-05-13T00:00:00Z",
                "updated_at": "2020-05-13T00:00:00Z",
            },
        )
        return self.item_pk

    def points(self, parent_pk, parent_code, number, category, points, chengdu, yibin) -> None:
        for n, point in enumerate(points, start=1):
            clause = self.fact_clause(f"{number}.{n}", point)
            self.item(
                code=f"{parent_code}.{n}",
                category=category,
                parent=parent_pk,
                title_zh=point["zh"],
                title_en=point["en"],
                chengdu=chengdu,
                yibin=yibin,
                clauses=[clause],
            )

    def key_projects(self) -> None:
        self.clause("3", "六大重点项目", "Six key projects")
        for project in self.facts["key_projects"]:
            code = f"KP-{project['number']}"
            number = f"3.{project['number']}"
            chengdu = (project.get("chengdu_side_lead") or {}).get("org")
            yibin = (project.get("yibin_side_lead") or {}).get("org")
            later = as_list(project.get("later_implementation"))
            sources = as_list(project.get("title_sources")) or ["S_SEED"]
            clause = self.clause(
                number,
                project["title_zh"],
                project["title_en"],
                sources=sources,
                confidence=grade(project.get("title_confidence"), sources),
            )
            co_owners, status = [], "not_started"
            description_zh, description_en = [], []
            if project.get("later_known_as_zh"):
                description_zh.append(f"后称“{project['later_known_as_zh']}”。")
                description_en.append(f"Later known as {project['later_known_as_en']}.")
            if later:
                # Later reports (after 2020) show work under way; no percentage is invented.
                status = "in_progress"
                description_zh.append("后续实施：" + "；".join(entry["zh"] for entry in later))
                description_en.append(
                    "Later implementation: " + "; ".join(LATER_EN[e["zh"]] for e in later) + "."
                )
                co_owners = {1: ["cy_equipment_park_co"], 2: ["cy_logistics_park_co"]}.get(
                    project["number"], []
                )
            pk = self.item(
                code=code,
                category="key_project",
                title_zh=project["title_zh"],
                title_en=project["title_en"],
                chengdu=chengdu,
                yibin=yibin,
                co_owners=co_owners,
                status=status,
                description_zh="".join(description_zh),
                description_en=" ".join(description_en),
                clauses=[clause],
            )
            self.points(pk, code, number, "key_project", project.get("points", []), chengdu, yibin)

    def special_agreements(self) -> None:
        special = self.facts["special_cooperation"]
        self.clause(
            "4",
            special["summary_zh"],
            special["summary_en"],
            sources=[special["summary_source"]],
            confidence=grade(None, special["summary_source"]),
        )
        fields = special["enterprise_agreements_fields_of_cooperation"]
        entries = [("platform", e) for e in special["platform_pairs"]]
        entries += [("enterprise", e) for e in special["enterprise_agreements"]]
        orgs = {org["id"]: org for org in self.facts["organisations"]}
        enterprise_pks = []
        for n, (group, entry) in enumerate(entries, start=1):
            code, number = f"SP-{n}", f"4.{n}"
            chengdu, yibin = entry["chengdu_org"], entry["yibin_org"]
            (cd_zh, cd_en), (yb_zh, yb_en) = SHORT_NAMES[chengdu], SHORT_NAMES[yibin]
            type_zh = entry.get("agreement_type_zh", "").removesuffix("（教育）")
            type_en = TYPE_EN.get(entry.get("agreement_type_zh", ""), "cooperation agreement")
            title_zh = entry.get("agreement_title_zh") or f"{cd_zh}与{yb_zh}{type_zh}"
            title_en = entry.get("agreement_title_en") or f"{cd_en} – {yb_en} {type_en}"
            pair_sources = as_list(entry.get("pair_source"))
            clause = self.clause(
                number,
                f"{orgs[chengdu]['name_zh']}与{orgs[yibin]['name_zh']}签署"
                + (
                    f"《{entry['agreement_title_zh']}》"
                    if "agreement_title_zh" in entry
                    else type_zh
                ),
                f"{orgs[chengdu]['name_en']} and {orgs[yibin]['name_en']} sign "
                + (
                    f"the {entry['agreement_title_en']}"
                    if "agreement_title_en" in entry
                    else f"a {type_en}"
                ),
                sources=pair_sources,
                confidence=grade(entry.get("pair_confidence"), pair_sources),
            )
            label_zh = (
                "“5+2”专项合作协议之“5”" if group == "platform" else "“5+2”专项合作协议之“+2”"
            )
            label_en = (
                "One of the five platform agreements"
                if group == "platform"
                else "One of the two enterprise agreements"
            ) + " of the “5+2”, signed on 13 May 2020."
            description_zh, description_en = label_zh + "（2020年5月13日签署）。", label_en
            clauses = [clause]
            if group == "enterprise":
                description_zh += fields_text_zh(fields)
                description_en += " " + fields_text_en(fields)
            pk = self.item(
                code=code,
                category="special_agreement",
                title_zh=title_zh,
                title_en=title_en,
                chengdu=chengdu,
                yibin=yibin,
                description_zh=description_zh,
                description_en=description_en,
                clauses=clauses,
            )
            if group == "enterprise":
                enterprise_pks.append(pk)
            self.points(
                pk, code, number, "special_agreement", entry.get("content", []), chengdu, yibin
            )

        # After the pairs, so that the clauses read in order; both "+2" items implement it.
        for number in self.field_clauses(fields, len(entries) + 1):
            for pk in enterprise_pks:
                self.implements(number, pk)

    def field_clauses(self, fields: dict, n: int) -> list[str]:
        """The enterprise agreements' joint list of fields, one clause per field."""
        number = f"4.{n}"
        self.clause(
            number,
            "宜宾三江新区与成都兴城投资集团有限公司、成都产业投资集团有限公司合作的领域"
            "（两项企业协议的共同清单，未按企业区分）",
            "Fields of cooperation of Yibin Sanjiang New Area with Chengdu Xingcheng Investment "
            "Group and Chengdu Industry Investment Group (one joint list for both enterprise "
            "agreements, not split by company)",
            sources=as_list(fields["source"]),
            confidence=grade(fields.get("confidence"), fields["source"]),
        )
        numbers = []
        for k, field in enumerate(fields["items"], start=1):
            numbers.append(
                self.clause(
                    f"{number}.{k}",
                    field["zh"],
                    field["en"],
                    sources=as_list(fields["source"]) + as_list(field.get("support")),
                    confidence=grade(field.get("confidence", fields.get("confidence")), None),
                )
            )
        return [number, *numbers]

    def county_pairing(self) -> None:
        mechanism = self.facts["county_pairing_mechanism"]
        emphasis = mechanism["emphasis"]
        self.clause("5", "区（市）县结对共建", "County-level pairing")
        first = self.fact_clause("5.1", mechanism)
        second = self.fact_clause("5.2", emphasis)
        self.item(
            code="CP-1",
            category="county_pairing",
            title_zh=mechanism["zh"],
            title_en=mechanism["en"],
            chengdu="chengdu_gov",
            yibin="yibin_gov",
            description_zh=emphasis["zh"],
            description_en=emphasis["en"],
            note=DEFAULT_NOTE.format(
                zh="两市人民政府为牵头单位（协议未指定）",
                en="the two municipal governments as leads (the agreement names none)",
            ),
            clauses=[first, second],
        )

    def mechanisms(self) -> None:
        governments = [self.org_pk["chengdu_gov"], self.org_pk["yibin_gov"]]
        lead_orgs = sorted(
            {
                row["fields"][side]
                for row in self.rows
                if row["model"] == "cooperation.cooperationitem"
                for side in ("chengdu_lead", "yibin_lead")
                if row["fields"][side]
            }
        )
        consultation = self.facts["consultation_mechanisms"]
        self.clause("6", "会商机制", "Consultation mechanisms")
        city_zh = {"chengdu": "成都", "yibin": "宜宾"}
        for pk, mechanism in enumerate(consultation["items"], start=1):
            self.fact_clause(f"6.{pk}", mechanism, sources=consultation["source"])
            schedule = MECHANISM_SCHEDULE[mechanism["id"]]
            host = schedule["first_host_city"]
            participants_zh = "各事项的牵头单位参会" if pk == 1 else "两市人民政府参会"
            participants_en = (
                "the items' lead organisations take part"
                if pk == 1
                else "the two municipal governments take part"
            )
            self.add(
                "consultationmechanism",
                pk,
                {
                    "code": mechanism["id"].replace("_", "-"),
                    "tier": schedule["tier"],
                    "name_zh": mechanism["zh"],
                    "name_en": mechanism["en"],
                    "agreement": self.agreement_pk["cdyb_2020_main"],
                    "recurrence": schedule["recurrence"],
                    "anchor_date": schedule["anchor_date"],
                    "default_time": schedule["default_time"],
                    "duration_minutes": schedule["duration_minutes"],
                    "first_host_city": host,
                    "participant_organizations": lead_orgs if pk == 1 else governments,
                    "participants": [],
                    "reminder_offsets_days": [14, 3, 1],
                    "status_call_offset_days": 21,
                    "scope_categories": [
                        "key_project",
                        "special_agreement",
                        "county_pairing",
                        "consultation_followup",
                        "other",
                    ],
                    "is_active": True,
                    "source_note": (
                        f"协议第 6.{pk} 条；每年 {mechanism['cadence_per_year']} 次。"
                        f"Clause 6.{pk}; {mechanism['cadence_per_year']} a year.\n"
                        + DEFAULT_NOTE.format(
                            zh=f"日期与时间、首次由{city_zh[host]}主办、{participants_zh}",
                            en=(
                                f"the dates and times, {host.title()} hosting first, and "
                                f"who takes part ({participants_en})"
                            ),
                        )
                    ),
                },
            )

    def build(self) -> list[dict]:
        self.source_pk = {s["id"]: pk for pk, s in enumerate(self.facts["sources"], start=1)}
        self.organizations()
        self.agreements()
        self.context_clauses()
        self.industry_clauses()
        self.key_projects()
        self.special_agreements()
        self.county_pairing()
        self.mechanisms()
        self.sources()
        for row in self.clause_rows.values():
            self.add("clause", row["pk"], row["fields"])
        return self.rows


def fields_text_zh(fields: dict) -> str:
    names = "、".join(
        f["zh"] + ("（可信度低）" if f.get("confidence") == "low" else "") for f in fields["items"]
    )
    return (
        f"合作领域：{names}。此为宜宾三江新区与成都兴城投资集团有限公司、成都产业投资集团有限公司"
        "合作的共同清单，来源未按企业区分。"
    )


def fields_text_en(fields: dict) -> str:
    names = ", ".join(
        f["en"] + (" (low confidence)" if f.get("confidence") == "low" else "")
        for f in fields["items"]
    )
    return (
        f"Fields of cooperation: {names}. This is the joint list of Yibin Sanjiang New Area's "
        "cooperation with Chengdu Xingcheng Investment Group and Chengdu Industry Investment "
        "Group; the source does not split it by company."
    )


def main() -> int:
    facts_path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_FACTS
    facts = yaml.safe_load(facts_path.read_text(encoding="utf-8"))
    bibliography = yaml.safe_load(BIBLIOGRAPHY.read_text(encoding="utf-8"))
    rows = FixtureBuilder(facts, bibliography).build()
    text = json.dumps(rows, ensure_ascii=False, indent=1) + "\n"
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT.relative_to(ROOT)}: {len(rows)} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
