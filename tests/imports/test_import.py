"""The Excel ledger import: export → edit → dry run → confirm, and every refusal."""

import datetime
import io

import pytest
from openpyxl import Workbook, load_workbook

from cooperation.choices import ImportState
from cooperation.models import CooperationItem, ItemImport, Milestone, Organization

from .conftest import edit, exported, upload

pytestmark = pytest.mark.django_db


def last_import() -> ItemImport:
    return ItemImport.objects.latest("pk")


def history_count() -> int:
    return CooperationItem.history.count()


def test_an_unedited_export_changes_nothing(sup_client):
    before = history_count()
    response = upload(sup_client, exported(sup_client))
    job = last_import()
    assert response.status_code == 302 and response["Location"] == f"/items/import/{job.pk}/"
    assert job.state == ImportState.CHECKED
    assert job.preview["errors"] == []
    assert job.preview["counts"] == {"create": 0, "update": 0, "unchanged": 49}
    page = sup_client.get(job.get_absolute_url()).content.decode()
    assert 'data-testid="import-nothing"' in page and 'data-testid="import-confirm"' not in page
    assert history_count() == before


def test_three_edited_cells_show_old_and_new_then_apply_once(sup_client, supervisor):
    content = edit(
        exported(sup_client),
        {
            ("KP-1", "目标日期"): datetime.datetime(2027, 6, 30),
            ("KP-2", "成都牵头单位"): "成都兴城集团",
            ("SP-1", "中文名称"): "成宜合作项目（已改名）",
        },
    )
    before = history_count()
    upload(sup_client, content)
    job = last_import()
    assert job.preview["counts"]["update"] == 3 and job.preview["errors"] == []
    changes = {row["code"]: row["changes"] for row in job.preview["items"] if row["changes"]}
    assert changes["KP-1"][0][0] == "目标日期" and changes["KP-1"][0][2] == "2027-06-30"
    assert changes["KP-2"] == [["成都牵头单位", "", "成都兴城集团"]]
    assert changes["SP-1"][0][2] == "成宜合作项目（已改名）"
    page = sup_client.get(job.get_absolute_url()).content.decode()
    assert "2027-06-30" in page and "成都兴城集团" in page
    assert history_count() == before  # the dry run wrote nothing
    assert CooperationItem.objects.get(code="KP-1").target_date != datetime.date(2027, 6, 30)

    response = sup_client.post(f"/items/import/{job.pk}/apply/")
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.state == ImportState.APPLIED
    assert CooperationItem.objects.get(code="KP-1").target_date == datetime.date(2027, 6, 30)
    assert CooperationItem.objects.get(code="KP-2").chengdu_lead.code == "cd-xingcheng"
    new_rows = CooperationItem.history.filter(history_change_reason="Import")
    assert new_rows.count() == 3 == history_count() - before
    assert {row.history_user_id for row in new_rows} == {supervisor.pk}
    # Confirming twice does nothing more.
    sup_client.post(f"/items/import/{job.pk}/apply/")
    assert history_count() - before == 3

    # The same file again: nothing to change.
    upload(sup_client, content)
    assert last_import().preview["counts"]["update"] == 0


def test_every_error_with_its_row_and_column_and_nothing_applied(sup_client):
    content = exported(sup_client)
    book = load_workbook(io.BytesIO(content))
    sheet = book.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    col = {name: header.index(name) for name in header}
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    rows["KP-1"][col["成都牵头单位"]].value = "不存在的单位"
    rows["KP-2"][col["目标日期"]].value = "=TODAY()+30"
    rows["KP-3"][col["目标日期"]].value = "明年"
    rows["KP-1.1"][col["上级事项"]].value = "KP-1.2"
    rows["KP-1.2"][col["上级事项"]].value = "KP-1.1"
    rows["SP-1"][0].value = "SP-2"  # a duplicate code
    out = io.BytesIO()
    book.save(out)
    upload(sup_client, out.getvalue())
    job = last_import()
    errors = {(e["row"], e["column"]): e["message"] for e in job.preview["errors"]}
    row_of = {code: cells[0].row for code, cells in rows.items()}
    letter = {name: chr(ord("A") + index) for name, index in col.items()}
    assert "不存在的单位" in errors[(row_of["KP-1"], letter["成都牵头单位"])]
    assert "公式" in errors[(row_of["KP-2"], letter["目标日期"])]
    assert "明年" in errors[(row_of["KP-3"], letter["目标日期"])]
    assert "循环" in errors[(row_of["KP-1.1"], letter["上级事项"])]
    assert "SP-2" in errors[(max(row_of["SP-1"], row_of["SP-2"]), "A")]
    page = sup_client.get(job.get_absolute_url()).content.decode()
    assert 'data-testid="import-errors"' in page and 'data-testid="import-confirm"' not in page
    before = history_count()
    sup_client.post(f"/items/import/{job.pk}/apply/")
    assert history_count() == before and last_import().state == ImportState.CHECKED


