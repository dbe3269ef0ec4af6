"""Every import URL as anonymous, a coordinator, a viewer and a supervisor."""

import pytest
from django.urls import reverse

from cooperation.choices import Role
from cooperation.models import ItemImport

pytestmark = pytest.mark.django_db


@pytest.fixture
def job(supervisor):
    return ItemImport.objects.create(
        created_by=supervisor,
        filename="x.xlsx",
        content=b"",
        sha256="0" * 64,
        state="checked",
        preview={
            "items": [],
            "milestones": [],
            "errors": [],
            "counts": {"create": 0, "update": 1, "unchanged": 0},
            "ignored": [],
        },
    )


def urls(job):
    return [
        ("get", reverse("cooperation:import_index")),
        ("get", reverse("cooperation:import_template")),
        ("get", reverse("cooperation:import_detail", args=[job.pk])),
        ("get", reverse("cooperation:import_progress", args=[job.pk])),
        ("post", reverse("cooperation:import_apply", args=[job.pk])),
        ("post", reverse("cooperation:import_index")),
    ]


def test_anonymous_is_sent_to_sign_in(client, job):
    for method, url in urls(job):
        response = getattr(client, method)(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.VIEWER])
def test_others_are_refused(client, job, make_user, role):
    client.force_login(make_user("someone", org="cdig", role=role))
    for method, url in urls(job):
        assert getattr(client, method)(url).status_code == 403, url
    job.refresh_from_db()
    assert job.state == "checked"


def test_supervisors_are_allowed(sup_client, job):
    for _method, url in urls(job)[:4]:
        assert sup_client.get(url).status_code == 200, url
    progress = sup_client.get(reverse("cooperation:import_progress", args=[job.pk])).json()
    assert progress["state"] == "checked" and progress["busy"] is False
