"""Briefing packs: hand-computed figures, change since the previous meeting from history,
who reported, and a held meeting's pack frozen whatever changes later."""

import datetime
import io
import re

import openpyxl
import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from cooperation.choices import Category, Health, MeetingState, Role, Status
from cooperation.models import CooperationItem, Meeting
from cooperation.reports import briefing
from cooperation.reports.selectors import briefing_pack
from cooperation.reports.services import meeting_briefing_freeze
from cooperation.services import StatusReport, item_update, status_report_submit, tracked_save

from .report_data import build_world, mechanism, meeting

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(microsecond=0)
T0 = NOW - datetime.timedelta(days=60)  # the items are set up
T1 = NOW - datetime.timedelta(days=40)  # meeting 1


def travel(moment):
    return time_machine.travel(moment, tick=False)


def submit(item, user, progress, **fields):
    item.refresh_from_db()
    report = StatusReport(
        status=fields.get("status", item.status),
        health=fields.get("health", item.health),
        progress=progress,
        narrative="按计划推进",
    )
    return status_report_submit(item=item, user=user, report=report)


@pytest.fixture
def story(make_user):
    """Meeting 1 (held, frozen) and meeting 2 (a week ahead) of one mechanism."""
    with travel(T0):
        world = build_world()
        mech = mechanism(world["agreement"])
        first = meeting(mech, 1, T1, decisions="决定：加快推进 K2。")
        second = meeting(mech, 2, NOW + datetime.timedelta(days=7))
    orgs, items = world["orgs"], world["items"]
    coordinator = make_user("cd_a_coordinator", org=orgs["cd-a"], role=Role.COORDINATOR)
    boss = make_user("boss", org=orgs["cd-a"], role=Role.SUPERVISOR)
    with travel(T1 - datetime.timedelta(days=2)):
        submit(items["K1.1"], coordinator, 60)
    with travel(T1 + datetime.timedelta(hours=3)):
        tracked_save(first, user=boss, reason="held", fields={"state": MeetingState.HELD})
        assert meeting_briefing_freeze(meeting=first, user=boss)
    with travel(T1 + datetime.timedelta(days=1)):
        followup = CooperationItem.objects.create(
            agreement=world["agreement"],
            code="F1",
            category=Category.CONSULTATION_FOLLOWUP,
            title_zh="会商议定事项一",
            source_meeting=first,
            chengdu_lead=orgs["cd-b"],
        )
    with travel(T1 + datetime.timedelta(days=5)):
        submit(items["K1.1"], coordinator, 80)
    with travel(T1 + datetime.timedelta(days=6)):
        item_update(
            item=CooperationItem.objects.get(code="S1"),
            user=boss,
            reason="risk",
            fields={"health": Health.OFF_TRACK},
        )
    return {**world, "first": first, "second": second, "followup": followup, "boss": boss}


@pytest.fixture
def leader(make_user):
    user = make_user("leader", role=Role.VIEWER)
    user.user_permissions.add(Permission.objects.get(codename="view_reports"))
    return user


def rows(pack):
    return {row.code: row for row in pack.rows}


def reporting(pack):
    return {
        org.name: (len(org.expected), org.updates, org.reported, org.missing)
        for city in pack.reporting
        for org in city["organizations"]
    }


def test_held_meeting_pack_shows_the_figures_at_the_meeting(story, leader):
    pack = briefing_pack(meeting=Meeting.objects.get(pk=story["first"].pk), user=leader)
    assert pack.frozen and pack.at == T1
    by_code = rows(pack)
    assert by_code["K1.1"].progress == 60  # reported before the meeting; 80 came later
    assert by_code["K1"].progress == 90  # (60·1 + 100·3) / 4
    assert by_code["S1"].health == Health.ON_TRACK  # worsened only after the meeting
    assert "F1" not in by_code  # created after the meeting
    summary = pack.summary
    assert summary["total"] == 7
    assert (summary["open"], summary["reported"]) == (4, 1)
    assert summary["overdue"] == 2  # K2 past its target date, S1 with a milestone past due
    assert summary["stale"] == 3  # K1, K2, S1: nothing for 30 days; K1.1 reported
    assert pack.previous is None  # the first meeting: nothing to compare with
    assert summary["changed"] is None and not any(row.changed for row in pack.rows)
    assert reporting(pack) == {
        "cd-a简称": (3, 1, True, ["K1", "S1"]),
        "yb-a简称": (2, 1, True, ["K1"]),  # K1.1 was reported: counts for both its owners
        "cd-b简称": (1, 0, False, ["K2"]),
        "yb-b简称": (1, 0, False, ["K2"]),
    }


