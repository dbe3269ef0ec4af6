"""The item list: every filter of ItemFilter, sorting, pagination, query count, escaping."""

import datetime

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cooperation.choices import Health, Status
from cooperation.filters import ItemFilter, _kept_choices
from cooperation.models import Agreement, CooperationItem, Milestone, Organization, StatusUpdate

LIST = reverse("cooperation:item_list")


def codes(response) -> list[str]:
    return [item.code for item in response.context["items"]]


@pytest.fixture
def viewer_client(client_as):
    return client_as("viewer")


def set_item(code, **fields):
    CooperationItem.objects.filter(code=code).update(**fields)  # test setup, not app code


def test_all_items_in_agreement_order(viewer_client):
    response = viewer_client.get(LIST)
    assert response.status_code == 200
    assert response.context["page_obj"].paginator.count == 49
    assert codes(response)[:3] == ["KP-1", "KP-1.1", "KP-1.2"]


def test_filter_by_agreement_and_category(viewer_client):
    agreement = Agreement.objects.get(items__code="KP-1")
    response = viewer_client.get(LIST, {"agreement": agreement.pk, "category": "special_agreement"})
    found = codes(response)
    assert found and all(code.startswith("SP-") for code in found)
    assert (
        viewer_client.get(LIST, {"category": "county_pairing"}).context["items"][0].code == "CP-1"
    )


def test_city_side_means_a_lead_organisation_in_that_city(viewer_client):
    chengdu = set(codes(viewer_client.get(LIST, {"city": "chengdu"})))
    yibin = set(codes(viewer_client.get(LIST, {"city": "yibin"})))
    assert "KP-2" not in chengdu | yibin  # no lead on either side yet
    assert {"KP-1", "SP-6", "CP-1"} <= chengdu & yibin
    set_item("KP-4", yibin_lead=None)
    assert "KP-4" in codes(viewer_client.get(LIST, {"city": "chengdu"}))
    assert "KP-4" not in codes(viewer_client.get(LIST, {"city": "yibin"}))


def test_organisation_filter_covers_both_leads_and_co_owners(viewer_client):
    park = Organization.objects.get(code="cy-equipment-park-co")  # co-owner of KP-1 only
    assert codes(viewer_client.get(LIST, {"organization": park.pk})) == ["KP-1"]
    lingang = Organization.objects.get(code="yibin-lingang-etdz")  # Yibin lead
    found = codes(viewer_client.get(LIST, {"organization": lingang.pk}))
    assert {"KP-1", "KP-1.1", "SP-3", "SP-7"} <= set(found)
    assert "KP-2" not in found


def test_status_and_health_take_several_values(viewer_client):
    set_item("KP-4", health=Health.AT_RISK)
    set_item("KP-5", health=Health.OFF_TRACK)
    response = viewer_client.get(LIST, {"health": ["at_risk", "off_track"]})
    assert codes(response) == ["KP-4", "KP-5"]
    response = viewer_client.get(LIST, {"status": ["in_progress", "suspended"]})
    assert codes(response) == ["KP-1", "KP-2"]


def test_overdue_means_target_date_or_a_milestone_past_due(viewer_client):
    today = timezone.localdate()
    set_item("KP-3", target_date=today - datetime.timedelta(days=1))
    set_item("KP-4", target_date=today - datetime.timedelta(days=1), status=Status.CANCELLED)
    set_item("KP-5", target_date=today)  # due today is not late yet
    kp6 = CooperationItem.objects.get(code="KP-6")
    Milestone.objects.create(item=kp6, title_zh="逾期", due_date=today - datetime.timedelta(days=3))
    Milestone.objects.create(
        item=CooperationItem.objects.get(code="SP-1"),
        title_zh="已完成",
        due_date=today - datetime.timedelta(days=3),
        done_date=today - datetime.timedelta(days=4),
    )
    response = viewer_client.get(LIST, {"overdue": "1"})
    assert codes(response) == ["KP-3", "KP-6"]
    assert 'data-flag="overdue"' in response.content.decode()
    assert response.context["page_obj"].paginator.count == 2
    assert viewer_client.get(LIST, {"overdue": "0"}).context["page_obj"].paginator.count == 49


