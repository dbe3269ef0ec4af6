"""Profile one page with pyinstrument: ``python -m bench.probes.profile PAGE [REPS]``.

Requests the page through Django's test client (full middleware, signed in as the
benchmark's admin) once to warm up, then REPS times under the profiler; prints the call tree
and writes an HTML report to bench/data/profile-PAGE.html. ``make bench BENCH_ARGS="--profile
item_list"`` runs it against the main benchmark database.
"""

import os
import sys
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")


def main(name: str, reps: int = 5) -> int:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client
    from pyinstrument import Profiler

    from bench import pages
    from bench.accounts import ADMIN
    from bench.probes.exportmem import fetch

    client = Client()
    client.force_login(get_user_model().objects.get(username=ADMIN))
    url = pages.path(pages.PAGES[name], pages.lookup())
    fetch(client, url)
    profiler = Profiler(interval=0.0005)
    with profiler:
        for _ in range(reps):
            fetch(client, url)
    print(profiler.output_text(unicode=True, color=False, show_all=False))
    out = Path(__file__).resolve().parent.parent / "data" / f"profile-{name}.html"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(profiler.output_html())
    print(f"HTML report: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], *(int(a) for a in sys.argv[2:3])))
