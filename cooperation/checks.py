"""System checks of the deployment's own settings (run by every manage.py command that starts
the site: migrate, runserver, check)."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, register


@register()
def site_url_check(app_configs=None, **kwargs) -> list[Error]:
    """Links in e-mails and calendars need the site's real address: required in production."""
    url = settings.CHENGYI_SITE_URL
    if url and urlsplit(url).scheme in ("http", "https") and urlsplit(url).hostname:
        return []
    if settings.DEBUG and not url:
        return []
    return [
        Error(
            "CHENGYI_SITE_URL is not set to the site's address (for example "
            "https://tracker.example.gov.cn): every link in e-mails, .ics files and the "
            "calendar feed is built from it. Production (DJANGO_DEBUG off) must set it.",
            id="cooperation.E001",
        )
    ]