def recorded(code, when):
    """As if the tracker first recorded the item at ``when`` (test setup, not app code)."""
    CooperationItem.history.filter(code=code).update(history_date=when)


def test_stale_means_no_report_within_the_configured_days(viewer_client, workspace, settings):
    item = workspace["item"]
    recorded("KP-2", timezone.now() - datetime.timedelta(days=60))
    set_item("KP-1.1", status=Status.COMPLETED, progress=100)
    StatusUpdate.objects.create(
        item=item,
        author=workspace["users"]["owner"],
        status=Status.IN_PROGRESS,
        health=Health.ON_TRACK,
        progress=10,
        reported_at=timezone.now() - datetime.timedelta(days=10),
    )
    stale = codes(viewer_client.get(LIST, {"stale": "1"}))
    assert "KP-1" not in stale, "reported ten days ago"
    assert "KP-1.1" not in stale, "completed items need no report"
    assert "KP-2" in stale, "never reported since it was loaded 60 days ago"
    assert "KP-1" in codes(viewer_client.get(LIST, {"stale": "1", "stale_days": "7"}))
    settings.CHENGYI_STALE_DAYS = 5
    assert "KP-1" in codes(viewer_client.get(LIST, {"stale": "1"}))


def test_a_new_item_is_not_stale_until_the_days_have_passed(viewer_client):
    # The fixture dates every item 13 May 2020; what counts is when the tracker loaded it.
    assert viewer_client.get(LIST, {"stale": "1"}).context["page_obj"].paginator.count == 0
    recorded("KP-2", timezone.now() - datetime.timedelta(days=29))
    assert "KP-2" not in codes(viewer_client.get(LIST, {"stale": "1"}))
    recorded("KP-2", timezone.now() - datetime.timedelta(days=31))
    assert "KP-2" in codes(viewer_client.get(LIST, {"stale": "1"}))


def test_suspended_items_are_not_stale(viewer_client):
    recorded("KP-2", timezone.now() - datetime.timedelta(days=31))
    set_item("KP-2", status=Status.SUSPENDED)
    assert "KP-2" not in codes(viewer_client.get(LIST, {"stale": "1"}))


def test_mine_shows_my_organisations_items_including_sub_items(client_as):
    found = codes(client_as("owner").get(LIST, {"mine": "1"}))
    assert found == ["KP-1", "KP-1.1", "KP-1.2", "KP-1.3", "KP-1.4", "SP-7"]
    assert codes(client_as("supervisor").get(LIST, {"mine": "1"})) == ["CP-1"]


def test_mine_for_a_user_without_organisation_is_empty(client, make_user, agreement):
    client.force_login(make_user("nobody"))
    response = client.get(LIST, {"mine": "1"})
    assert response.context["page_obj"].paginator.count == 0
    assert 'data-testid="no-items"' in response.content.decode()


def test_top_level_only(viewer_client):
    found = codes(viewer_client.get(LIST, {"top": "1"}))
    assert len(found) == 14  # KP-1..6, SP-1..7, CP-1
    assert "." not in "".join(found)


def test_text_search_over_both_titles_and_codes(viewer_client):
    assert codes(viewer_client.get(LIST, {"q": "物流园"}))[0] == "KP-2"
    english = codes(viewer_client.get(LIST, {"q": "logistics park"}))
    assert "KP-2" in english
    assert codes(viewer_client.get(LIST, {"q": "sp-4.2"})) == ["SP-4.2"]
    assert codes(viewer_client.get(LIST, {"q": "没有这样的事项"})) == []


def test_sorting(viewer_client):
    set_item("SP-6", progress=80)
    set_item("SP-7", progress=60)
    set_item("KP-3", target_date=datetime.date(2026, 1, 1))
    set_item("KP-4", target_date=datetime.date(2025, 1, 1))
    assert codes(viewer_client.get(LIST, {"sort": "-progress"}))[:2] == ["SP-6", "SP-7"]
    assert codes(viewer_client.get(LIST, {"sort": "target_date"}))[:2] == ["KP-4", "KP-3"]
    assert codes(viewer_client.get(LIST, {"sort": "-code"}))[0] == "CP-1"


