"""Load-test data: `prepare` makes the accounts, `verify` looks for lost updates.

Run by scripts/loadtest/run.py with the load test's DATABASE_URL.
"""

import json
import os
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402

from cooperation.choices import Role  # noqa: E402
from cooperation.models import CooperationItem, Membership, Organization, StatusUpdate  # noqa: E402


def prepare(users: int, password: str) -> dict:
    User = get_user_model()
    org = Organization.objects.get(code="chengdu-gov")
    for n in range(1, users + 1):
        user = User.objects.create_user(f"load{n:02d}", password=password)
        Membership.objects.create(user=user, organization=org, role=Role.SUPERVISOR)
    items = list(CooperationItem.objects.order_by("code").values_list("pk", flat=True))
    # Reports go to ten items, so many users report on the same item at the same time.
    update = [pk for pk in items if not CooperationItem.objects.get(pk=pk).children.exists()][:10]
    versions = dict(CooperationItem.objects.filter(pk__in=update).values_list("pk", "version"))
    return {"read": items, "update": update, "versions": versions}


def verify(ledger: list[dict], plan: dict) -> dict:
    accepted = [e for e in ledger if not e.get("stale")]
    stale = [e for e in ledger if e.get("stale")]
    saved = {
        u.narrative.removeprefix("进展 "): u
        for u in StatusUpdate.objects.filter(author__username__startswith="load")
    }
    lost = [e["token"] for e in accepted if e["token"] not in saved]
    refused_but_saved = [e["token"] for e in stale if e["token"] in saved]
    per_item = Counter(e["item"] for e in accepted)
    wrong_version, wrong_final = [], []
    for item in CooperationItem.objects.filter(pk__in=plan["update"]):
        before = plan["versions"][str(item.pk)]
        if item.version != before + per_item[item.pk]:
            wrong_version.append(item.code)
        latest = item.status_updates.order_by("-reported_at", "-pk").first()
        if latest is not None and latest.progress != item.progress:
            wrong_final.append(item.code)
    return {
        "reports_accepted": len(accepted),
        "reports_refused_as_stale": len(stale),
        "reports_in_database": len(saved),
        "lost_updates": len(lost) + len(wrong_final),
        "refused_but_saved": len(refused_but_saved),
        "items_with_wrong_version": wrong_version,
        "items_whose_state_is_not_the_last_report": wrong_final,
    }


if __name__ == "__main__":
    command, path = sys.argv[1], Path(sys.argv[2])
    if command == "prepare":
        plan = prepare(int(os.environ["LOADTEST_USERS"]), os.environ["LOADTEST_PASSWORD"])
        path.write_text(json.dumps(plan))
    else:
        plan = json.loads(path.read_text())
        ledger = json.loads(Path(sys.argv[3]).read_text())
        print(json.dumps(verify(ledger, plan), ensure_ascii=False))
