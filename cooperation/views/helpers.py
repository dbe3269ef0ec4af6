"""Small pieces the item views share: permission checks that log, filter chips."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from .. import selectors
from ..models import CooperationItem
from ..permissions import log_denied


def changeable_item(request, pk, what: str) -> CooperationItem:
    """The item ``pk`` if the user may change it: 404 if it does not exist, else 403, logged."""
    item = (
        selectors.item_queryset(user=request.user, action="change")
        .prefetch_related("milestones")
        .filter(pk=pk)
        .first()
    )
    if item is not None:
        return item
    if not CooperationItem.objects.filter(pk=pk).exists():
        raise Http404(_("No such item."))
    log_denied(request, f"{what} on item {pk}")
    raise PermissionDenied(
        _(
            "Your organisation does not own this item: only the coordinators of its lead and "
            "co-owning organisations and supervisors may change it."
        )
    )


def _without(request, name: str, value: str | None = None) -> str:
    """The current query string without ``name`` (or without one of its values)."""
    query = request.GET.copy()
    query.pop("page", None)
    if value is None:
        query.pop(name, None)
    else:
        query.setlist(name, [v for v in query.getlist(name) if v != value])
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else "?"


def active_filters(request, item_filter) -> list[dict]:
    """One removable chip per filter in use: label, value and the URL without it."""
    if not item_filter.is_bound or not item_filter.is_valid():
        return []
    chips = []
    data = item_filter.form.cleaned_data
    for name, flt in item_filter.filters.items():
        value = data.get(name)
        if name in {"sort", "stale_days"} or value in (None, "", [], ()):
            continue
        field = item_filter.form.fields[name]
        if isinstance(value, list):
            labels = dict(field.choices)
            for one in value:
                chips.append(
                    {
                        "label": flt.label,
                        "value": labels.get(one, one),
                        "url": _without(request, name, one),
                    }
                )
            continue
        if value is True:
            shown = ""
        elif hasattr(field, "label_from_instance"):
            shown = field.label_from_instance(value)
        elif hasattr(field, "choices"):
            shown = dict(field.choices).get(value, value)
        else:
            shown = value
        chips.append({"label": flt.label, "value": shown, "url": _without(request, name)})
    return chips
