"""Links from a figure to the filtered item list that it counts.

The parameters are those of ``cooperation.filters.ItemFilter`` (agreement, category, city,
organization, status, health, overdue, stale, top, ...); tests check that every figure
equals the count of the list its link opens.
"""

import functools
from urllib.parse import urlencode

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language

# A pk no real item has, reversed once and then replaced by each row's pk.
_PK_PLACEHOLDER = 987654321


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
    """The item's page, as ``reverse("cooperation:item_detail", args=[pk])`` gives it.

    Reports link thousands of items: the URL is reversed once per script prefix, URLconf and
    language (reverse takes tens of µs a call) and each pk is put in its place.
    """
    urlconf = get_urlconf() or settings.ROOT_URLCONF
    head, tail = _item_url_parts(get_script_prefix(), urlconf, get_language())
    return f"{head}{int(pk)}{tail}"


@functools.lru_cache(maxsize=32)
def _item_url_parts(_prefix: str, urlconf: str, _language: str | None) -> tuple[str, str]:
    url = reverse("cooperation:item_detail", args=[_PK_PLACEHOLDER], urlconf=urlconf)
    head, placeholder, tail = url.rpartition(str(_PK_PLACEHOLDER))
    if not placeholder:
        raise ValueError(f"the item URL {url!r} does not contain the item's pk")
    return head, tail
