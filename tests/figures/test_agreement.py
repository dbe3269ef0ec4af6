"""Issue 14, points 7–10: the agreement as clauses, sources people can check, no invented
facts, and a repository that builds its fixture from the facts it holds."""

import io
import json
from pathlib import Path

import openpyxl
import pytest
import yaml
from django.urls import reverse
from django.utils import translation

from cooperation.choices import Health, Role
from cooperation.filters import ItemFilter
from cooperation.models import (
    Agreement,
    Clause,
    ConsultationMechanism,
    CooperationItem,
    Organization,
    Source,
)

ROOT = Path(__file__).resolve().parent.parent.parent
FACTS = yaml.safe_load((ROOT / "fixtures" / "sources" / "facts.yaml").read_text("utf-8"))
FIXTURE = json.loads((ROOT / "fixtures" / "agreement.json").read_text("utf-8"))


def high_confidence_statements(node, inherited=None, path="") -> list[tuple[str, str]]:
    """Every ``zh`` statement of the facts graded high (its own grade, else its block's)."""
    found = []
    if isinstance(node, dict):
        grade = node.get("confidence", inherited)
        if "zh" in node and grade == "high":
            found.append((path, node["zh"]))
        for key, value in node.items():
            if key not in ("confidence", "zh"):
                found += high_confidence_statements(value, grade, f"{path}.{key}")
    elif isinstance(node, list):
        for n, value in enumerate(node):
            found += high_confidence_statements(value, inherited, f"{path}[{n}]")
    return found


# --- 10. the repository stands alone; every high-confidence fact is in the fixture ----------


def test_every_high_confidence_fact_is_in_a_clause_or_an_item():
    texts = []
    for row in FIXTURE:
        fields = row["fields"]
        if row["model"] == "cooperation.clause":
            texts.append(fields["text_zh"])
        elif row["model"] == "cooperation.cooperationitem":
            texts += [fields["title_zh"], fields["description_zh"]]
    statements = high_confidence_statements(FACTS)
    assert len(statements) >= 12  # models, chain points, context, sites, later companies
    missing = [(path, zh) for path, zh in statements if not any(zh in text for text in texts)]
    assert missing == []
    titles = {r["fields"]["title_zh"] for r in FIXTURE if r["model"].endswith("cooperationitem")}
    for project in FACTS["key_projects"]:
        if project.get("title_confidence") == "high":
            assert project["title_zh"] in titles
    orgs = {r["pk"]: r["fields"]["name_zh"] for r in FIXTURE if r["model"].endswith("organization")}
    pairs = {
        (orgs.get(r["fields"]["chengdu_lead"]), orgs.get(r["fields"]["yibin_lead"]))
        for r in FIXTURE
        if r["model"].endswith("cooperationitem")
    }
    by_id = {org["id"]: org["name_zh"] for org in FACTS["organisations"]}
    special = FACTS["special_cooperation"]
    for pair in special["platform_pairs"] + special["enterprise_agreements"]:
        if pair["pair_confidence"] == "high":
            assert (by_id[pair["chengdu_org"]], by_id[pair["yibin_org"]]) in pairs
    for org in FACTS["organisations"]:
        if org.get("confidence") == "high":
            assert org["name_zh"] in orgs.values()


def test_the_fixture_builder_reads_nothing_outside_the_repository():
    builder = (ROOT / "scripts" / "build_agreement_fixture.py").read_text("utf-8")
    assert "ROOT.parent" not in builder and "../shared" not in builder
    makefile = (ROOT / "Makefile").read_text("utf-8")
    assert "shared" not in makefile


# --- 7. the agreement's own text as clauses, linked to the items -----------------------------


