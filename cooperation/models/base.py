"""Small pieces shared by the domain's models."""

from django.utils.translation import get_language
from simple_history import models as simple_history_models


def is_english() -> bool:
    return (get_language() or "").startswith("en")


def joined(values) -> str:
    """A list in the active language: "A、B" in Chinese, "A; B" in English."""
    return ("; " if is_english() else "、").join(str(v) for v in values)


class BilingualMixin:
    """Picks the English field when English is active and an English value exists."""

    def localized(self, field: str) -> str:
        chinese = getattr(self, f"{field}_zh", "") or ""
        if is_english():
            return getattr(self, f"{field}_en", "") or chinese
        return chinese or getattr(self, f"{field}_en", "") or ""


class HistoricalRecords(simple_history_models.HistoricalRecords):
    """simple-history's recorder, except that a save which changes nothing adds no row.

    The comparison is against the latest historical row of the object, so it holds for every
    way of saving: services, the admin, shell sessions.

    ``indexes``: indexes of the historical table (its Meta.indexes).
    """

    def __init__(self, *args, indexes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.indexes = list(indexes)

    def get_meta_options(self, model):
        options = super().get_meta_options(model)
        if self.indexes:
            options["indexes"] = self.indexes
        return options

    def post_save(self, instance, created, using=None, **kwargs):
        if not created and not kwargs.get("raw", False) and not self.has_changes(instance):
            return
        super().post_save(instance, created, using=using, **kwargs)

    def has_changes(self, instance) -> bool:
        attnames = [field.attname for field in self.fields_included(instance)]
        manager = getattr(instance, self.manager_name)
        latest = manager.order_by("-history_date", "-history_id").values(*attnames).first()
        if latest is None:
            return True
        return any(latest[name] != getattr(instance, name) for name in attnames)