def test_progress_sort_uses_the_rolled_up_value(viewer_client):
    set_item("KP-4.1", progress=100)  # KP-4 rolls up to 25 from its four sub-items
    found = codes(viewer_client.get(LIST, {"sort": "-progress", "top": "1"}))
    assert found[0] == "KP-4"


def test_invalid_filter_shows_an_error_and_no_results(viewer_client):
    response = viewer_client.get(LIST, {"status": "bogus"})
    assert response.status_code == 200
    assert response.context["page_obj"].paginator.count == 0
    assert response.context["filter"].form.errors["status"]


def test_filters_are_combined_and_shown_as_removable_chips(client_as):
    response = client_as("owner").get(LIST, {"mine": "1", "status": ["in_progress", "not_started"]})
    chips = response.context["active_filters"]
    assert len(chips) == 3
    status_chip = next(chip for chip in chips if "in_progress" not in chip["url"])
    assert "mine=1" in status_chip["url"] and "status=not_started" in status_chip["url"]


def test_pagination_keeps_the_filters(viewer_client, workspace):
    make_items(60, workspace["item"].agreement)
    response = viewer_client.get(LIST, {"q": "BULK", "page": "2"})
    assert response.context["page_obj"].number == 2
    assert len(response.context["items"]) == 10
    content = response.content.decode()
    assert "?q=BULK&amp;page=1" in content
    # A page past the end shows the last page rather than an error.
    assert viewer_client.get(LIST, {"q": "BULK", "page": "99"}).context["page_obj"].number == 2


def test_user_text_is_escaped(viewer_client):
    set_item("KP-2", title_zh="<script>alert(1)</script>物流园")
    response = viewer_client.get(LIST, {"q": "<script>"})
    content = response.content.decode()
    assert "<script>alert(1)</script>" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content


def test_english_names_in_english(viewer_client):
    viewer_client.cookies.load({"django_language": "en"})
    response = viewer_client.get(LIST, {"q": "KP-1"})
    content = response.content.decode()
    assert "Chengdu Industry Investment Group" in content
    assert "Cooperation items" in content


def test_report_button_only_on_items_the_user_may_change(client_as):
    owner = client_as("owner").get(LIST)
    changeable = {item.code for item in owner.context["items"] if item.can_change}
    assert changeable == {"KP-1", "KP-1.1", "KP-1.2", "KP-1.3", "KP-1.4", "SP-7"}
    viewer = client_as("viewer").get(LIST)
    assert not any(item.can_change for item in viewer.context["items"])
    assert reverse("cooperation:item_update", args=[1]) not in viewer.content.decode()


def test_filterset_is_reusable_without_a_view(workspace, rf):
    request = rf.get(LIST, {"mine": "1", "overdue": "0"})
    request.user = workspace["users"]["owner"]
    item_filter = ItemFilter(request.GET, request=request)
    assert item_filter.is_valid()
    assert item_filter.qs.count() == 6
    plain = ItemFilter(request.GET, queryset=CooperationItem.objects.all(), request=request)
    assert plain.qs.count() == 6


# --- constant number of queries ----------------------------------------------------------


def make_items(count, agreement):
    lead = Organization.objects.get(code="cdig")
    yibin = Organization.objects.get(code="yibin-lingang-etdz")
    items = CooperationItem.objects.bulk_create(
        CooperationItem(
            agreement=agreement,
            category="other",
            code=f"BULK-{n:04d}",
            title_zh=f"批量事项 BULK {n}",
            chengdu_lead=lead,
            yibin_lead=yibin,
            sort_order=1000 + n,
            progress=n % 101,
        )
        for n in range(count)
    )
    parent = items[0]
    CooperationItem.objects.filter(pk__in=[i.pk for i in items[1:5]]).update(parent=parent)
    for item in items[:20]:
        item.co_owners.add(lead)
        Milestone.objects.create(item=item, title_zh="m", due_date=datetime.date(2021, 1, 1))
    return items


def forget_kept():
    """Start cold: the filter form's lists read and the form rendered (kept, 3 queries fewer)."""
    caches["fragments"].clear()
    _kept_choices.clear()


def list_queries(client, params) -> int:
    forget_kept()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(LIST, params)
    assert response.status_code == 200
    return len(captured), response


