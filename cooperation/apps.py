from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CooperationConfig(AppConfig):
    name = "cooperation"
    verbose_name = _("Chengdu–Yibin cooperation")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import checks, security  # noqa: F401  (checks registers itself)

        security.connect_axes()
