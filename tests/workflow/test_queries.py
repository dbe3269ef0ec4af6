"""The item page keeps a constant number of queries whatever the loop adds to it."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from cooperation.workflow.comments import comment_add
from cooperation.workflow.reviews import report_review

from .conftest import pdf, report


def add_round(loop, n):
    for i in range(n):
        update = report(loop, progress=10 + i, files=[pdf(f"材料{i}.pdf")])
        comment_add(
            item=loop.item,
            user=loop.users["yb_lead"],
            body=f"@cd_owner 第{i}条",
            status_update=update,
        )
        comment_add(item=loop.item, user=loop.users["supervisor"], body=f"意见{i}")
        report_review(update=update, user=loop.users["yb_lead"], accept=bool(i % 2), reason="补充")


def count(client, loop):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(loop.item.get_absolute_url()).status_code == 200
    return len(queries)


def test_item_page_queries_do_not_grow_with_reports_comments_and_evidence(loop, loop_client):
    client = loop_client("yb_lead")
    add_round(loop, 2)
    small = count(client, loop)
    add_round(loop, 6)
    assert count(client, loop) == small
    for role in ("owner", "supervisor", "viewer"):
        assert count(loop_client(role), loop) <= small + 2  # role-dependent lookups only


def test_todo_page_queries_are_constant(loop, loop_client):
    client = loop_client("supervisor")
    add_round(loop, 1)
    small = count_todo(client)
    add_round(loop, 5)
    assert count_todo(client) == small


def count_todo(client):
    from django.urls import reverse

    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("cooperation:todo_list")).status_code == 200
    return len(queries)