def test_frozen_pack_equals_the_pack_recomputed_from_history(story):
    first = Meeting.objects.get(pk=story["first"].pk)
    snapshot = dict(first.briefing_snapshot)
    assert snapshot.pop("frozen_at")
    assert briefing.briefing_facts(first) == snapshot


def test_held_pack_does_not_change_after_later_updates(story, leader, client):
    first = Meeting.objects.get(pk=story["first"].pk)
    before = [row.fact for row in briefing_pack(meeting=first, user=leader).rows]
    coordinator = story["items"]["K1.1"].chengdu_lead.memberships.get(role=Role.COORDINATOR).user
    submit(CooperationItem.objects.get(code="K1.1"), coordinator, 90)
    item_update(
        item=CooperationItem.objects.get(code="K2"),
        user=story["boss"],
        reason="started",
        fields={"status": Status.IN_PROGRESS},
    )
    after = [row.fact for row in briefing_pack(meeting=first, user=leader).rows]
    assert after == before
    client.force_login(leader)
    page = client.get(reverse("cooperation:meeting_briefing", args=[first.pk]))
    html = page.content.decode()
    assert 'data-frozen="true"' in html
    assert 'data-code="K1.1"' in html and 'data-progress="60"' in html
    workbook = openpyxl.load_workbook(
        io.BytesIO(
            b"".join(
                client.get(
                    reverse("cooperation:meeting_briefing_xlsx", args=[first.pk])
                ).streaming_content
            )
        )
    )
    items = {row[0]: row for row in workbook.worksheets[1].iter_rows(min_row=2, values_only=True)}
    assert items["K1.1"][5] == 60 and items["K2"][3] == Status.NOT_STARTED.label


def test_live_pack_compares_with_the_previous_meeting(story, leader):
    pack = briefing_pack(meeting=story["second"], user=leader)
    assert not pack.frozen
    by_code = rows(pack)
    k11 = by_code["K1.1"]
    assert (k11.before["progress"], k11.progress, k11.progress_delta) == (60, 80, 20)
    assert (by_code["K1"].before["progress"], by_code["K1"].progress) == (90, 95)
    assert by_code["S1"].health_trend == 1  # on track → off track
    assert not by_code["K2"].changed
    summary = pack.summary
    assert (summary["changed"], summary["worse"]) == (3, 1)
    assert (summary["open"], summary["reported"]) == (4, 1)  # K1.1, reported after meeting 1
    assert pack.previous["id"] == story["first"].pk
    assert pack.previous["decisions"] == "决定：加快推进 K2。"
    assert [row.code for row in pack.followups] == ["F1"]
    assert "F1" not in [row.code for row in pack.scoped]  # follow-ups are out of this scope
    assert reporting(pack)["cd-a简称"] == (3, 1, True, ["K1", "S1"])
    # K1.1's report counts for both its owners, whoever submitted it.
    assert reporting(pack)["yb-a简称"] == (2, 1, True, ["K1"])


def test_freeze_is_refused_for_a_meeting_not_held_and_never_overwrites(story):
    assert not meeting_briefing_freeze(meeting=story["second"])
    assert Meeting.objects.get(pk=story["second"].pk).briefing_snapshot is None
    first = Meeting.objects.get(pk=story["first"].pk)
    frozen_at = first.briefing_snapshot["frozen_at"]
    assert not meeting_briefing_freeze(meeting=first)
    assert Meeting.objects.get(pk=first.pk).briefing_snapshot["frozen_at"] == frozen_at


