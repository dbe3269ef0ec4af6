"""The To do page shows each list's first rows (the oldest first) with the exact total and a
link to all of them, so it stays quick however much waits."""

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cooperation.workflow.digest import DIGEST_LIMIT

from .conftest import completion_requested, report


def reviews_section(html: str) -> str:
    return html.split('data-testid="reviews"')[1].split("</section>")[0]


def test_todo_shows_the_oldest_reports_first_the_total_and_a_link_to_all(loop, loop_client):
    updates = [report(loop, progress=10 + i) for i in range(DIGEST_LIMIT + 3)]
    client = loop_client("yb_lead")
    section = reviews_section(client.get(reverse("cooperation:todo_list")).content.decode())
    shown = [u for u in updates if u.get_absolute_url() in section]
    assert shown == updates[:DIGEST_LIMIT]  # the oldest twenty, none of the newest three
    assert section.count("<li>") == DIGEST_LIMIT
    assert f"前 {DIGEST_LIMIT} 条，共 {len(updates)} 条" in section
    link = re.search(r'<a href="([^"]*section=reviews)">([^<]*)</a>', section)
    assert link and link.group(2).strip() == f"全部 {len(updates)} 条"

    full = reviews_section(client.get(link.group(1).replace("&amp;", "&")).content.decode())
    assert full.count("<li>") == len(updates)  # the link opens exactly the rows counted
    assert all(u.get_absolute_url() in full for u in updates)
    assert 'data-testid="more"' not in full
    html = client.get(link.group(1)).content.decode()
    assert 'data-testid="confirmations"' not in html  # that list only, and a way back
    assert f'href="{reverse("cooperation:todo_list")}"' in html


def test_todo_totals_in_english_and_short_lists_without_a_link(loop, loop_client):
    for i in range(DIGEST_LIMIT + 1):
        report(loop, progress=10 + i)
    client = loop_client("yb_lead")
    client.cookies["django_language"] = "en"
    section = reviews_section(client.get(reverse("cooperation:todo_list")).content.decode())
    assert f"The first {DIGEST_LIMIT} of {DIGEST_LIMIT + 1}" in section
    assert f"All {DIGEST_LIMIT + 1}</a>" in section
    # Someone with nothing to review sees no total and no link.
    other = loop_client("other").get(reverse("cooperation:todo_list")).content.decode()
    assert 'data-testid="more"' not in other and "section=" not in other


def test_an_unknown_section_shows_the_whole_page(loop, loop_client):
    report(loop)
    html = loop_client("yb_lead").get(reverse("cooperation:todo_list") + "?section=x").content
    assert b'data-testid="confirmations"' in html and b'data-testid="reviews"' in html


def test_todo_queries_do_not_grow_with_what_waits(loop, loop_client):
    def queries(url):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    page = reverse("cooperation:todo_list")
    client = loop_client("yb_lead")
    report(loop)
    small = queries(page), queries(page + "?section=reviews")
    for i in range(DIGEST_LIMIT + 2):
        report(loop, progress=10 + i)
    assert (queries(page), queries(page + "?section=reviews")) == small


def test_confirmations_are_counted_for_supervisors_and_lead_coordinators(loop, loop_client):
    request = completion_requested(loop)
    for role in ("supervisor", "yb_lead"):
        html = loop_client(role).get(reverse("cooperation:todo_list")).content.decode()
        section = html.split('data-testid="confirmations"')[1].split("</section>")[0]
        assert request.get_absolute_url() in section and "共 1 条。" in section, role
    html = loop_client("owner").get(reverse("cooperation:todo_list")).content.decode()
    section = html.split('data-testid="confirmations"')[1].split("</section>")[0]
    assert request.get_absolute_url() not in section  # who asked does not confirm
