"""Peak memory of one export: ``python -m bench.probes.exportmem PAGE`` (DATABASE_URL set).

In a fresh process, signed in through Django's test client (full middleware), after a warm-up
export of one item: collect garbage, hand freed memory back to the system (``malloc_trim``),
note the resident set size, then request the export and read the streamed body to its end
while a thread samples the RSS every millisecond. The figure is the peak RSS above the level
before the run; it counts C allocations too (openpyxl, psycopg), which tracemalloc would miss.
One run per process: a second run in the same process reuses the memory the first one left
in Python's arenas and would show less than the export needs. Prints JSON.
"""

import contextlib
import ctypes
import gc
import json
import os
import sys
import threading
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
MiB = 2**20
PAGE = os.sysconf("SC_PAGE_SIZE")


def current_rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE


def fetch(client, url: str) -> int:
    response = client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"GET {url}: HTTP {response.status_code}")
    if getattr(response, "streaming", False):
        return sum(len(chunk) for chunk in response.streaming_content)
    return len(response.content)


def _trim() -> None:
    gc.collect()
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def measured_run(client, url: str) -> dict:
    _trim()
    baseline = current_rss()
    peak = [baseline]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], current_rss())
            time.sleep(0.001)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.perf_counter()
    size = fetch(client, url)
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    peak[0] = max(peak[0], current_rss())
    return {"peak_mib": (peak[0] - baseline) / MiB, "seconds": seconds, "bytes": size}


def main(name: str) -> int:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client

    from bench import pages
    from bench.accounts import ADMIN
    from cooperation.models import CooperationItem

    client = Client()
    client.force_login(get_user_model().objects.get(username=ADMIN))
    url = pages.path(pages.PAGES[name], pages.lookup())
    fetch(client, pages.TRIVIAL)
    # Warm-up: the same export of one item, so imports, templates, translations and caches
    # are loaded before the first measured run (a first run otherwise shows ~5 MiB more).
    fetch(client, f"{url}?q={pages.DETAIL_ITEM}")
    run = measured_run(client, url)
    print(json.dumps({"rows": CooperationItem.objects.count(), **run}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
