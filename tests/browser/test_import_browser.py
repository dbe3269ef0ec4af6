"""A supervisor in a real browser: export the item list, change three cells as in Excel,
import the file, read the dry run, confirm, and find the three changes in the history."""

import datetime

import openpyxl
import pytest
from playwright.sync_api import expect

from cooperation.models import CooperationItem

pytestmark = pytest.mark.django_db(transaction=True)


def test_export_edit_import_confirm_and_see_the_history(
    page, live_server, login, demo_users, tmp_path
):
    login(page, live_server, "supervisor", next_path="/items/")
    with page.expect_download() as download_info:
        page.get_by_test_id("export-xlsx").click()
    path = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(path)

    # Three cells changed, as a user would in Excel.
    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    rows["KP-1"][header.index("目标日期")].value = datetime.date(2027, 9, 30)
    rows["KP-1"][header.index("宜宾牵头单位")].value = "宜宾三江新区"
    rows["SP-2"][header.index("中文名称")].value = "成宜合作专项（导入修改）"
    edited = tmp_path / "台账.xlsx"
    book.save(edited)

    page.get_by_test_id("import-link").click()
    page.set_input_files("#id_file", str(edited))
    page.get_by_role("button", name="检查文件").click()
    preview = page.get_by_test_id("import-preview")
    expect(preview).to_be_visible()
    expect(page.get_by_test_id("import-counts")).to_contain_text("修改 2 项")
    kp1 = preview.locator("tr[data-code='KP-1']")
    expect(kp1).to_contain_text("2027-09-30")
    expect(kp1).to_contain_text("宜宾临港经开区 → 宜宾三江新区")
    expect(preview.locator("tr[data-code='SP-2']")).to_contain_text("成宜合作专项（导入修改）")
    # The dry run wrote nothing.
    assert CooperationItem.objects.get(code="KP-1").target_date != datetime.date(2027, 9, 30)

    page.get_by_role("button", name="确认导入").click()
    expect(page.get_by_test_id("import-state")).to_have_text("已导入")

    kp1_pk = CooperationItem.objects.get(code="KP-1").pk
    page.goto(f"{live_server.url}/items/{kp1_pk}/history/")
    history = page.locator("main")
    expect(history).to_contain_text("导入")
    expect(history).to_contain_text("宜宾三江新区")
    expect(history).to_contain_text("2027")
    sp2_pk = CooperationItem.objects.get(code="SP-2").pk
    page.goto(f"{live_server.url}/items/{sp2_pk}/history/")
    expect(page.locator("main")).to_contain_text("成宜合作专项（导入修改）")


def test_progress_bar_follows_a_running_import_and_shows_the_result(
    page, live_server, login, demo_users
):
    from cooperation.models import ItemImport

    job = ItemImport.objects.create(
        created_by=demo_users["supervisor"],
        filename="大台账.xlsx",
        content=b"",
        sha256="0" * 64,
        state="applying",
        rows_total=10_000,
        rows_done=2_500,
        preview={
            "items": [],
            "milestones": [],
            "errors": [],
            "counts": {"create": 0, "update": 10000, "unchanged": 0},
            "ignored": [],
        },
    )
    login(page, live_server, "supervisor", next_path=f"/items/import/{job.pk}/")
    bar = page.locator("#import-bar")
    expect(bar).to_have_attribute("value", "2500")
    ItemImport.objects.filter(pk=job.pk).update(rows_done=7_000)
    expect(bar).to_have_attribute("value", "7000", timeout=5_000)
    # The page can be left and found again.
    page.goto(f"{live_server.url}/items/import/")
    page.get_by_role("link", name="大台账.xlsx").click()
    expect(page.locator("#import-bar")).to_be_visible()
    ItemImport.objects.filter(pk=job.pk).update(state="applied", rows_done=10_000)
    expect(page.get_by_test_id("import-state")).to_have_text("已导入", timeout=5_000)
    expect(page.get_by_test_id("import-progress")).to_have_count(0)
