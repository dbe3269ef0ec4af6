import io

import pytest
from openpyxl import load_workbook

from cooperation.choices import Role


@pytest.fixture
def supervisor(agreement, make_user):
    return make_user("boss", org="chengdu-gov", role=Role.SUPERVISOR, first_name="王督查")


@pytest.fixture
def sup_client(client, supervisor):
    client.force_login(supervisor)
    return client


def exported(client) -> bytes:
    response = client.get("/items/export.xlsx")
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def edit(content: bytes, changes: dict) -> bytes:
    """``changes``: {(code, header text): value} applied with openpyxl, as a user would."""
    book = load_workbook(io.BytesIO(content))
    sheet = book.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    for (code, column), value in changes.items():
        rows[code][header.index(column)].value = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, content: bytes, name: str = "items.xlsx"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        "/items/import/",
        {"file": SimpleUploadedFile(name, content, content_type="application/octet-stream")},
    )
