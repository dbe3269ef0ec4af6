"""English pages show no Chinese list separators or admin title (L10)."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from cooperation.choices import Health, Status
from cooperation.models import Membership, Milestone, Notification, Profile
from cooperation.services import StatusReport, item_update, status_report_submit

pytestmark = pytest.mark.django_db


def completion_error(item, user) -> str:
    report = StatusReport(status=Status.COMPLETED, health=Health.ON_TRACK, progress=100)
    with pytest.raises(ValidationError) as refused:
        status_report_submit(item=item, user=user, report=report)
    return refused.value.message_dict["status"][0]


def test_open_milestones_are_listed_in_the_readers_language(workspace):
    owner, item = workspace["users"]["owner"], workspace["item"]
    item_update(item=item, user=owner, reason="test", fields={"status": Status.IN_PROGRESS})
    Milestone.objects.create(item=item, title_zh="二期开工", title_en="Phase 2", sort_order=2)
    Milestone.objects.filter(pk=workspace["milestone"].pk).update(title_en="Site chosen")
    with translation.override("en"):
        assert "Site chosen; Phase 2" in completion_error(item, owner)
    with translation.override("zh-hans"):
        assert "完成园区选址、二期开工" in completion_error(item, owner)


def test_admin_title_follows_the_language(agreement, client, superuser):
    client.force_login(superuser)
    assert "成宜合作项目推进系统" in client.get("/admin/").content.decode()
    client.cookies["django_language"] = "en"
    english = client.get("/admin/").content.decode()
    assert "Chengdu–Yibin Cooperation Tracker" in english and "成宜" not in english


def test_user_and_organisation_fields_have_translated_names():
    fields = [
        (Membership, "user", "用户"),
        (Membership, "organization", "单位"),
        (Profile, "user", "用户"),
        (Notification, "user", "用户"),
    ]
    with translation.override("zh-hans"):
        for model, name, label in fields:
            assert str(model._meta.get_field(name).verbose_name) == label, (model, name)
    with translation.override("en"):
        assert str(Membership._meta.get_field("organization").verbose_name) == "organisation"
