"""The leader role: a city leader reads the reports and receives red slips; the demo
`leader` is one."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from cooperation import permissions
from cooperation.choices import Role

pytestmark = pytest.mark.django_db


def test_demo_leader_is_a_city_leader_of_yibin(agreement, settings):
    settings.DEBUG = True
    call_command("create_demo_accounts", verbosity=0)
    leader = get_user_model().objects.get(username="leader")
    membership = leader.memberships.get()
    assert (membership.role, membership.organization.city) == (Role.LEADER, "yibin")
    assert permissions.is_leader(leader) and permissions.can_view_reports(leader)
    assert not permissions.restrict_items(leader, "change").exists()


def test_the_role_alone_opens_the_reports_and_a_viewer_without_it_is_refused(
    agreement, make_user, client
):
    leader = make_user("cd_leader", org="chengdu-gov", role=Role.LEADER)
    viewer = make_user("plain", org="chengdu-gov", role=Role.VIEWER)
    assert not leader.has_perm("cooperation.view_reports")
    client.force_login(leader)
    assert client.get(reverse("cooperation:scorecard")).status_code == 200
    assert client.get(reverse("cooperation:report_index")).status_code == 200
    client.force_login(viewer)
    assert client.get(reverse("cooperation:scorecard")).status_code == 403
