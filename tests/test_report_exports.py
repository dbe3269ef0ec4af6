"""Exports: CSV and XLSX read back, filters and visibility applied, formulas neutralised."""

import csv
import datetime
import io

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import Promise

from cooperation import permissions
from cooperation.choices import Role
from cooperation.models import CooperationItem, StatusUpdate
from cooperation.reports.exports import neutralise

from .report_data import build_world, report

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(make_user):
    return build_world(author=make_user("reporter"))


@pytest.fixture
def leader(make_user, client):
    user = make_user("leader", role=Role.VIEWER)
    user.user_permissions.add(Permission.objects.get(codename="view_reports"))
    client.force_login(user)
    return user


def download(client, url, params=None):
    response = client.get(url, params or {})
    assert response.status_code == 200, response
    return b"".join(response.streaming_content)


def read_csv(body: bytes) -> list[list[str]]:
    assert body.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def read_xlsx(body: bytes, sheet=0) -> list[tuple]:
    workbook = openpyxl.load_workbook(io.BytesIO(body))
    return list(workbook.worksheets[sheet].iter_rows(values_only=True))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+86 28 1234", "'+86 28 1234"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=cmd", "'\t=cmd"),
        ("\r=cmd", "'\r=cmd"),
        ("a=b", "a=b"),
        ("成都", "成都"),
        (-2, -2),
        (None, None),
    ],
)
def test_neutralise(value, expected):
    assert neutralise(value) == expected


def test_item_csv_applies_the_list_filters(world, leader, client):
    rows = read_csv(
        download(
            client, reverse("cooperation:item_export", args=["csv"]), {"status": "in_progress"}
        )
    )
    header, body = rows[0], rows[1:]
    assert len(header) == 22
    assert [row[0] for row in body] == ["K1", "S1", "K1.1"]  # the list's order
    k1 = dict(zip(header, body[0], strict=True))
    assert list(k1.values())[:3] == ["K1", "K1事项", "Item K1"]
    assert list(k1.values())[11:14] == ["0", "88", "2"]  # reported, rolled up, weight
    assert k1[header[-1]].endswith(
        reverse("cooperation:item_detail", args=[world["items"]["K1"].pk])
    )


def test_item_xlsx_round_trip(world, leader, client):
    rows = read_xlsx(download(client, reverse("cooperation:item_export", args=["xlsx"])))
    body = {row[0]: row for row in rows[1:]}
    assert set(body) == {"K1", "K1.1", "K1.2", "K1.3", "K2", "S1", "S2", "C1"}
    item = CooperationItem.objects.get(code="K2")
    k2 = body["K2"]
    assert k2[:3] == ("K2", item.title_zh, item.title_en)
    assert k2[6:8] == ("cd-b简称", "yb-b简称")  # the leads
    assert k2[11:14] == (0, 0, 1)
    assert k2[15] == item.target_date or k2[15].date() == item.target_date
    assert body["C1"][8] == "cd-b简称"  # co-owner
    assert body["K1.1"][4] == "K1"  # parent
    assert isinstance(body["K1.1"][16], datetime.datetime)  # last status update, Beijing time
    overdue = {code for code, row in body.items() if row[17] == body["K2"][17]}
    assert overdue == {"K2", "S1"}


def test_formula_cells_are_neutralised_end_to_end(world, leader, client):
    item = world["items"]["K2"]
    item.title_zh = '=HYPERLINK("http://evil","点我")'
    item.title_en = "@SUM(1,2)"
    item.save()
    rows = read_csv(download(client, reverse("cooperation:item_export", args=["csv"]), {"q": "K2"}))
    k2 = next(row for row in rows if row[0] == "K2")
    assert k2[1] == '\'=HYPERLINK("http://evil","点我")' and k2[2] == "'@SUM(1,2)"
    body = download(client, reverse("cooperation:item_export", args=["xlsx"]))
    sheet = openpyxl.load_workbook(io.BytesIO(body)).worksheets[0]
    cells = next(row for row in sheet.iter_rows(min_row=2) if row[0].value == "K2")
    assert cells[1].data_type == "s" and cells[1].value.startswith("=HYPERLINK")
    assert cells[1].quotePrefix and cells[2].quotePrefix and not cells[0].quotePrefix


