"""Links from a figure to the filtered item list that it counts.

The parameters are those of ``cooperation.filters.ItemFilter`` (agreement, category, city,
organization, status, health, overdue, stale, top, ...); tests check that every figure
equals the count of the list its link opens.
"""

from urllib.parse import urlencode

from django.urls import reverse

from cooperation.urlpaths import pk_url


def item_list_url(**params) -> str:
    """``/items/?...`` with ``params``; list values become repeated parameters."""
    clean = {name: value for name, value in params.items() if value not in (None, "", [], False)}
    for name, value in clean.items():
        if value is True:
            clean[name] = 1
    query = urlencode(clean, doseq=True)
    url = reverse("cooperation:item_list")
    return f"{url}?{query}" if query else url


def item_url(pk: int) -> str:
    """The item's page, as ``reverse("cooperation:item_detail", args=[pk])`` gives it."""
    return pk_url("cooperation:item_detail", pk)
