"""Every input tried: each form field and query parameter on every page gets bad input.

The outcome must be a clear, translated error or a 404/403, never a 500; a refused request
changes no row (history included); a payload that is accepted comes out escaped everywhere.
Forms are found by reading the pages (tests/formwalk.py), so forms added later are covered.
"""

import fcntl
import json
from collections import Counter
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cooperation.choices import Role
from cooperation.models import CooperationItem, Milestone, Organization, Profile
from tests.formwalk import (
    NUMBER_FORMS,
    PAYLOADS,
    RAW_MARKERS,
    database_fingerprint,
    error_texts,
    forms_on,
    untranslated,
)
from tests.urlwalk import routes, seed_everything, url_of

SUMMARY = Path(__file__).resolve().parent.parent / "var" / "fuzz-summary.json"
SKIPPED_FORMS = {"logout"}  # signing out is not an input


def zh_client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans", raise_request_exception=False)
    client.force_login(user)
    return client


@pytest.fixture
def site(agreement, make_user, superuser):
    seed_everything(user=superuser)
    supervisor = make_user("sup", org="chengdu-gov", role=Role.SUPERVISOR)
    coordinator = make_user("cd", org="cdig")
    foreign = Milestone.objects.create(
        item=CooperationItem.objects.get(code="KP-3"), title_zh="他单位的里程碑"
    )
    return {"supervisor": supervisor, "coordinator": coordinator, "foreign": foreign}


def pages(user) -> list[str]:
    named, _ = routes()
    skip = {"healthz", "logout", "set_language"}
    return [
        url_of(route, user=user)
        for route in named
        if not route.name.startswith("admin:") and route.name not in skip
    ]


def discover(client, user) -> list:
    found = {}
    logout = reverse("logout")
    for page in pages(user):
        response = client.get(page)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        for form in forms_on(page, response.content.decode()):
            if form.action == logout or not form.editable:
                continue
            found.setdefault((form.action, form.method, tuple(sorted(form.fields))), form)
    return list(found.values())


def fresh(client, form):
    """The form as the page shows it now (current version token, current values)."""
    page = client.get(form.page)
    for candidate in forms_on(form.page, page.content.decode()):
        if candidate.action == form.action and candidate.method == form.method:
            return candidate
    return form


def page_text(response) -> str:
    """The text of a page; downloads (XLSX, CSV) are checked by the export test instead."""
    if response.streaming or "text/html" not in response.get("Content-Type", ""):
        return ""
    return response.content.decode(errors="replace")


class Judge:
    """Checks one response and keeps the counts for the report."""

    def __init__(self):
        self.counts = Counter()
        self.problems: list[str] = []

    def judge(self, label, form, response, before, after):
        self.counts["inputs tried"] += 1
        status = response.status_code
        body = page_text(response)
        if status >= 500:
            self.problems.append(f"{label}: status {status}")
            self.counts["errors (5xx)"] += 1
            return
        for marker in RAW_MARKERS:
            if marker in body:
                self.problems.append(f"{label}: unescaped {marker!r}")
        if form.method == "get":
            self.counts[f"GET answered {status}"] += 1
            return
        if status == 302:
            self.counts["accepted"] += 1
            location = response["Location"]
            if not url_has_allowed_host_and_scheme(location, allowed_hosts={"testserver"}):
                self.problems.append(f"{label}: redirects off-site to {location}")
            return
        self.counts[f"refused with {status}"] += 1
        if before != after:
            self.problems.append(f"{label}: refused ({status}) but the database changed")
        if status == 200:
            texts = error_texts(body)
            if not texts:
                self.problems.append(f"{label}: refused without an error message")
            elif untranslated(texts):
                self.problems.append(f"{label}: untranslated error {untranslated(texts)[:2]}")


def sweep(client, judge, user) -> int:
    """Every page, admin included, after the payloads were saved: none comes out raw."""
    named, _ = routes()
    swept = 0
    for route in named:
        if route.name in ("logout", "admin:logout"):
            continue
        response = client.get(url_of(route, user=user))
        body = page_text(response)
        swept += 1
        if response.status_code >= 500:
            judge.problems.append(f"sweep {route.name}: status {response.status_code}")
        judge.problems += [f"sweep {route.name}: unescaped {m!r}" for m in RAW_MARKERS if m in body]
    return swept


