"""Notifications read in the reader's current language: stored as a kind and parameters,
rendered when the list is shown (a reader who switches language sees the same rows in the
other language); older rows migrated to that shape keep their text."""

import importlib

import pytest
from django.apps import apps as django_apps

from cooperation.meetings import changes
from cooperation.meetings.dispatch import reminders_dispatch_due
from cooperation.models import Notification
from cooperation.notifications import KINDS, notification_create

from .helpers import local

pytestmark = pytest.mark.django_db
NOW = local(2026, 11, 26, 10, 0)
TOMORROW = local(2026, 11, 27, 14, 30)


@pytest.fixture
def reminded(people, half_yearly, time_machine, settings, smtp):
    settings.CHENGYI_STALE_DAYS = settings.CHENGYI_ESCALATION_DAYS = 10_000
    time_machine.move_to(NOW, tick=False)
    meeting = changes.meeting_create(
        mechanism=half_yearly, starts_at=TOMORROW, host_city="chengdu", user=people["cd_sup"]
    )
    assert reminders_dispatch_due().sent == 3
    return meeting


def notification_page(client, language: str) -> str:
    client.cookies["django_language"] = language
    return client.get("/notifications/").content.decode()


def test_a_reminder_in_the_list_follows_the_readers_language(reminded, people, client):
    client.force_login(people["viewer"])  # the profile says Chinese
    chinese = notification_page(client, "zh-hans")
    assert "会商提醒：2026年11月27日 市分管领导半年会商（临时会商）" in chinese
    assert "明天" in chinese

    english = notification_page(client, "en")  # switched: the same row, now in English
    assert "Reminder: Half-yearly" in english
    assert "takes place tomorrow" in english and "14:30 Beijing time" in english
    assert "会商提醒" not in english

    note = Notification.objects.get(user=people["viewer"])
    assert note.kind == "reminder"
    assert set(note.params["title"]) == {"zh-hans", "en"}
    assert note.title.startswith("会商提醒")  # the stored text: the owner's language


def test_notification_create_is_the_one_way_in(people, client):
    note = notification_create(
        user=people["cd_coord"],
        kind="reminder",
        params={"title": {"zh-hans": "请签收", "en": "Please acknowledge"}, "body": "KP-1"},
        url="/items/",
    )
    assert (note.title, note.body, note.url) == ("请签收", "KP-1", "/items/")
    client.force_login(people["cd_coord"])
    assert "Please acknowledge" in notification_page(client, "en")
    assert "请签收" in notification_page(client, "zh-hans")
    with pytest.raises(ValueError, match="add it to KINDS"):
        notification_create(user=people["cd_coord"], kind="no-such-kind", params={})
    assert "text" in KINDS and "reminder" in KINDS


def test_rows_from_before_kinds_keep_their_text(people, client):
    Notification.objects.create(user=people["viewer"], title="请报送进展", body="KP-1 尚未报送")
    Notification.objects.filter(user=people["viewer"]).update(kind="", params={})
    migration = importlib.import_module(
        "cooperation.migrations.0005_clients_notification_kind_params"
    )
    migration.stored_text_as_params(django_apps, None)
    note = Notification.objects.get(user=people["viewer"])
    assert note.kind == "reminder"
    assert note.params == {"title": {"zh-hans": "请报送进展"}, "body": {"zh-hans": "KP-1 尚未报送"}}
    client.force_login(people["viewer"])
    # An English reader sees the only text there is rather than nothing.
    assert "请报送进展" in notification_page(client, "en")
    assert "KP-1 尚未报送" in notification_page(client, "zh-hans")
