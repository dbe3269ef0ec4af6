"""Time the daily supervision slip run against one ``plan_reminders`` pass, on the same data:
``python -m bench.probes.slipsrun REPS WARMUP`` (DATABASE_URL: a scratch database, it writes).

A: ``slips_run_daily`` (what the daily beat task runs): every item's light, the loop's causes,
the open slips under the year's counter lock, closing, escalation and issuing. The dataset
was built with the slips of its day issued, so a sample is the run of a day that follows.
B: ``reminders_plan_all`` (what the 15-minute ``plan_reminders`` task runs).
Prints {"slips": [seconds...], "plan": [seconds...], "first": {...}}.
"""

import json
import os
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")


def main(reps: int, warmup: int) -> int:
    import django

    django.setup()
    from bench.harness import Probe, interleave
    from cooperation.meetings.reminders import reminders_plan_all
    from cooperation.models import CooperationItem
    from cooperation.models.supervision import SupervisionSlip
    from cooperation.supervision.slips import slips_run_daily

    def timed(func):
        def run() -> float:
            started = time.perf_counter()
            func()
            return time.perf_counter() - started

        return run

    slips = Probe("daily slip run", timed(slips_run_daily))
    plan = Probe("plan_reminders pass", timed(reminders_plan_all))
    samples = interleave(slips, plan, reps=reps, warmup=warmup)
    print(
        json.dumps(
            {
                "slips": samples[0],
                "plan": samples[1],
                "items": CooperationItem.objects.count(),
                "slip_rows": SupervisionSlip.objects.count(),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]), int(sys.argv[2])))
