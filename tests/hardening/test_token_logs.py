"""Issue 16, finding 8: the calendar feed's token never reaches a log line, neither
gunicorn's access log nor the app's (Django's 404 warning included)."""

import io
import json
import logging

import pytest
from django.db import connection
from django.test import Client

from cooperation.logging import StructuredFormatter
from cooperation.models import Profile
from tests.services import Browser, Gunicorn, app_env


@pytest.mark.django_db(transaction=True)
def test_gunicorns_access_log_masks_the_calendar_token(agreement, make_user):
    """Before: the access log line held "GET /calendar/<token>.ics". After: "/calendar/***.ics"."""
    user = make_user("cd", org="cdig")
    token = Profile.objects.get(user=user).calendar_token
    s = connection.settings_dict
    server = Gunicorn(
        app_env(DATABASE_URL=f"postgres://{s['USER']}@{s['HOST']}:{s['PORT']}/{s['NAME']}")
    ).start()
    try:
        browser = Browser(server.base)
        assert browser.get(f"/calendar/{token}.ics")[0] == 200
        assert browser.get("/calendar/not-a-real-token-but-secret-looking.ics")[0] == 404
    finally:
        server.stop()
    output = server.output()
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    access = [line["message"] for line in lines if line["logger"] == "gunicorn.access"]
    assert any("/calendar/***.ics" in line for line in access), access
    assert token not in output
    assert "not-a-real-token-but-secret-looking" not in output


@pytest.mark.django_db
def test_the_apps_logs_mask_the_calendar_token(agreement, make_user):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(StructuredFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        secret = "Zx9-secret_token_value"
        assert Client().get(f"/calendar/{secret}.ics").status_code == 404
        logging.getLogger("cooperation.test").warning(
            "feed %s",
            f"https://tracker/calendar/{secret}.ics",
            extra={"url": f"/calendar/{secret}.ics"},
        )
    finally:
        root.removeHandler(handler)
    text = stream.getvalue()
    assert "/calendar/***.ics" in text
    assert secret not in text