def _template(client) -> Workbook:
    response = client.get("/items/import/template.xlsx")
    assert response.status_code == 200
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def test_the_template_creates_items_sub_items_and_milestones(sup_client, supervisor):
    book = _template(sup_client)
    items, milestones = book.worksheets
    assert milestones.title == "里程碑"
    header = [cell.value for cell in items[1]]

    def row(**values):
        items.append([values.get(name) for name in header])

    row(
        编号="NEW-1",
        中文名称="新增重点项目",
        所属协议="cdyb-2020-main",
        类别="重点合作项目",
        成都牵头单位="cdig",
        宜宾牵头单位="宜宾临港经开区",
        共同责任单位="成宜产业园公司、成宜物流园公司",
        开始日期="2026/1/5",
        目标日期=46203,
    )
    row(
        编号="NEW-1.1",
        中文名称="子事项",
        类别="key_project",
        上级事项="NEW-1",
        权重="2",
        所属协议="推动成渝地区双城经济圈建设共建跨区域合作先行示范市合作协议",
    )
    milestones.append(["NEW-1", "完成选址", "Site chosen", datetime.date(2026, 3, 1), None])
    milestones.append(["KP-1", "完成园区选址", None, "2026-04-30", None])
    out = io.BytesIO()
    book.save(out)
    upload(sup_client, out.getvalue())
    job = last_import()
    assert job.preview["errors"] == [], job.preview
    assert job.preview["counts"]["create"] == 4
    sup_client.post(f"/items/import/{job.pk}/apply/")
    new = CooperationItem.objects.get(code="NEW-1")
    assert new.chengdu_lead.code == "cdig" and new.yibin_lead.code == "yibin-lingang-etdz"
    assert {o.code for o in new.co_owners.all()} == {"cy-equipment-park-co", "cy-logistics-park-co"}
    assert new.start_date == datetime.date(2026, 1, 5) and new.target_date == datetime.date(
        2026, 6, 30
    )
    child = CooperationItem.objects.get(code="NEW-1.1")
    assert child.parent == new and child.weight == 2
    assert Milestone.objects.get(item=new).due_date == datetime.date(2026, 3, 1)
    assert (
        Milestone.objects.get(item__code="KP-1", title_zh="完成园区选址")
        .history.first()
        .history_change_reason
        == "Import"
    )
    assert new.history.first().history_user == supervisor


def test_files_that_are_refused_whole(sup_client, settings):
    response = upload(sup_client, b"not a zip at all")
    assert (
        "不是 Excel 工作簿" in response.content.decode()
        or "not an Excel" in response.content.decode()
    )
    macro = io.BytesIO()
    Workbook().save(macro)
    import zipfile

    data = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(macro.getvalue())) as src, zipfile.ZipFile(data, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info))
        dst.writestr("xl/vbaProject.bin", b"\x00")
    response = upload(sup_client, data.getvalue())
    assert "宏" in response.content.decode()
    response = upload(sup_client, macro.getvalue(), name="book.xlsm")
    assert "宏" in response.content.decode()
    settings.CHENGYI_IMPORT_MAX_MB = 0
    response = upload(sup_client, macro.getvalue())
    assert "0 MB" in response.content.decode()
    assert ItemImport.objects.count() == 0


def test_dates_as_text_numbers_and_date_cells_all_read(sup_client):
    content = exported(sup_client)
    for value in ("2027-01-31", "2027/1/31", "2027年1月31日", 46418, datetime.date(2027, 1, 31)):
        upload(sup_client, edit(content, {("KP-1", "目标日期"): value}))
        job = last_import()
        assert job.preview["errors"] == [], value
        (change,) = [row for row in job.preview["items"] if row["changes"]]
        assert change["changes"][0][2] == "2027-01-31", value


def test_english_headers_and_apostrophe_protected_text_are_read(sup_client, settings):
    sup_client.cookies["django_language"] = "en"
    item = CooperationItem.objects.get(code="SP-1")
    item.title_zh = "=1+1 不是公式"
    item.save()
    response = sup_client.get("/items/export.xlsx", HTTP_ACCEPT_LANGUAGE="en")
    content = b"".join(response.streaming_content)
    header = [c.value for c in load_workbook(io.BytesIO(content)).worksheets[0][1]]
    assert "Code" in header
    upload(sup_client, content)
    job = last_import()
    assert job.preview["errors"] == [] and job.preview["counts"]["update"] == 0


def test_organisation_of_the_wrong_city_is_an_error(sup_client):
    upload(sup_client, edit(exported(sup_client), {("KP-1", "成都牵头单位"): "宜宾市政府"}))
    (error,) = last_import().preview["errors"]
    assert "成都" in error["message"] and Organization.objects.filter(code="yibin-gov").exists()
