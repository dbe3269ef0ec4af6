"""Issue 16, findings 6, 7, 9 and 10: meeting dates within a sane window (create,
reschedule, admin), ids from the query string through a form field, meeting texts bounded,
and every signed-in response and download marked ``Cache-Control: private, no-store``."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cooperation.models import ConsultationMechanism, Meeting
from cooperation.models.meetings import AGENDA_MAX, DECISIONS_MAX, MINUTES_MAX
from tests.urlwalk import routes, seed_everything, url_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def supervisor(people):
    client = Client()
    client.force_login(people["cd_sup"])
    return client


@pytest.fixture
def people(agreement, make_user):
    from cooperation.choices import Role

    return {
        "cd_sup": make_user("cd_sup", org="chengdu-gov", role=Role.SUPERVISOR),
        "cd_coord": make_user("cd_coord", org="cdig"),
    }


@pytest.fixture
def meeting(agreement):
    start = timezone.now() + datetime.timedelta(days=30)
    return Meeting.objects.create(
        mechanism=ConsultationMechanism.objects.get(code="lead-dept-quarterly"),
        starts_at=start, planned_for=start.date(), host_city="chengdu",
    )  # fmt: skip


def new_meeting(date: str, **extra) -> dict:
    mechanism = ConsultationMechanism.objects.get(code="lead-dept-quarterly")
    return {"mechanism": mechanism.pk, "date": date, "time": "09:30", "host_city": "chengdu",
            "location": "", "agenda": "", **extra}  # fmt: skip


# --- 6: dates ------------------------------------------------------------------------------


def test_a_meeting_in_year_9999_is_refused_with_a_clear_error(supervisor, meeting):
    """Before: created, then the meeting pages answered 500. After: refused on create,
    reschedule and in the admin, with the window in the message; nothing saved."""
    before = Meeting.objects.count()
    response = supervisor.post("/meetings/new/", new_meeting("9999-12-31"))
    assert response.status_code == 200
    page = response.content.decode()
    latest = timezone.localdate().replace(year=timezone.localdate().year + 5)
    assert "请选择 2020-05-13 至 " in page and latest.isoformat() in page
    assert Meeting.objects.count() == before
    too_far = (timezone.localdate() + datetime.timedelta(days=5 * 366 + 2)).isoformat()
    assert supervisor.post("/meetings/new/", new_meeting(too_far)).status_code == 200
    assert Meeting.objects.count() == before

    url = reverse("cooperation:meeting_reschedule", args=[meeting.pk])
    moved = supervisor.post(url, {"date": "9999-12-31", "time": "09:30", "location": ""})
    assert moved.status_code == 200 and "2020-05-13" in moved.content.decode()
    meeting.refresh_from_db()
    assert meeting.starts_at.year < 9999
    ok = (timezone.localdate() + datetime.timedelta(days=400)).isoformat()
    assert supervisor.post(url, {"date": ok, "time": "09:30", "location": ""}).status_code == 302
    assert supervisor.get(meeting.get_absolute_url()).status_code == 200
    assert supervisor.get("/meetings/").status_code == 200


def test_the_admin_refuses_a_meeting_date_outside_the_window(superuser, meeting):
    """The admin adds meetings (an existing one's time is changed on its own pages only)."""
    from tests.formwalk import forms_on

    client = Client()
    client.force_login(superuser)
    url = reverse("admin:cooperation_meeting_add")
    page = client.get(url)
    form = next(f for f in forms_on(url, page.content.decode()) if f.method == "post")
    data = dict(form.fields)
    data.update(mechanism=[meeting.mechanism_id], starts_at_0=["9999-12-31"],
                starts_at_1=["09:30:00"], planned_for=["9999-12-31"], host_city=["chengdu"],
                state=["planned"])  # fmt: skip
    before = Meeting.objects.count()
    response = client.post(url, data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "2020-05-13" in str(errors.get("starts_at")), errors
    assert Meeting.objects.count() == before


# --- 7: query-string ids -----------------------------------------------------------------


@pytest.mark.parametrize("value", ["²", "Ⅻ", "½", "௰", "99999999999999999999999", "-1", "1e3", "0"])
def test_the_mechanism_filter_takes_only_a_real_id(supervisor, value):
    """Before: /meetings/?mechanism=² answered 500 ("²".isdigit() is true, int("²") fails).
    After: an id the form field cannot read shows every mechanism."""
    response = supervisor.get("/meetings/", {"mechanism": value})
    assert response.status_code == 200
    assert response.context["mechanism_id"] is None


def test_the_mechanism_filter_still_filters(supervisor):
    mechanism = ConsultationMechanism.objects.get(code="lead-dept-quarterly")
    for value in (
        str(mechanism.pk),
        f"{mechanism.pk}".translate(str.maketrans("0123456789", "０１２３４５６７８９")),
    ):
        response = supervisor.get("/meetings/", {"mechanism": value})
        assert response.context["mechanism_id"] == mechanism.pk


# --- 10: texts ---------------------------------------------------------------------------


def test_meeting_texts_are_bounded_like_report_fields(supervisor, meeting):
    """Before: 2 MiB of agenda and minutes accepted (every participant's feed grew to
    2.2 MB). After: refused with the limit in the message; nothing saved."""
    huge = "议" * (2 * 1024 * 1024 // 3)
    edit = reverse("cooperation:meeting_edit", args=[meeting.pk])
    response = supervisor.post(edit, {"location": "", "agenda": huge})
    assert response.status_code == 200
    assert f"{AGENDA_MAX}" in response.content.decode().replace(",", "")
    minutes = reverse("cooperation:meeting_minutes", args=[meeting.pk])
    assert supervisor.post(minutes, {"minutes": huge, "decisions": ""}).status_code == 200
    assert (
        supervisor.post(
            minutes, {"minutes": "", "decisions": "x" * (DECISIONS_MAX + 1)}
        ).status_code
        == 200
    )
    assert supervisor.post("/meetings/new/", new_meeting(
        (timezone.localdate() + datetime.timedelta(days=9)).isoformat(), agenda=huge
    )).status_code == 200  # fmt: skip
    meeting.refresh_from_db()
    assert (meeting.agenda, meeting.minutes, meeting.decisions) == ("", "", "")
    # At the limit it is accepted.
    ok = supervisor.post(edit, {"location": "", "agenda": "议" * AGENDA_MAX})
    assert ok.status_code == 302
    meeting.refresh_from_db()
    assert len(meeting.agenda) == AGENDA_MAX
    assert MINUTES_MAX >= AGENDA_MAX


# --- 9: Cache-Control --------------------------------------------------------------------


def test_every_signed_in_response_and_download_is_private_no_store(agreement, superuser):
    """Before: no Cache-Control on signed-in pages and exports (the .ics said max-age=300).
    After: every route of the resolver, signed in, answers ``private, no-store``; so does
    the calendar feed."""
    seed_everything(user=superuser)
    client = Client()
    client.force_login(superuser)
    named, _ = routes()
    checked, problems = 0, []
    for route in named:
        if route.name in ("logout", "admin:logout", "healthz"):
            continue
        url = url_of(route, user=superuser)
        response = client.get(url)
        checked += 1
        if response.get("Cache-Control") != "private, no-store":
            problems.append((url, response.status_code, response.get("Cache-Control")))
    assert problems == []
    assert checked > 50
    feed = Client().get(
        reverse("cooperation:calendar_feed", args=[superuser.profile.calendar_token])
    )
    assert feed.status_code == 200 and feed["Cache-Control"] == "private, no-store"
