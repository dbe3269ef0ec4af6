"""The import page and the bulk edit page ask the database as often for few rows as for many."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cooperation.models import CooperationItem, ItemImport

pytestmark = pytest.mark.django_db


def queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(captured)


def _job(user, rows: int) -> ItemImport:
    items = [
        {
            "row": n + 2,
            "code": f"X-{n}",
            "action": "update",
            "changes": [["目标日期", "", "2027-01-01"]],
        }
        for n in range(rows)
    ]
    return ItemImport.objects.create(
        created_by=user,
        filename=f"{rows}.xlsx",
        content=b"",
        sha256="0" * 64,
        state="checked",
        preview={
            "items": items,
            "milestones": [],
            "errors": [{"row": 2, "column": "A", "message": "x"}] * rows,
            "counts": {"create": 0, "update": rows, "unchanged": 0},
            "ignored": [],
        },
    )


def test_import_page_queries_do_not_grow_with_rows(sup_client, supervisor):
    small, large = _job(supervisor, 2), _job(supervisor, 400)
    queries(sup_client, small.get_absolute_url())  # warm the session and the user
    assert queries(sup_client, small.get_absolute_url()) == queries(
        sup_client, large.get_absolute_url()
    )
    assert queries(sup_client, "/items/import/") <= 6


def test_bulk_page_queries_do_not_grow_with_the_chosen_items(sup_client):
    ids = [str(pk) for pk in CooperationItem.objects.values_list("pk", flat=True)]
    queries(sup_client, "/items/bulk/", {"items": ids[:2]})
    two = queries(sup_client, "/items/bulk/", {"items": ids[:2]})
    assert two == queries(sup_client, "/items/bulk/", {"items": ids[:40]})
