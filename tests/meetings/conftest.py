import pytest

from cooperation.choices import Role
from cooperation.models import ConsultationMechanism

from .servers import MailRecorder, WebhookRecorder, free_port


@pytest.fixture
def mailserver():
    server = MailRecorder().start()
    yield server
    server.stop()


@pytest.fixture
def smtp(settings, mailserver):
    """Django's SMTP backend pointed at the loopback server."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = mailserver.port
    settings.EMAIL_TIMEOUT = 5
    return mailserver


@pytest.fixture
def smtp_down(settings):
    """Nothing listens on the mail port: every send is refused."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()
    settings.EMAIL_TIMEOUT = 2
    return settings.EMAIL_PORT


@pytest.fixture
def webhook(settings):
    server = WebhookRecorder().start()
    settings.CHENGYI_WEBHOOK_URL = server.url
    yield server
    server.stop()


@pytest.fixture
def people(agreement, make_user):
    """Two coordinators (KP-1, SP-3, SP-7 owners), a supervisor per city, a viewer."""
    return {
        "cd_coord": make_user("cd_coord", org="cdig", role=Role.COORDINATOR),
        "yb_coord": make_user("yb_coord", org="yibin-lingang-etdz", role=Role.COORDINATOR),
        "cd_sup": make_user("cd_sup", org="chengdu-gov", role=Role.SUPERVISOR),
        "yb_sup": make_user("yb_sup", org="yibin-gov", role=Role.SUPERVISOR),
        "viewer": make_user("viewer", org="yibin-gov", role=Role.VIEWER),
    }


@pytest.fixture
def quarterly(agreement):
    return ConsultationMechanism.objects.get(code="lead-dept-quarterly")


@pytest.fixture
def half_yearly(agreement):
    return ConsultationMechanism.objects.get(code="supervising-leaders-semiannual")
