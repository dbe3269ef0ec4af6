"""The foundation: migrations, the agreement fixture, history and the status transitions."""

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.test import RequestFactory, override_settings
from django.utils import translation

from cooperation.choices import Category, Health, Status, Tier
from cooperation.models import (
    Agreement,
    ConsultationMechanism,
    CooperationItem,
    Organization,
)
from cooperation.services import (
    StatusReport,
    item_update,
    status_report_submit,
    system_user,
)

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "fixtures" / "agreement.json"
GARBLED = ["成毅", "宜昌", "融欧", "钢铁联合运输", "综合保护区", "产学结合", "& mdash", "&mdash"]


def run_manage(*args, env_extra):
    env = {**os.environ, "DJANGO_DEBUG": "1", **env_extra}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


# --- migrations --------------------------------------------------------------------------


def test_suite_runs_on_postgresql():
    assert connection.vendor == "postgresql", "make test runs the suite on PostgreSQL"


def test_migrations_apply_on_sqlite_and_are_complete(tmp_path, migrated_sqlite):
    # migrated_sqlite: every migration applied by `manage.py migrate` to a fresh SQLite file
    # (once per worker, asserting it succeeds; tests/conftest.py), copied here.
    env = {"DATABASE_URL": migrated_sqlite(tmp_path / "fresh.sqlite3")}
    check = run_manage("makemigrations", "--check", "--dry-run", env_extra=env)
    assert check.returncode == 0, check.stdout + check.stderr
    load = run_manage("setup_site", env_extra=env)
    assert load.returncode == 0, load.stderr
    assert "Installed 169 object(s)" in load.stdout
    # The dashboard's grouped and history queries run on SQLite too (make run's database).
    dashboard = run_manage("shell", "-v0", "-c", SQLITE_DASHBOARD, env_extra=env)
    assert dashboard.returncode == 0, dashboard.stderr
    total, items, changed, codes = dashboard.stdout.split()
    assert int(total) == int(items) > 30
    assert (changed, codes) == ("2", "KP-1,KP-1.1")  # KP-1 rolls KP-1.1 up


SQLITE_DASHBOARD = """
import datetime
from django.contrib.auth.models import User
from django.utils import timezone
from cooperation.models import ConsultationMechanism, CooperationItem, Meeting
from cooperation.reports.dashboard import dashboard_figures
ago = timezone.now() - datetime.timedelta(minutes=1)
CooperationItem.history.update(history_date=ago - datetime.timedelta(days=1))
Meeting.objects.create(mechanism=ConsultationMechanism.objects.first(), sequence=99,
    starts_at=ago, planned_for=ago.date(), host_city="chengdu", state="held")
viewer = User.objects.create(username="reader")
dashboard_figures(user=viewer)  # the summary is counted; the triggers keep it up to date
item = CooperationItem.objects.get(code="KP-1.1")
item.progress = 40
item.save()
figures = dashboard_figures(user=viewer)
since = figures["since"]
print(figures["total"].value, CooperationItem.objects.count(), since["changed"],
      ",".join(sorted(change.item.code for change in since["changes"])))
"""


@pytest.mark.django_db
def test_migrations_applied_on_postgresql():
    # pytest-django built this PostgreSQL database by running every migration.
    out = StringIO()
    call_command("showmigrations", "cooperation", stdout=out)
    assert "[ ]" not in out.getvalue()
    assert connection.vendor == "postgresql"


# --- the agreement fixture ---------------------------------------------------------------


def counts():
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_app_config("cooperation").get_models()
    }


@pytest.mark.django_db
def test_fixture_loads_twice_with_identical_counts():
    call_command("loaddata", "agreement", verbosity=0)
    first = counts()
    call_command("loaddata", "agreement", verbosity=0)
    assert counts() == first
    assert first["cooperation.CooperationItem"] == 49
    assert first["cooperation.Organization"] == 20


