"""Count the SQL queries of pages: ``python -m bench.probes.querycount NAME...`` (DATABASE_URL).

Requests every page through Django's test client, signed in as the benchmark's admin, with
the full middleware, and counts queries with ``CaptureQueriesContext``; a streamed response
is read to its end inside the count. Prints one JSON object: {page: {"status", "queries"}}.
"""

import json
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")


def count(client, url: str) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        if getattr(response, "streaming", False):
            for _chunk in response.streaming_content:
                pass
    return {"status": response.status_code, "queries": len(queries), "url": url}


def main(names: list[str]) -> int:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client

    from bench import pages
    from bench.accounts import ADMIN

    client = Client()
    client.force_login(get_user_model().objects.get(username=ADMIN))
    ids = pages.lookup()
    # Warm-up, the same in every database: the session's first write and the per-process
    # caches (content types, permissions, translations) fill here, not in a page's count.
    client.get(pages.TRIVIAL)
    client.get(pages.path(pages.PAGES["item_list"], ids))
    out = {}
    for name in names:
        url = pages.path(pages.PAGES[name], ids)
        if pages.resolves(url):
            out[name] = count(client, url)
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