def test_status_updates_of_a_period(world, leader, client):
    author = StatusUpdate.objects.first().author
    k2, cd_b = world["items"]["K2"], world["orgs"]["cd-b"]
    report(k2, author, cd_b, timezone.now(), 5, narrative="-1 进展\x07说明")
    period = timezone.localdate().strftime("%Y-%m")
    rows = read_xlsx(
        download(client, reverse("cooperation:statusupdate_export"), {"period": period})
    )
    body = {row[1]: row for row in rows[1:]}
    assert "K2" in body
    assert "S1" not in body  # reported 40 days ago: another month
    assert body["K2"][10] == "-1 进展说明"  # text (quotePrefix), control character dropped
    assert body["K2"][4] == "cd-b简称" and body["K2"][9] == 5
    year = read_xlsx(
        download(
            client,
            reverse("cooperation:statusupdate_export"),
            {"period": str(timezone.localdate().year)},
        )
    )
    assert "K2" in {row[1] for row in year[1:]}


def test_bad_period_gives_a_message_and_no_file(world, leader, client):
    response = client.get(
        reverse("cooperation:statusupdate_export"), {"period": "2026-Q7"}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("cooperation:report_index")
    assert len(list(response.context["messages"])) == 1


def test_exports_respect_visibility(world, leader, client, monkeypatch):
    """With a narrower visibility rule, no export shows an item the reader may not see."""
    hidden = world["items"]["K2"]

    def narrower(user, action, queryset=None):
        assert action == "view"  # what reports and exports ask
        queryset = CooperationItem.objects.all() if queryset is None else queryset
        return queryset.filter(~Q(pk=hidden.pk))

    # The rule and its shortcut change together: a reader who does not see every item gets
    # figures counted from the rows, never the dashboard summary of every item.
    monkeypatch.setattr(permissions, "restrict_items", narrower)
    monkeypatch.setattr(permissions, "sees_every_item", lambda user: False)
    csv_rows = read_csv(download(client, reverse("cooperation:item_export", args=["csv"])))
    assert "K2" not in [row[0] for row in csv_rows] and len(csv_rows) == 8
    xlsx_rows = read_xlsx(download(client, reverse("cooperation:item_export", args=["xlsx"])))
    assert "K2" not in [row[0] for row in xlsx_rows]
    report(hidden, leader, world["orgs"]["cd-b"], timezone.now(), 5)
    period = str(timezone.localdate().year)
    updates = read_xlsx(
        download(client, reverse("cooperation:statusupdate_export"), {"period": period})
    )
    assert "K2" not in [row[1] for row in updates]
    dashboard = client.get(reverse("cooperation:dashboard")).context["figures"]
    assert dashboard["total"].value == 7


def test_admin_action_exports_the_selected_items(world, superuser, client):
    client.force_login(superuser)
    selected = [world["items"]["K1"].pk, world["items"]["S2"].pk]
    response = client.post(
        reverse("admin:cooperation_cooperationitem_changelist"),
        {"action": "export_items_xlsx", "_selected_action": selected},
    )
    assert response.status_code == 200
    rows = read_xlsx(b"".join(response.streaming_content))
    assert [row[0] for row in rows[1:]] == ["K1", "S2"]
    response = client.post(
        reverse("admin:cooperation_cooperationitem_changelist"),
        {"action": "export_items_csv", "_selected_action": selected[:1]},
    )
    assert [row[0] for row in read_csv(b"".join(response.streaming_content))[1:]] == ["K1"]


def test_admin_action_needs_the_reports_permission(world, make_user, client):
    staff = make_user("clerk", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_cooperationitem"))
    client.force_login(staff)
    page = client.get(reverse("admin:cooperation_cooperationitem_changelist"))
    assert page.status_code == 200
    form = page.context["action_form"]
    actions = [name for name, _label in form.fields["action"].choices] if form else []
    assert "export_items_xlsx" not in actions
    response = client.post(
        reverse("admin:cooperation_cooperationitem_changelist"),
        {"action": "export_items_xlsx", "_selected_action": [world["items"]["K1"].pk]},
    )
    assert not hasattr(response, "streaming_content")


def _rows_from_instances(queryset, absolute_url) -> list[list]:
    """The item export's rows as first written: one model instance per row, every label and
    link made per row. ``tables.item_rows`` reads plain values instead; they must agree."""
    from cooperation.choices import Category, Health, Status
    from cooperation.models import Organization
    from cooperation.models.base import joined
    from cooperation.reports.exports import yes_no
    from cooperation.supervision.lights import Light

    def label(choices, value):
        return choices(value).label if value in choices.values else value or ""

    def name(org):
        return org.short_name if org is not None else ""

    organizations = {org.pk: org for org in Organization.objects.all()}
    rows = []
    for item in queryset.select_related("agreement", "parent", "chengdu_lead", "yibin_lead"):
        ids = (item.co_owner_ids or "").split(",")
        co_owners = [organizations.get(int(pk)) for pk in ids if pk]
        rows.append(
            [
                item.code,
                item.title_zh,
                item.title_en,
                label(Category, item.category),
                item.parent.code if item.parent_id else "",
                str(item.agreement),
                name(item.chengdu_lead),
                name(item.yibin_lead),
                joined(sorted(name(org) for org in co_owners if org is not None)),
                label(Status, item.status),
                label(Health, item.health),
                item.progress,
                round(item.rolled_up_progress),
                item.weight,
                item.start_date,
                item.target_date,
                item.last_reported_at,
                yes_no(item.is_overdue),
                yes_no(item.is_stale),
                joined(
                    sorted(
                        item.clauses.values_list("number", flat=True),
                        key=lambda n: [int(p) for p in n.split(".")],
                    )
                ),
                label(Light, item.light),
                absolute_url(item.get_absolute_url()),
            ]
        )
    return [[str(cell) if isinstance(cell, Promise) else cell for cell in row] for row in rows]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_item_rows_match_rows_made_from_model_instances(world, superuser, rf, language):
    """Sub-items with a cancelled sibling, items without reports or leads, several co-owners,
    an agreement with and one without a short title, stale and overdue flags: row for row
    the same as the per-instance rows, in both languages."""
    from cooperation import selectors
    from cooperation.models import Agreement
    from cooperation.reports import tables
    from cooperation.supervision.lights import with_lights

    from .report_data import bulk_items

    bulk_items(60, prefix="E")
    other = Agreement.objects.create(
        code="other", title_zh="另一协议", title_en="Other", short_title_zh="另", short_title_en=""
    )
    CooperationItem.objects.filter(code__in=["E-3", "E-17"]).update(agreement=other)
    c1 = world["items"]["C1"]
    c1.co_owners.add(world["orgs"]["yb-a"], world["orgs"]["cd-a"])
    request = rf.get("/items/export.csv", HTTP_HOST="testserver")
    request.user = superuser
    queryset = tables.item_export_queryset(
        selectors.with_attention_flags(selectors.item_queryset(user=superuser)).order_by(
            "sort_order", "code", "pk"
        )
    )
    with translation.override(language):
        # The reference reads the light from the SQL rule (the rows work it out in Python).
        expected = _rows_from_instances(with_lights(queryset), request.build_absolute_uri)
        rows = list(tables.item_rows(queryset, request.build_absolute_uri))
    assert len(rows) == 68
    assert rows == expected
    by_code = {row[0]: row for row in rows}
    assert by_code["K1"][12] == 88  # cancelled K1.3 left out of the roll-up
    assert by_code["K2"][16] is None  # never reported
    assert by_code["K1.1"][4] == "K1"
    assert by_code["C1"][8].count("简称" if language == "zh-hans" else "-") == 3
    assert by_code["K1"][21] == "http://testserver" + reverse(
        "cooperation:item_detail", args=[world["items"]["K1"].pk]
    )


def _openpyxl_xlsx(sheets) -> bytes:
    """The workbook as openpyxl writes it cell by cell (how every XLSX export was written
    before ``exports.SheetRows``): the reference that the fast writer must equal."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment

    from cooperation.reports import exports

    workbook = Workbook(write_only=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    for title, header, rows, *widths in sheets:
        sheet = exports.start_sheet(workbook, title, header, *widths)
        wrapped = exports.wrap_columns(header, *widths)
        for row in rows:
            out = []
            for index, value in enumerate(row):
                value = exports._text_cell(value)
                quoted = isinstance(value, exports.Quoted)
                if isinstance(value, str) and (quoted or "\n" in value or index in wrapped):
                    cell = WriteOnlyCell(sheet, value=value)
                    if quoted:
                        cell.data_type = "s"
                        cell.quotePrefix = True
                    if "\n" in value or index in wrapped:
                        cell.alignment = wrap  # (an empty text cell is written "<c></c>")
                    value = cell
                out.append(value)
            sheet.append(out)
    body = io.BytesIO()
    workbook.save(body)
    return body.getvalue()


def test_xlsx_rows_are_written_as_openpyxl_writes_them():
    """Every part of the package equal to openpyxl's, byte for byte (but the creation time):
    text with spaces, line breaks, markup and control characters, error codes, empty text,
    formulas neutralised, numbers, booleans, dates and times (aware ones in Beijing time),
    lazy labels, empty cells and rows, text over Excel's 32,767 characters, two sheets whose
    styles first appear in a different order."""
    import decimal
    import zipfile

    from django.utils.translation import gettext_lazy

    from cooperation.reports import exports

    aware = timezone.make_aware(datetime.datetime(2026, 3, 1, 23, 30), datetime.UTC)
    first = [
        ["plain", " lead", "trail ", "  ", "", "two\nlines", "<a & b>", "#N/A", "#REF!"],
        ["=1+1", "+86", "-2", "@x", "\t=c", "\r=c", "a\x07b", "\x0b=x", gettext_lazy("Yes")],
        [0, -2, 7, 2.5, 1 / 3, 1e20, 12345678901234567890, True, False],
        [decimal.Decimal("1.25"), datetime.date(2026, 1, 2), datetime.date(1900, 2, 1), aware],
        [datetime.datetime(2026, 1, 2, 3, 4, 5, 678901), None, "", None, "x" * 40000 + "\n"],
        [None, None],
        [],
        ["成都、宜宾", "Ünïcødé ✓ ●", "line\r\nbreak", "=", "#NAME?\n"],
    ]
    second = [[datetime.datetime(2026, 5, 6, 7, 8), "wrap\nme", datetime.date(2026, 5, 6), 1]]
    sheets = [
        ("Items: [all]/*?", ["Code", "=Title", gettext_lazy("No")], first, [10, 20, 30]),
        ("Second", ["When"], second),
        ("Empty", ["Nothing"], []),
    ]
    with translation.override("en"):
        fast = download_response(exports.xlsx_response("x.xlsx", sheets))
        slow = _openpyxl_xlsx(sheets)
    fast_zip, slow_zip = zipfile.ZipFile(io.BytesIO(fast)), zipfile.ZipFile(io.BytesIO(slow))
    assert fast_zip.namelist() == slow_zip.namelist()
    dimensions = {
        "xl/worksheets/sheet1.xml": b'<dimension ref="A1:I9" />',
        "xl/worksheets/sheet2.xml": b'<dimension ref="A1:D2" />',
        "xl/worksheets/sheet3.xml": b'<dimension ref="A1:A1" />',
    }
    for name in slow_zip.namelist():
        if name != "docProps/core.xml":  # the creation time
            fast_part, slow_part = fast_zip.read(name), slow_zip.read(name)
            # openpyxl's write-only sheets have no <dimension>; ours do.
            if name in dimensions:
                assert fast_part.count(dimensions[name] + b"<sheetViews>") == 1, name
                fast_part = fast_part.replace(dimensions[name], b"")
            assert fast_part == slow_part, (name, _first_difference(fast_part, slow_part))
    workbook = openpyxl.load_workbook(io.BytesIO(fast))
    first_sheet = workbook.worksheets[0]
    rows = list(first_sheet.iter_rows(values_only=True))
    assert rows[0] == ("Code", "=Title", "No", None, None, None, None, None, None)
    assert rows[2][:5] == ("=1+1", "+86", "-2", "@x", "\t=c")  # (XML reads \r as \n)
    assert rows[2][7] == "=x"  # the control character dropped before neutralising
    for cell in (first_sheet["B1"], first_sheet["A3"], first_sheet["H3"]):
        assert cell.data_type == "s" and cell.quotePrefix, cell  # text, shown without '
    assert not first_sheet["A2"].quotePrefix
    assert rows[4][3] == datetime.datetime(2026, 3, 2, 7, 30)  # Beijing time
    assert first_sheet["F2"].alignment.wrap_text
    assert first_sheet["C2"].alignment.wrap_text  # a wide column (30) wraps


def download_response(response) -> bytes:
    return b"".join(response.streaming_content)


def _first_difference(a: bytes, b: bytes) -> tuple[bytes, bytes]:
    index = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), len(a))
    return a[max(0, index - 120) : index + 120], b[max(0, index - 120) : index + 120]