def test_fixture_is_built_from_the_facts_kept_in_the_repository():
    # The repository stands alone: the facts are in it, and the builder reads them by default.
    facts = ROOT / "fixtures" / "sources" / "facts.yaml"
    assert facts.exists(), "the verified facts sit in fixtures/sources/"
    before = FIXTURE.read_bytes()
    result = subprocess.run(
        [sys.executable, "scripts/build_agreement_fixture.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert FIXTURE.read_bytes() == before, "fixtures/agreement.json is out of date: make fixtures"


def test_no_garbled_term_of_the_article_anywhere():
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    offenders = []
    for name in tracked:
        path = ROOT / name
        # fixtures/sources/ keeps the article and the facts' quotes of it as evidence.
        if name.startswith(("tests/", "fixtures/sources/")) or path.suffix not in {
            ".py",
            ".json",
            ".html",
            ".txt",
            ".po",
            ".md",
            ".yml",
            ".yaml",
            ".toml",
        }:
            continue
        text = path.read_text(encoding="utf-8", errors="ignore")
        offenders += [f"{name}: {term}" for term in GARBLED if term in text]
    assert offenders == []


@pytest.mark.django_db
def test_six_key_projects_with_corrected_titles(agreement):
    projects = CooperationItem.objects.filter(category=Category.KEY_PROJECT, parent=None).order_by(
        "code"
    )
    assert [(p.code, p.title_zh) for p in projects] == [
        ("KP-1", "共建共享装备制造产业园"),
        ("KP-2", "共建共享长江上游成宜国际物流园"),
        ("KP-3", "共建共享医药配套产业园"),
        ("KP-4", "推动教育协同发展"),
        ("KP-5", "共同提升医疗服务水平"),
        ("KP-6", "推动金融服务实体经济"),
    ]
    kp1 = projects.get(code="KP-1")
    assert kp1.chengdu_lead.name_zh == "成都产业投资集团有限公司"
    assert kp1.yibin_lead.code == "yibin-lingang-etdz"
    assert kp1.children.count() == 4
    kp5 = projects.get(code="KP-5")
    assert (kp5.chengdu_lead.name_zh, kp5.yibin_lead.name_zh) == (
        "成都市卫生健康委员会",
        "宜宾市卫生健康委员会",
    )
    assert "1—2家" in kp5.children.get(code="KP-5.2").title_zh
    assert "“蓉欧+宜宾”铁水联运" in projects.get(code="KP-2").children.get(code="KP-2.3").title_zh
    # Nothing invented: no progress, no dates.
    assert set(CooperationItem.objects.values_list("progress", flat=True)) == {0}
    assert not CooperationItem.objects.filter(target_date__isnull=False).exists()


@pytest.mark.django_db
def test_seven_special_agreements_each_with_both_signatories(agreement):
    special = CooperationItem.objects.filter(
        category=Category.SPECIAL_AGREEMENT, parent=None
    ).select_related("chengdu_lead", "yibin_lead")
    pairs = {(s.chengdu_lead.name_zh, s.yibin_lead.name_zh) for s in special}
    assert len(special) == 7
    assert pairs == {
        ("四川天府新区成都管理委员会", "宜宾三江新区管理委员会"),
        ("成都高新技术产业开发区", "宜宾高新区"),
        ("成都经济技术开发区", "宜宾临港经济技术开发区（管理委员会）"),
        ("成都高新综合保税区双流园区", "宜宾综合保税区"),
        ("成都市教育局", "宜宾市教育和体育局"),
        ("成都兴城投资集团有限公司", "宜宾三江新区管理委员会"),
        # Chengdu Daily, not the article: the industry group signed with Lingang ETDZ.
        ("成都产业投资集团有限公司", "宜宾临港经济技术开发区（管理委员会）"),
    }
    for item in special:
        assert item.chengdu_lead.city == "chengdu" and item.yibin_lead.city == "yibin"


@pytest.mark.django_db
def test_three_consultation_mechanisms_with_their_cadences(agreement):
    mechanisms = {m.tier: m for m in ConsultationMechanism.objects.all()}
    assert mechanisms[Tier.LEAD_DEPARTMENTS].name_zh == "两地牵头部门季度会商"
    assert "INTERVAL=3" in mechanisms[Tier.LEAD_DEPARTMENTS].recurrence
    assert mechanisms[Tier.SUPERVISING_LEADERS].name_zh == "市分管领导半年会商"
    assert "INTERVAL=6" in mechanisms[Tier.SUPERVISING_LEADERS].recurrence
    assert mechanisms[Tier.PRINCIPAL_LEADERS].name_zh == "市主要领导年度联席会议"
    assert "FREQ=YEARLY" in mechanisms[Tier.PRINCIPAL_LEADERS].recurrence
    for mechanism in mechanisms.values():
        assert mechanism.reminder_offsets_days == [14, 3, 1]
        assert mechanism.status_call_offset_days == 21


@pytest.mark.django_db
def test_agreements_and_corrected_organisation_names(agreement):
    main = Agreement.objects.get(code="cdyb-2020-main")
    assert str(main.signed_on) == "2020-05-13"
    assert "共建跨区域合作先行示范市" in main.title_zh
    assert {p.code for p in main.parties.all()} == {"chengdu-gov", "yibin-gov"}
    assert main.predecessors.count() == 3
    framework = Agreement.objects.get(code="cdyb-2015-06-framework")
    assert framework.date_precision == "month"
    names = set(Organization.objects.values_list("name_zh", flat=True))
    assert "成都产业投资集团有限公司" in names
    assert "成都工业投资集团有限公司" not in names
    assert "成都高新综合保税区双流园区" in names
    assert all(Organization.objects.values_list("name_en", flat=True))
    assert CooperationItem.objects.get(code="CP-1").category == Category.COUNTY_PAIRING


# --- history -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_fixture_history_is_attributed_to_the_system_user(agreement):
    item = CooperationItem.objects.get(code="KP-1")
    first = item.history.earliest()
    assert first.history_user == system_user()
    assert first.history_change_reason == "Loaded from the agreement fixture"


@pytest.mark.django_db
def test_history_rows_carry_the_acting_user_of_a_web_request(agreement, client, superuser):
    item = CooperationItem.objects.get(code="KP-3")
    client.force_login(superuser)
    url = f"/admin/cooperation/organization/{item.agreement.parties.first().pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    org = item.agreement.parties.first()
    response = client.post(
        url,
        {
            "code": org.code,
            "name_zh": org.name_zh,
            "name_en": org.name_en + " (edited)",
            "short_name_zh": org.short_name_zh,
            "short_name_en": org.short_name_en,
            "city": org.city,
            "kind": org.kind,
            "note": org.note,
            "source": org.source,
        },
    )
    assert response.status_code == 302
    latest = org.history.latest()
    assert latest.history_user == superuser
    assert latest.name_en.endswith("(edited)")


@pytest.mark.django_db
def test_services_record_the_user_and_a_no_change_save_adds_no_row(agreement, make_user):
    user = make_user("editor")
    item = CooperationItem.objects.get(code="KP-3")
    rows = item.history.count()
    item_update(item=item, user=user, reason="test", fields={"health": Health.AT_RISK})
    assert item.history.count() == rows + 1
    assert item.history.latest().history_user == user
    assert item.history.latest().history_change_reason == "test"
    # Saving the same values again, through the service or a bare save(), adds nothing.
    assert (
        item_update(item=item, user=user, reason="again", fields={"health": Health.AT_RISK}) == []
    )
    item.refresh_from_db()
    item.save()
    assert item.history.count() == rows + 1


@pytest.mark.django_db
def test_status_report_writes_update_and_history_in_one_go(agreement, make_user):
    user = make_user("cd", org="cdig")
    item = CooperationItem.objects.get(code="KP-1")
    update = status_report_submit(
        item=item,
        user=user,
        expected_version=item.version,
        report=StatusReport(
            status=Status.IN_PROGRESS, health=Health.AT_RISK, progress=35, narrative="用地报批延迟"
        ),
    )
    item.refresh_from_db()
    assert (item.progress, item.health, update.organization.code) == (35, Health.AT_RISK, "cdig")
    assert item.history.latest().history_user == user


# --- status transitions ------------------------------------------------------------------


def _report_status(item, user, status):
    report = StatusReport(status=status, health=Health.ON_TRACK, progress=100)
    return status_report_submit(item=item, user=user, report=report)


@pytest.mark.django_db
def test_transition_table_rejects_illegal_changes_with_a_clear_error(agreement, make_user):
    user = make_user("sup")
    item = CooperationItem.objects.get(code="KP-3")
    with translation.override("en"), pytest.raises(ValidationError) as error:
        _report_status(item, user, Status.COMPLETED)
    assert error.value.message_dict["status"] == [
        "The status cannot change from “Not started” to “Completed”."
    ]
    item.refresh_from_db()
    assert item.status == Status.NOT_STARTED
    _report_status(item, user, Status.CANCELLED)
    item.refresh_from_db()
    assert item.status == Status.CANCELLED
    with pytest.raises(ValidationError):
        _report_status(item, user, Status.IN_PROGRESS)


@pytest.mark.django_db
def test_transition_error_is_translated_into_chinese(agreement, make_user):
    item = CooperationItem.objects.get(code="KP-3")
    with translation.override("zh-hans"), pytest.raises(ValidationError) as error:
        _report_status(item, make_user("u"), Status.COMPLETED)
    assert "未启动" in error.value.message_dict["status"][0]


@pytest.mark.django_db
def test_database_constraints_guard_progress(agreement):
    item = CooperationItem.objects.get(code="KP-3")
    with pytest.raises(IntegrityError), transaction.atomic():
        CooperationItem.objects.filter(pk=item.pk).update(progress=101)
    with pytest.raises(IntegrityError), transaction.atomic():
        CooperationItem.objects.filter(pk=item.pk).update(status=Status.COMPLETED, progress=50)


# --- admin -------------------------------------------------------------------------------


def admin_urls():
    from django.contrib import admin

    for model in admin.site._registry:
        if model._meta.app_label == "cooperation":
            yield model._meta.app_label, model._meta.model_name


@pytest.mark.django_db
@pytest.mark.parametrize(("app_label", "model_name"), sorted(set(admin_urls())))
def test_every_admin_page_renders_for_a_superuser(
    agreement, client, superuser, app_label, model_name
):
    client.force_login(superuser)
    model = apps.get_model(app_label, model_name)
    base = f"/admin/{app_label}/{model_name}/"
    assert client.get(base).status_code == 200
    assert client.get(base + "?q=成都").status_code == 200
    # Records that only the system writes (webhook events and deliveries) have no add page.
    request = RequestFactory().get(base)
    request.user = superuser
    can_add = admin.site._registry[model].has_add_permission(request)
    assert client.get(base + "add/").status_code == (200 if can_add else 403)
    obj = model.objects.order_by("pk").first()
    if obj is not None:
        assert client.get(f"{base}{obj.pk}/change/").status_code == 200
        assert client.get(f"{base}{obj.pk}/history/").status_code == 200


@pytest.mark.django_db
def test_admin_history_shows_field_diffs(agreement, client, superuser, make_user):
    item = CooperationItem.objects.get(code="KP-3")
    item_update(
        item=item, user=make_user("x"), reason="r", fields={"progress": 20, "status": "in_progress"}
    )
    client.force_login(superuser)
    url = f"/admin/cooperation/cooperationitem/{item.pk}/history/"
    client.cookies["django_language"] = "en"
    html = " ".join(client.get(url).content.decode().split())
    assert "<strong>Progress (%):</strong> 0 &nbsp;&rarr;&nbsp;&nbsp;20" in html
    assert "<strong>Status:</strong> not_started &nbsp;&rarr;&nbsp;&nbsp;in_progress" in html
    del client.cookies["django_language"]
    html = " ".join(client.get(url).content.decode().split())  # Chinese by default
    assert "<strong>进度（%）:</strong> 0 &nbsp;&rarr;&nbsp;&nbsp;20" in html


def test_demo_accounts_are_refused_under_production_settings():
    env = {
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "x" * 50,
        "CHENGYI_DEMO": "0",
        "CHENGYI_SITE_URL": "https://tracker.example.gov.cn",
        "DATABASE_URL": "sqlite:///:memory:",
    }
    result = run_manage("create_demo_accounts", env_extra=env)
    assert result.returncode != 0
    assert "never created under production settings" in result.stderr


def test_production_start_fails_loudly_without_a_secret():
    result = run_manage("check", env_extra={"DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": ""})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


@pytest.mark.django_db
def test_demo_accounts(agreement):
    with override_settings(DEMO_MODE=True):
        call_command("create_demo_accounts", stdout=StringIO())
    from django.contrib.auth import authenticate

    for name in ["admin", "cd_coordinator", "yb_coordinator", "supervisor", "leader"]:
        assert authenticate(username=name, password="chengyi-demo") is not None, name
    assert json.loads(FIXTURE.read_text())  # the fixture is valid JSON
