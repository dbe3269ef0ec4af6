"""Build fixtures/agreement.json from the verified facts in ../shared/agreement/facts.yaml.

Run: python scripts/build_agreement_fixture.py [path/to/facts.yaml]

Only the corrected fields of the facts file are used (``zh``, ``en``, ``title_*``, ``name_*``);
the ``*_as_in_seed``, ``seed_text`` and free-text notes, which quote the garbled article, are
never copied. Primary keys are fixed, so ``loaddata agreement`` run twice duplicates nothing.
"""

import json
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FACTS = ROOT.parent / "shared" / "agreement" / "facts.yaml"
OUTPUT = ROOT / "fixtures" / "agreement.json"

CONFIDENCE_ZH = {
    "high": "高",
    "medium": "中",
    "medium–high": "中高",
    "low–medium": "中低",
    "low": "低",
}

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


def as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def source_note(entry: dict, *, source_key: str = "source", conf_key: str = "confidence") -> str:
    sources = as_list(entry.get(source_key))
    confidence = entry.get(conf_key)
    parts = []
    if sources:
        parts.append("来源 Sources: " + ", ".join(sources))
    if confidence:
        parts.append(
            f"可信度 Confidence: {CONFIDENCE_ZH.get(confidence, confidence)} ({confidence})"
        )
    return "；".join(parts)


