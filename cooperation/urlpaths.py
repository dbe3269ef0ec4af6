"""The address of an object's page, for pages that link hundreds of rows.

``reverse()`` takes tens of µs a call: a list of 50 items, a to-do list of hundreds of
reports or a report of thousands of items spent more on it than on their rows. ``pk_url``
reverses a URL name once per script prefix, URLconf and language, with a placeholder pk, and
then puts each pk in its place; the result is what ``reverse(name, args=[pk])`` returns.
"""

import functools

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language

# A pk no real row has, reversed once and then replaced by each row's pk.
_PLACEHOLDER = 987654321


def pk_url(name: str, pk: int) -> str:
    """``reverse(name, args=[pk])`` for a URL whose only argument is an integer pk."""
    urlconf = get_urlconf() or settings.ROOT_URLCONF
    head, tail = _parts(name, get_script_prefix(), urlconf, get_language())
    return f"{head}{int(pk)}{tail}"


@functools.lru_cache(maxsize=128)
def _parts(name: str, _prefix: str, urlconf: str, _language: str | None) -> tuple[str, str]:
    url = reverse(name, args=[_PLACEHOLDER], urlconf=urlconf)
    head, placeholder, tail = url.rpartition(str(_PLACEHOLDER))
    if not placeholder:
        raise ValueError(f"the URL {url!r} of {name!r} does not contain the pk")
    return head, tail