def test_freezing_adds_no_history_row(story):
    first = Meeting.objects.get(pk=story["first"].pk)
    # One row when created, one when marked held; the snapshot is not tracked.
    assert first.history.count() == 2


def test_saving_a_held_meeting_without_a_pack_in_the_admin_freezes_it(story, superuser, client):
    # The admin no longer changes a meeting's state (the minutes page holds it, through the
    # service); a meeting held before packs were frozen gets its pack when next saved there.
    second = story["second"]
    with travel(second.starts_at + datetime.timedelta(hours=2)):
        tracked_save(second, user=story["boss"], reason="held", fields={"state": "held"})
        assert Meeting.objects.get(pk=second.pk).briefing_snapshot is None
        client.force_login(superuser)
        url = reverse("admin:cooperation_meeting_change", args=[second.pk])
        form = client.get(url).context["adminform"].form
        assert "state" not in form.fields
        data = {
            name: value
            for name, value in form.initial.items()
            if name in form.fields and value is not None and not isinstance(value, list | dict)
        }
        data.update({"reminders-TOTAL_FORMS": "0", "reminders-INITIAL_FORMS": "0"})
        response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    second.refresh_from_db()
    assert second.state == MeetingState.HELD
    assert second.briefing_snapshot["meeting_id"] == second.pk


def test_recording_the_minutes_freezes_the_pack(story):
    from cooperation.meetings.changes import meeting_minutes_record

    second = story["second"]
    with travel(second.starts_at + datetime.timedelta(hours=2)):
        meeting_minutes_record(
            meeting=second, user=story["boss"], minutes="会议纪要", decisions="决定二"
        )
    second.refresh_from_db()
    assert second.state == MeetingState.HELD
    frozen = {row["code"]: row for row in second.briefing_snapshot["items"]}
    assert frozen["K1.1"]["progress"] == 80
    assert frozen["K1.1"]["before"]["progress"] == 60  # meeting 1's frozen figure