@pytest.mark.django_db
def test_the_agreement_page_lists_the_clauses_with_sources(agreement, make_user, client):
    main = Agreement.objects.get(code="cdyb-2020-main")
    texts = set(main.clauses.values_list("text_zh", flat=True))
    for expected in [
        "研发设计在成都、转化生产在宜宾",
        "总部在成都、基地在宜宾",
        "上游在宜宾、下游在成都",
        "优势互补、错位发展",
        "把宜宾作为成都产业补链、延链、强链重要基地，共建产业生态圈",
        "聚焦重大装备制造、智能终端、汽车配套等领域，加快推动南向开放合作",
        "一干多支、五区协同",
        "四向拓展、全域开放",
        "推动重大功能平台跨区域统筹联动，共建高能级合作载体",
    ]:
        assert expected in texts
    models = Clause.objects.get(agreement=main, text_zh="研发设计在成都、转化生产在宜宾")
    assert models.confidence == "high" and models.text_en.startswith("R&D and design")
    assert list(models.sources.values_list("code", flat=True)) == ["S_CDRB"]
    client.force_login(make_user("viewer", org="yibin-gov", role=Role.VIEWER))
    page = client.get(reverse("cooperation:agreement_detail", args=[main.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "研发设计在成都、转化生产在宜宾" in html and 'id="clause-2.1"' in html
    assert "成都日报" in html
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english = client.get(reverse("cooperation:agreement_detail", args=[main.pk]))
    assert "Chengdu Daily" in english.content.decode()


@pytest.mark.django_db
def test_every_item_implements_a_clause_shown_on_its_page_and_in_the_list(
    agreement, make_user, client
):
    assert not CooperationItem.objects.filter(clauses__isnull=True).exists()
    viewer = make_user("viewer", org="yibin-gov", role=Role.VIEWER)
    client.force_login(viewer)
    kp1 = CooperationItem.objects.get(code="KP-1")
    html = client.get(kp1.get_absolute_url()).content.decode()
    assert 'data-clause="3.1"' in html and "成都日报" in html
    assert "来源 Sources:" not in html and "可信度 Confidence:" not in html
    clause = Clause.objects.get(number="3.1")
    listed = client.get(reverse("cooperation:item_list"), {"clause": clause.pk})
    codes = sorted(item.code for item in listed.context["filter"].qs)
    assert codes == ["KP-1", "KP-1.1", "KP-1.2", "KP-1.3", "KP-1.4"]
    # The FilterSet the API shares has the filter.
    assert "clause" in ItemFilter.base_filters


@pytest.mark.django_db
def test_the_item_export_lists_each_items_clauses(agreement, make_user, client):
    client.force_login(make_user("leader", org="yibin-gov", role=Role.SUPERVISOR))
    response = client.get(reverse("cooperation:item_export", args=["xlsx"]), {"q": "SP-7"})
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = book.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    column = header.index("协议条款")
    rows = {row[0]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows["SP-7"][column] == "4.7、4.8、4.8.1、4.8.2、4.8.3、4.8.4、4.8.5"


# --- 8. sources people can check -------------------------------------------------------------


@pytest.mark.django_db
def test_the_source_list_in_the_readers_language(agreement, make_user, client):
    client.force_login(make_user("viewer", org="yibin-gov", role=Role.VIEWER))
    html = client.get(reverse("cooperation:source_list")).content.decode()
    assert "成都日报" in html and "2020-05-14" in html
    assert "http://news.chengdu.cn/2020/0514/2122556.shtml" in html
    seed = Source.objects.get(code="S_SEED")
    assert seed.kind == "machine_translation"
    assert 'data-testid="machine-translation"' in html and "仅在没有更好来源时使用" in html
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english = client.get(reverse("cooperation:source_list"))
    text = english.content.decode()
    assert "Chengdu Daily" in text and "Machine back-translation" in text


@pytest.mark.django_db
def test_the_earlier_agreements_keep_their_article_only_flag(agreement, make_user, client):
    client.force_login(make_user("viewer", org="yibin-gov", role=Role.VIEWER))
    html = client.get(reverse("cooperation:agreement_list")).content.decode()
    flagged = [
        code
        for code in Agreement.objects.values_list("code", flat=True)
        if f'data-agreement="{code}"' in html
        and 'data-testid="article-only"'
        in html.split(f'data-agreement="{code}"')[1].split("</li>")[0]
    ]
    assert sorted(flagged) == [
        "cdyb-2015-06-framework",
        "cdyb-2018-04-26-deepening",
        "cdyb-2018-10-30-special-13",
    ]


# --- 9. no invented facts ----------------------------------------------------------------------


@pytest.mark.django_db
def test_nothing_is_assessed_before_anyone_assessed_it(agreement, make_user):
    assert set(CooperationItem.objects.values_list("health", flat=True)) == {Health.NOT_ASSESSED}
    with translation.override("zh-hans"):
        assert str(Health.NOT_ASSESSED.label) == "未评估"


@pytest.mark.django_db
def test_the_enterprise_field_list_is_said_to_be_joint_and_keeps_its_low_grade(agreement):
    sp7 = CooperationItem.objects.get(code="SP-7")
    assert "共同清单" in sp7.description_zh and "体育旅游（可信度低）" in sp7.description_zh
    assert "joint list" in sp7.description_en and "sports tourism (low confidence)" in (
        sp7.description_en
    )
    assert Clause.objects.get(text_zh="体育旅游").confidence == "low"


@pytest.mark.django_db
def test_default_arrangements_are_marked_as_such(agreement):
    cp1 = CooperationItem.objects.get(code="CP-1")
    assert "默认安排" in cp1.source_note and "Default arrangement" in cp1.source_note
    for mechanism in ConsultationMechanism.objects.all():
        note = mechanism.source_note
        assert "默认安排" in note and "主办" in note and "参会" in note
        assert "hosting first" in note and "who takes part" in note


@pytest.mark.django_db
def test_english_descriptions_are_complete(agreement):
    kp1 = CooperationItem.objects.get(code="KP-1")
    kp2 = CooperationItem.objects.get(code="KP-2")
    assert "Sichuan Chengyi Industrial Park Investment and Construction" in kp1.description_en
    assert "Sichuan Chengyi Logistics Park Construction and Development" in kp2.description_en
    for item in CooperationItem.objects.exclude(description_zh=""):
        assert item.description_en, item.code
    assert Organization.objects.filter(sources__code="S_CDRB").exists()


@pytest.mark.django_db
def test_the_agreement_and_source_pages_need_a_sign_in(agreement, client, make_user):
    main = Agreement.objects.get(code="cdyb-2020-main")
    for url in (
        reverse("cooperation:agreement_list"),
        reverse("cooperation:agreement_detail", args=[main.pk]),
        reverse("cooperation:source_list"),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    missing = reverse("cooperation:agreement_detail", args=[10_000])
    client.force_login(make_user("viewer", org="yibin-gov", role=Role.VIEWER))
    assert client.get(missing).status_code == 404


@pytest.mark.django_db
def test_the_agreement_page_takes_the_same_queries_at_two_sizes(
    agreement, make_user, client, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    main = Agreement.objects.get(code="cdyb-2020-main")
    client.force_login(make_user("viewer", org="yibin-gov", role=Role.VIEWER))
    url = reverse("cooperation:agreement_detail", args=[main.pk])
    client.get(url)  # the session and the menu's first reads
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    items = list(CooperationItem.objects.all())
    seed = Source.objects.get(code="S_SEED")
    for n in range(1, 101):
        clause = Clause.objects.create(
            agreement=main, number=f"9.{n}", text_zh=f"条款{n}", sort_order=1000 + n
        )
        clause.sources.add(seed)
        clause.items.add(*items[:3])
    with django_assert_num_queries(len(small)):
        page = client.get(url)
    assert 'data-clause="9.100"' in page.content.decode()
    print(f"agreement page: {len(small)} queries")