def submit(client, form, changes: dict, current=None):
    """``current``: the form as last read from its page, when nothing was accepted since (a
    refused request changes no row, which the judge checks), instead of reading it again."""
    current = current or fresh(client, form)
    data = dict(current.fields)
    data.update({name: [value] for name, value in changes.items()})
    if current.method == "get":
        return client.get(current.action, data)
    return client.post(current.action, data)


def _write_summary(name: str, counts: Counter):
    """One file for the fuzz tests, which pytest-xdist may run at once in two workers: each
    adds its entry under a lock."""
    SUMMARY.parent.mkdir(exist_ok=True)
    with SUMMARY.with_suffix(".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        summary = json.loads(SUMMARY.read_text()) if SUMMARY.exists() else {}
        summary[name] = dict(counts)
        SUMMARY.write_text(json.dumps(summary, indent=1, ensure_ascii=False))


# The fields are shared out over this many tests (each field's payloads in one of them), so
# pytest-xdist's workers share the walk; each part sweeps every page for what it saved.
FIELD_PARTS = 6
QUERY_PARTS = 3


@pytest.mark.slow
@pytest.mark.parametrize("part", range(FIELD_PARTS))
@pytest.mark.django_db
def test_every_field_of_every_form_with_every_bad_input(site, part):
    client = zh_client(site["supervisor"])
    forms = discover(client, site["supervisor"])
    assert {f.action for f in forms} >= {reverse("cooperation:item_list")}
    assert any(f.action.endswith("/update/") for f in forms), "the status report form"
    fields = [(form, name) for form in forms for name in form.editable][part::FIELD_PARTS]
    assert fields
    payloads = {**PAYLOADS, "another organisation's object": str(site["foreign"].pk)}
    judge = Judge()
    for form, name in fields:
        current = None  # read again from the page after anything was accepted
        for label, payload in payloads.items():
            current = current or fresh(client, form)
            before = database_fingerprint() if form.method == "post" else None
            response = submit(client, form, {name: payload}, current)
            after = database_fingerprint() if form.method == "post" else None
            judge.judge(f"{form.method.upper()} {form.action} {name}={label}", form,
                        response, before, after)  # fmt: skip
            if not 400 <= response.status_code < 500 and response.status_code != 200:
                current = None
    judge.counts["forms"] = len({id(form) for form, _ in fields})
    judge.counts["fields"] = len(fields)
    judge.counts["pages swept for unescaped payloads"] = sweep(client, judge, site["supervisor"])
    _write_summary(f"table, part {part + 1} of {FIELD_PARTS}", judge.counts)
    print(dict(judge.counts))
    problems = SUMMARY.parent / f"fuzz-problems-{part + 1}-of-{FIELD_PARTS}.txt"
    problems.write_text("\n".join(judge.problems))
    assert judge.problems == []
    assert judge.counts["errors (5xx)"] == 0


@pytest.mark.django_db
def test_the_database_fingerprint_sees_a_row_changed_lost_or_added(agreement, make_user):
    """The judge's proof that a refused request saved nothing: one changed column of one row,
    a row added or deleted, a history row, each changes the fingerprint; signing in does not."""
    user = make_user("cd", org="cdig")
    group = Group.objects.create(name="before")
    seen = {database_fingerprint()}
    user.last_login = timezone.now()
    user.save(update_fields=["last_login"])
    assert database_fingerprint() in seen, "a sign-in (last_login) is not a change"
    group.name = "after"
    group.save()
    seen.add(database_fingerprint())
    Profile.objects.filter(user=user).update(language="en")  # one column, no history row
    seen.add(database_fingerprint())
    Group.objects.create(name="added")
    seen.add(database_fingerprint())
    group.delete()
    seen.add(database_fingerprint())
    organization = Organization.objects.get(code="cdig")
    organization.short_name_en = "changed"
    organization.save()
    seen.add(database_fingerprint())
    assert len(seen) == 6


@pytest.mark.django_db
def test_forms_of_another_organisations_items_are_refused(site):
    """A coordinator of cdig posts every item form at KP-3 (not cdig's), with another
    item's milestone, and every meeting form (supervisors only): all refused, nothing saved."""
    supervisor_forms = discover(zh_client(site["supervisor"]), site["supervisor"])
    coordinator = zh_client(site["coordinator"])
    seeded = CooperationItem.objects.get(code="KP-1")  # the walk's item, owned by cdig
    foreign_item, foreign_milestone = site["foreign"].item, site["foreign"]
    seeded_milestone = seeded.milestones.first()
    judge = Judge()
    for form in supervisor_forms:
        if form.method != "post" or not form.action.startswith(("/items/", "/meetings/")):
            continue
        action = form.action.replace(f"/items/{seeded.pk}/", f"/items/{foreign_item.pk}/")
        action = action.replace(
            f"/milestones/{seeded_milestone.pk}/", f"/milestones/{foreign_milestone.pk}/"
        )
        before = database_fingerprint()
        response = coordinator.post(action, form.fields)
        judge.judge(f"POST {action} as another organisation", form, response, before,
                    database_fingerprint())  # fmt: skip
        if response.status_code not in (403, 404):
            judge.problems.append(f"{action}: {response.status_code}, expected 403/404")
    _write_summary("other organisations", judge.counts)
    assert judge.counts["inputs tried"] >= 5
    assert judge.problems == []


@pytest.mark.slow
@pytest.mark.parametrize("part", range(QUERY_PARTS))
@pytest.mark.django_db
def test_query_parameters_of_every_page(site, part):
    client = zh_client(site["supervisor"])
    judge = Judge()
    get = type("F", (), {"method": "get"})
    for page in pages(site["supervisor"])[part::QUERY_PARTS]:
        asked = set()  # (name, value): a query string this page was already asked with
        for label, payload in PAYLOADS.items():
            for params in ({"page": payload}, {"sort": payload}, {payload[:50] or "x": "1"}):
                asked |= params.items()
                response = client.get(page, params)
                judge.judge(f"GET {page} {label}", get, response, None, None)
        # Every parameter the page's own GET forms take (ids, filters, periods), and the
        # meeting list's mechanism, with every number form and date (issue 16: "?mechanism=²").
        first = client.get(page)
        names = {"mechanism"}
        if "html" in first.get("Content-Type", ""):
            for form in forms_on(page, first.content.decode()):
                if form.method == "get":
                    names |= set(form.editable)
        for name in sorted(names):
            for label in NUMBER_FORMS:
                judge.counts["query parameters with number forms"] += 1
                if (name, PAYLOADS[label]) in asked:  # page and sort: the same request above
                    continue
                response = client.get(page, {name: PAYLOADS[label]})
                judge.judge(f"GET {page} {name}={label}", get, response, None, None)
    _write_summary(f"query parameters, part {part + 1} of {QUERY_PARTS}", judge.counts)
    assert judge.problems == []
    assert judge.counts["query parameters with number forms"] > 100 // QUERY_PARTS


def _examples():
    return settings(
        max_examples=150,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        derandomize=True,
    )


@pytest.mark.slow
@pytest.mark.django_db
@_examples()
@given(data=st.data())
def test_fuzz_every_form_with_hypothesis(site, data):
    client = zh_client(site["supervisor"])
    forms = getattr(test_fuzz_every_form_with_hypothesis, "_forms", None)
    if forms is None:
        forms = discover(client, site["supervisor"])
        test_fuzz_every_form_with_hypothesis._forms = forms
    form = data.draw(st.sampled_from(forms), label="form")
    value = st.one_of(
        st.text(max_size=300),
        st.sampled_from(list(PAYLOADS.values())),
        st.integers(min_value=-(10**20), max_value=10**20).map(str),
        st.sampled_from([c for values in form.choices.values() for c in values] or [""]),
    )
    changes = data.draw(
        st.dictionaries(st.sampled_from(form.editable), value, min_size=1), label="changes"
    )
    judge = Judge()
    before = database_fingerprint() if form.method == "post" else None
    response = submit(client, form, changes)
    after = database_fingerprint() if form.method == "post" else None
    judge.judge(f"{form.method.upper()} {form.action} {changes!r:.200}", form, response,
                before, after)  # fmt: skip
    assert judge.problems == []


@pytest.mark.django_db
def test_oversized_meeting_texts_are_refused_and_change_nothing(site):
    """Issue 16: 2 MiB of agenda, minutes or decisions were accepted; every meeting form's
    text field now refuses an oversized text with a translated error, nothing saved."""
    client = zh_client(site["supervisor"])
    huge = "议" * (2 * 1024 * 1024 // 3)  # 2 MiB of UTF-8
    forms = [f for f in discover(client, site["supervisor"])
             if f.method == "post" and f.action.startswith("/meetings/")]  # fmt: skip
    judge = Judge()
    tried = 0
    for form in forms:
        for name in set(form.editable) & {"agenda", "minutes", "decisions", "location", "reason"}:
            before = database_fingerprint()
            response = submit(client, form, {name: huge})
            judge.judge(f"POST {form.action} {name}=2 MiB", form, response, before,
                        database_fingerprint())  # fmt: skip
            tried += 1
            assert response.status_code == 200, f"{form.action} {name}: {response.status_code}"
    assert tried >= 4
    assert judge.problems == []


# --- exports ------------------------------------------------------------------------------

TEXT_PAYLOADS = [
    PAYLOADS[name]
    for name in ("script", "html attribute", "quote breakout", "template syntax", "sql",
                 "right-to-left marks", "formula", "emoji")
] + ["+SUM(1,2)", "-2+3", "@cmd", "tab\there", "a\x01b\x0bc"]  # fmt: skip


def export_urls(user) -> list[str]:
    named, _ = routes()
    urls = []
    for route in named:
        if route.name.startswith("admin:"):
            continue
        url = url_of(route, user=user)
        if url.endswith(".xlsx") or route.name.endswith("_export"):
            urls.append(url)
            if url.endswith(".xlsx") and "fmt" in route.params:
                urls.append(url[: -len("xlsx")] + "csv")
    return urls


def cells_of(response) -> list[tuple[str, object]]:
    """(data type, value) of every cell of an XLSX or CSV download."""
    import csv
    import io

    from openpyxl import load_workbook

    content = b"".join(response.streaming_content) if response.streaming else response.content
    if response["Content-Type"].startswith("text/csv"):
        reader = csv.reader(io.StringIO(content.decode("utf-8-sig")))
        return [("s", cell, False) for row in reader for cell in row]
    book = load_workbook(io.BytesIO(content))
    return [
        (c.data_type, c.value, c.quotePrefix)
        for s in book.worksheets
        for row in s.iter_rows()
        for c in row
    ]


@pytest.mark.django_db
def test_payloads_come_out_inert_in_every_export(site, settings):
    client = zh_client(site["supervisor"])
    item = CooperationItem.objects.get(code="KP-1")
    form = next(f for f in discover(client, site["supervisor"]) if f.action.endswith("/update/"))
    assert form.action == f"/items/{item.pk}/update/"
    for payload in TEXT_PAYLOADS:
        response = submit(client, form, {"narrative": payload, "risks": payload})
        assert response.status_code in (200, 302)
    site["supervisor"].first_name = PAYLOADS["formula"]
    site["supervisor"].save()
    urls = export_urls(site["supervisor"])
    assert any(u.endswith(".csv") for u in urls) and len(urls) >= 4, urls
    found_payload = False
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        for kind, value, quoted in cells_of(response):
            text = str(value or "")
            assert kind != "f", f"{url}: a formula cell {text!r}"
            if "xss-" in text or "SUM(1,2)" in text or "@cmd" in text:
                found_payload = True
                # CSV: an apostrophe in front; XLSX: a text cell with the quotePrefix style.
                live = text.startswith(("=", "+", "-", "@"))
                assert not live or (kind == "s" and quoted), f"{url}: {text!r} is live"
            assert not any(ch in text for ch in "\x00\x01\x0b"), f"{url}: control character"
    assert found_payload, "the payloads reached the exports"