class FixtureBuilder:
    def __init__(self, facts: dict):
        self.facts = facts
        self.rows: list[dict] = []
        self.org_pk: dict[str, int] = {}
        self.agreement_pk: dict[str, int] = {}
        self.item_pk = 0
        self.sort = 0

    def add(self, model: str, pk: int, fields: dict) -> None:
        self.rows.append({"model": f"cooperation.{model}", "pk": pk, "fields": fields})

    def organizations(self) -> None:
        city_names = {"Chengdu": "chengdu", "Yibin": "yibin"}
        for pk, org in enumerate(self.facts["organisations"], start=1):
            self.org_pk[org["id"]] = pk
            city = city_names.get(str(org["city"]).split(" ")[0], "other")
            short_zh, short_en = SHORT_NAMES[org["id"]]
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
                    "source": source_note(org),
                },
            )

    def agreements(self) -> None:
        for pk, agreement in enumerate(self.facts["agreements"], start=1):
            self.agreement_pk[agreement["id"]] = pk
        for agreement in self.facts["agreements"]:
            date = str(agreement["date"])
            precision = agreement.get("date_precision", "day")
            if precision == "month":
                date = f"{date}-01"
            self.add(
                "agreement",
                self.agreement_pk[agreement["id"]],
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
                    "source": source_note(
                        agreement, source_key="date_sources", conf_key="date_confidence"
                    )
                    or source_note(agreement),
                    "note": "",
                },
            )

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
    ) -> int:
        self.item_pk += 1
        self.sort += 1
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
                "health": "on_track",
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

    def points(
        self,
        parent_pk: int,
        parent_code: str,
        category: str,
        points: list,
        chengdu=None,
        yibin=None,
    ) -> None:
        for n, point in enumerate(points, start=1):
            self.item(
                code=f"{parent_code}.{n}",
                category=category,
                parent=parent_pk,
                title_zh=point["zh"],
                title_en=point["en"],
                chengdu=chengdu,
                yibin=yibin,
                note=source_note(point),
            )

    def key_projects(self) -> None:
        for project in self.facts["key_projects"]:
            code = f"KP-{project['number']}"
            chengdu = (project.get("chengdu_side_lead") or {}).get("org")
            yibin = (project.get("yibin_side_lead") or {}).get("org")
            later = as_list(project.get("later_implementation"))
            co_owners = []
            status = "not_started"
            description_zh = ""
            if later:
                # Later reports (after 2020) show work under way; no percentage is invented.
                status = "in_progress"
                description_zh = "后续实施：" + "；".join(entry["zh"] for entry in later)
                co_owners = {1: ["cy_equipment_park_co"], 2: ["cy_logistics_park_co"]}.get(
                    project["number"], []
                )
            if project.get("later_known_as_zh"):
                description_zh = f"后称“{project['later_known_as_zh']}”。" + description_zh
            note = (
                "来源 Sources: " + ", ".join(as_list(project.get("title_sources")))
                if (project.get("title_sources"))
                else ""
            )
            confidence = project.get("title_confidence")
            if confidence:
                note = "；".join(
                    filter(
                        None,
                        [
                            note,
                            f"可信度 Confidence: {CONFIDENCE_ZH.get(confidence)} ({confidence})",
                        ],
                    )
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
                description_zh=description_zh,
                description_en=(
                    f"Later known as {project['later_known_as_en']}."
                    if project.get("later_known_as_en")
                    else ""
                ),
                note=note,
            )
            self.points(pk, code, "key_project", project.get("points", []), chengdu, yibin)

    def special_agreements(self) -> None:
        special = self.facts["special_cooperation"]
        fields = special["enterprise_agreements_fields_of_cooperation"]["items"]
        fields_zh = "、".join(f["zh"] for f in fields)
        fields_en = ", ".join(f["en"] for f in fields)
        entries = [("platform", e) for e in special["platform_pairs"]]
        entries += [("enterprise", e) for e in special["enterprise_agreements"]]
        for n, (group, entry) in enumerate(entries, start=1):
            code = f"SP-{n}"
            chengdu, yibin = entry["chengdu_org"], entry["yibin_org"]
            (cd_zh, cd_en), (yb_zh, yb_en) = SHORT_NAMES[chengdu], SHORT_NAMES[yibin]
            title_zh = entry.get("agreement_title_zh") or (
                f"{cd_zh}与{yb_zh}{entry.get('agreement_type_zh', '').removesuffix('（教育）')}"
            )
            title_en = entry.get("agreement_title_en") or (
                f"{cd_en} – {yb_en} "
                + TYPE_EN.get(entry.get("agreement_type_zh", ""), "cooperation agreement")
            )
            description_zh = description_en = ""
            if group == "enterprise":
                description_zh = f"合作领域：{fields_zh}。"
                description_en = f"Fields of cooperation: {fields_en}."
            label_zh = (
                "“5+2”专项合作协议之“5”" if group == "platform" else "“5+2”专项合作协议之“+2”"
            )
            pk = self.item(
                code=code,
                category="special_agreement",
                title_zh=title_zh,
                title_en=title_en,
                chengdu=chengdu,
                yibin=yibin,
                description_zh=(label_zh + "（2020年5月13日签署）。" + description_zh),
                description_en=(
                    (
                        "One of the five platform agreements"
                        if group == "platform"
                        else "One of the two enterprise agreements"
                    )
                    + " of the “5+2”, signed on 13 May 2020. "
                    + description_en
                ).strip(),
                note=source_note(entry, source_key="pair_source", conf_key="pair_confidence"),
            )
            self.points(pk, code, "special_agreement", entry.get("content", []), chengdu, yibin)

    def county_pairing(self) -> None:
        mechanism = self.facts["county_pairing_mechanism"]
        emphasis = mechanism["emphasis"]
        self.item(
            code="CP-1",
            category="county_pairing",
            title_zh=mechanism["zh"],
            title_en=mechanism["en"],
            chengdu="chengdu_gov",
            yibin="yibin_gov",
            description_zh=emphasis["zh"],
            description_en=emphasis["en"],
            note=source_note(mechanism),
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
        for pk, mechanism in enumerate(self.facts["consultation_mechanisms"]["items"], start=1):
            schedule = MECHANISM_SCHEDULE[mechanism["id"]]
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
                    "first_host_city": schedule["first_host_city"],
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
                        f"{source_note(mechanism)}；每年 {mechanism['cadence_per_year']} 次"
                        f" ({mechanism['cadence']})。日期与时间为可调整的默认安排。"
                    ),
                },
            )

    def build(self) -> list[dict]:
        self.organizations()
        self.agreements()
        self.key_projects()
        self.special_agreements()
        self.county_pairing()
        self.mechanisms()
        return self.rows


def main() -> int:
    facts_path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_FACTS
    facts = yaml.safe_load(facts_path.read_text(encoding="utf-8"))
    rows = FixtureBuilder(facts).build()
    text = json.dumps(rows, ensure_ascii=False, indent=1) + "\n"
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT.relative_to(ROOT)}: {len(rows)} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