# The page's item rows as the template wrote them before ``briefing_tags.pack_item_rows``.
TEMPLATE_ROWS = """{% load i18n cooperation_tags %}
    {% for row in rows %}
      <tr class="depth-{{ row.depth }}" data-code="{{ row.code }}">
        <td class="text-nowrap"><a href="{{ row.url }}">{{ row.code }}</a></td>
        <td class="title"><span class="item-title">{{ row.title }}</span></td>
        <td>{% status_badge row.status %}</td>
        <td>{% health_badge row.health %}</td>
        <td class="text-nowrap" data-progress="{{ row.progress }}">{{ row.progress }}%</td>
        <td class="small" data-change>
          {% if not row.compared %}—{% elif row.is_new %}{% translate "new" %}{% elif not row.changed %}{% translate "no change" %}{% else %}
          {% if row.status_changed %}<div>{% status_badge row.before.status %} → {% status_badge row.status %}</div>{% endif %}
          {% if row.health_trend > 0 %}<div class="trend-worse">{% translate "health worse" %}</div>{% elif row.health_trend < 0 %}<div class="trend-better">{% translate "health better" %}</div>{% endif %}
          {% if row.progress_delta %}<div>{{ row.before.progress }}% → {{ row.progress }}%</div>{% endif %}
          {% endif %}
        </td>
        <td class="small">{% if row.overdue %}<span class="badge text-bg-danger">{% translate "overdue" %}</span> {% endif %}{% if row.stale %}<span class="badge text-bg-warning">{% translate "stale" %}</span>{% endif %}</td>
        <td class="small text-nowrap">{{ row.last_reported|date:"SHORT_DATE_FORMAT"|default:"—" }}</td>
        <td class="small">{% if row.reported %}{% translate "yes" %}{% elif row.status in closed_statuses %}—{% else %}<strong>{% translate "no" %}</strong>{% endif %}</td>
      </tr>
    {% endfor %}"""  # noqa: E501


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_pack_item_rows_write_what_the_template_loop_wrote(story, leader, language):
    """Every branch of a row (not compared, new, no change, status changed, health worse and
    better, progress moved, overdue, stale, reported or not, closed), markup in a title."""
    from django.template import Context, Template
    from django.utils import translation

    from cooperation.reports.states import CLOSED

    second = Meeting.objects.get(pk=story["second"].pk)
    facts = briefing.briefing_facts(second)
    by_code = {fact["code"]: fact for fact in facts["items"]}
    by_code["K2"]["title_zh"] = by_code["K2"]["title_en"] = '<b>"K2" & co</b>'
    by_code["K2"]["before"]["status"] = Status.SUSPENDED  # status changed
    by_code["S2"]["before"]["health"] = Health.OFF_TRACK  # health better
    pack = briefing.present(facts, second, frozen=False)
    first = briefing_pack(meeting=Meeting.objects.get(pk=story["first"].pk), user=leader)
    tag = Template("{% load briefing_tags %}\n    {% pack_item_rows rows closed_statuses %}")
    with translation.override(language):
        for rows in (pack.rows, first.rows):
            context = {"rows": rows, "closed_statuses": sorted(CLOSED)}
            expected = Template(TEMPLATE_ROWS).render(Context(context))
            assert tag.render(Context(context)) == expected
            if rows is pack.rows:
                for part in ("trend-worse", "trend-better", "</div>", "&lt;b&gt;&quot;K2"):
                    assert part in expected, part
                assert expected.count("<strong>") and expected.count("text-bg-danger")


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_frozen_page_is_the_page_rendered_at_freezing(story, leader, client, settings, language):
    """A frozen pack's page is kept as rendered when the pack was frozen, in each language,
    and is the page its facts make: without the kept page it is rendered from the facts."""
    from cooperation.models import BriefingPage

    first = Meeting.objects.get(pk=story["first"].pk)
    assert set(first.briefing_pages.values_list("language", flat=True)) == {"zh-hans", "en"}
    client.force_login(leader)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    url = reverse("cooperation:meeting_briefing", args=[first.pk])
    kept = client.get(url).content.decode()
    assert 'data-frozen="true"' in kept and 'data-code="K1.1"' in kept
    assert ("Briefing pack" if language == "en" else "会商材料") in kept
    page = BriefingPage.objects.get(meeting=first, language=language)
    page.html = page.html.replace('data-progress="60"', 'data-progress="61"')
    page.rendered_at = timezone.now()  # as rendering it again would
    page.save()
    assert 'data-progress="61"' in client.get(url).content.decode()  # shown as kept
    BriefingPage.objects.filter(meeting=first).delete()
    recomputed = client.get(url).content.decode()  # from the facts: the same page
    assert without_csrf_token(recomputed) == without_csrf_token(kept)


def without_csrf_token(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)


def test_states_before_equal_the_history_where_a_comparison_reads(story):
    """The live pack's "before" reads only what moved; it must equal the full history."""
    from cooperation.reports import states as st

    at = story["first"].starts_at
    now = st.states_now()
    before = st.states_before(at, now)
    every = st.states_at(at)
    fields = ("status", "health", "progress", "weight", "parent_id", "rolled")
    assert {pk: [getattr(before[pk], f) for f in fields] for pk in now if pk in before} == {
        pk: [getattr(every[pk], f) for f in fields] for pk in now if pk in every
    }
    assert set(now) - set(before) == {story["followup"].pk}  # created after the meeting


def test_live_page_is_kept_until_the_data_changes(story, leader, client):
    """A pack not frozen is worked out once per data change (and cache period): a status
    update shows on the next view, in the language of each reader."""
    coordinator = story["items"]["K1.1"].chengdu_lead.memberships.get(role=Role.COORDINATOR).user
    client.force_login(leader)
    url = reverse("cooperation:meeting_briefing", args=[story["second"].pk])
    first = client.get(url).content.decode()
    assert 'data-frozen="false"' in first and 'data-progress="80"' in first
    again = client.get(url).content.decode()
    assert without_csrf_token(again) == without_csrf_token(first)  # kept, same time
    submit(CooperationItem.objects.get(code="K1.1"), coordinator, 90)
    after = client.get(url).content.decode()
    assert 'data-progress="90"' in after and 'data-progress="80"' not in after
    client.cookies["django_language"] = "en"
    assert "Briefing pack" in client.get(url).content.decode()
