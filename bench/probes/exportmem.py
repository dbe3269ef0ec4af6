"""Peak memory of one export: ``python -m bench.probes.exportmem PAGE REPS`` (DATABASE_URL set).

In a fresh process: sign in (test client, full middleware), request the trivial view, note the
resident set size; request the export once and read the streamed body to its end; the peak
RSS (``ru_maxrss``) above that baseline is the first figure. Then, with tracemalloc on, the
same export REPS times: the peak of Python allocations during each. Prints JSON.
"""

import json
import os
import resource
import sys
import time
import tracemalloc

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
MiB = 2**20


def current_rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def fetch(client, url: str) -> tuple[int, int]:
    response = client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"GET {url}: HTTP {response.status_code}")
    size = 0
    if getattr(response, "streaming", False):
        for chunk in response.streaming_content:
            size += len(chunk)
    else:
        size = len(response.content)
    return response.status_code, size


def main(name: str, reps: int) -> int:
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
    client.get(pages.TRIVIAL)
    baseline = current_rss()
    started = time.perf_counter()
    _status, size = fetch(client, url)
    seconds = time.perf_counter() - started
    rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - baseline
    tracemalloc.start()
    peaks = []
    for _ in range(reps):
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        fetch(client, url)
        peaks.append((tracemalloc.get_traced_memory()[1] - before) / MiB)
    tracemalloc.stop()
    print(json.dumps({"rows": CooperationItem.objects.count(), "bytes": size,
                      "seconds": seconds, "rss_peak_mib": max(rss_peak, 0) / MiB,
                      "traced_peaks_mib": peaks}))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], int(sys.argv[2])))
