"""Time an item save with history against the same save without: ``python -m
bench.probes.savetime REPS WARMUP`` (DATABASE_URL: a scratch database, it writes).

One sample is a batch of saves through ``item_update`` (full_clean, update_fields, version
bump), each changing the progress of a different item; "without" is the same batch with
``SIMPLE_HISTORY_ENABLED`` off, on the same items.
Prints {"with": [seconds per save...], "without": [...]}.
"""

import json
import os
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
BATCH = 20


def main(reps: int, warmup: int) -> int:
    import django

    django.setup()
    from django.test import override_settings

    from bench.harness import Probe, interleave
    from cooperation.models import CooperationItem
    from cooperation.services import item_update, system_user

    user = system_user()
    items = list(CooperationItem.objects.filter(code__startswith="G-", progress__lt=90)
                 .exclude(status="completed").order_by("pk")[:BATCH])  # fmt: skip
    counter = {"n": 0}

    def batch(group: list) -> float:
        counter["n"] += 1
        started = time.perf_counter()
        for item in group:
            value = 1 + (item.progress + counter["n"]) % 89
            item_update(item=item, user=user, reason="bench", fields={"progress": value})
        return (time.perf_counter() - started) / len(group)

    def without() -> float:
        with override_settings(SIMPLE_HISTORY_ENABLED=False):
            return batch(items)

    samples = interleave(Probe("with history", lambda: batch(items)),
                         Probe("without history", without), reps=reps, warmup=warmup)  # fmt: skip
    print(json.dumps({"with": samples[0], "without": samples[1], "batch": BATCH}))
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]), int(sys.argv[2])))