@pytest.mark.parametrize("params", [{}, {"mine": "1", "overdue": "1", "sort": "-progress"}])
def test_list_queries_do_not_grow_with_items(
    client_as, workspace, params, django_assert_num_queries
):
    client = client_as("owner")
    params = {**params, "q": "BULK"}
    make_items(10, workspace["item"].agreement)
    few, response = list_queries(client, params)
    assert len(response.context["items"]) == 10  # every bulk item: owned, and overdue (milestone)
    CooperationItem.objects.filter(code__startswith="BULK").delete()
    make_items(200, workspace["item"].agreement)
    forget_kept()
    with django_assert_num_queries(few):
        response = client.get(LIST, params)
    assert response.context["page_obj"].paginator.count >= 10
    print(f"item list: {few} queries")
    # 14: two of them read the user's permissions for the "Reports" menu entry.
    assert few <= 14, f"the item list takes {few} queries"


def test_title_sort_follows_the_language(viewer_client):
    chinese = codes(viewer_client.get(LIST, {"sort": "title", "top": "1"}))
    viewer_client.cookies.load({"django_language": "en"})
    english = viewer_client.get(LIST, {"sort": "title", "top": "1"})
    titles = [item.title for item in english.context["items"]]
    assert titles == sorted(titles)
    assert codes(english) != chinese


def test_the_kept_filter_form_shows_each_filter_and_an_edit_at_once(viewer_client):
    """The filter form is kept rendered per filter and language: another filter, another
    language or a renamed organisation each shows what it should on the very next view."""
    park = Organization.objects.get(code="cdig")
    first = viewer_client.get(LIST, {"status": "in_progress"}).content.decode()
    assert 'value="in_progress" class="form-check-input" id="id_status_1" checked' in first
    # Page 2 of the same filters: the same form; another filter: its own.
    assert viewer_client.get(LIST, {"status": "in_progress", "page": "2"}).status_code == 200
    other = viewer_client.get(LIST, {"status": "completed"}).content.decode()
    assert 'id="id_status_1" checked' not in other and 'value="completed"' in other
    park.short_name_zh = "成都产投改名"
    park.save()
    assert "成都产投改名" in viewer_client.get(LIST, {"status": "in_progress"}).content.decode()
    viewer_client.cookies["django_language"] = "en"
    english = viewer_client.get(LIST, {"status": "in_progress"}).content.decode()
    assert "Apply filters" in english and "应用筛选" not in english


def test_rows_name_a_lead_added_where_this_process_did_not_see_it(viewer_client):
    """The rows read the leads' names from a kept list; a lead it does not hold yet (added
    by another process: no signal here) is read at once, not shown blank."""
    viewer_client.get(LIST)  # the names are kept
    kind = Organization.objects.get(code="cdig").kind
    (newcomer,) = Organization.objects.bulk_create(  # bulk_create sends no post_save
        [
            Organization(
                code="newcomer", name_zh="新来单位", short_name_zh="新来", city="yibin", kind=kind
            )
        ]
    )
    set_item("KP-2", yibin_lead=newcomer)
    row = viewer_client.get(LIST, {"q": "KP-2"}).content.decode()
    assert "新来" in row


def test_filter_forms_of_many_searches_leave_the_default_cache_alone(viewer_client):
    """Each search keeps its own rendered form; they have their own store, so a run of
    searches cannot push out what the default cache holds (the dashboard's markers)."""
    from django.core.cache import cache

    cache.set("marker", "kept", 600)
    for n in range(120):
        assert viewer_client.get(LIST, {"q": f"search {n}"}).status_code == 200
    assert cache.get("marker") == "kept"


def test_kept_lists_are_forgotten_again_when_an_edit_commits(
    agreement, django_capture_on_commit_callbacks
):
    """Another thread may read the old rows between a save and its commit and keep them:
    the commit forgets the lists again."""
    import time

    park = Organization.objects.get(code="cdig")
    with django_capture_on_commit_callbacks(execute=True):
        park.save()
        _kept_choices[("short-names", "zh-hans")] = (time.monotonic(), {park.pk: "旧名"})
    assert ("short-names", "zh-hans") not in _kept_choices
