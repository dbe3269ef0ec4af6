"""Freeze the benchmark's held meeting's briefing pack, as holding it does:
``python -m bench.probes.briefingfreeze`` (DATABASE_URL: a scratch database, it writes).

The generated meetings are held without a frozen pack (the generator writes no snapshot);
the measurement "briefing" reads the frozen copy of this one. Prints {"meeting", "seconds"}.
"""

import json
import os
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")


def main() -> int:
    import django

    django.setup()
    from bench import pages
    from cooperation.models import Meeting
    from cooperation.reports.services import meeting_briefing_freeze

    meeting = Meeting.objects.get(pk=pages.lookup()["meeting"])
    started = time.perf_counter()
    meeting_briefing_freeze(meeting=meeting)
    seconds = time.perf_counter() - started
    print(json.dumps({"meeting": meeting.pk, "seconds": round(seconds, 2)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
