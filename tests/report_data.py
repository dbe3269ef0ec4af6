"""A small world whose report figures are computed by hand, and a bulk generator.

The small world (all items created 100 days ago):

  code  category           parent leads      status      health    progress weight
  K1    key_project        -      cd-a/yb-a  in_progress on_track    0      2
  K1.1  key_project        K1     cd-a/yb-a  in_progress at_risk    50      1  reported 10 days ago
  K1.2  key_project        K1     cd-a/yb-a  completed   on_track  100      3
  K1.3  key_project        K1     cd-a/yb-a  cancelled   on_track    0      5  (out of roll-ups)
  K2    key_project        -      cd-b/yb-b  not_started off_track   0      1  target 10 days ago
  S1    special_agreement  -      cd-a/-     in_progress on_track   30      1  milestone due
                                                                                yesterday; reported
                                                                                40 days ago
  S2    special_agreement  -      -/yb-a     completed   on_track  100      1  target passed
  C1    county_pairing     -      co-owner cd-b suspended at_risk   20      1

K1 rolls up to (50·1 + 100·3) / (1 + 3) = 87.5 → 88.
"""

import datetime

from django.contrib.auth import get_user_model
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from cooperation.choices import Category, City, Health, Status
from cooperation.models import (
    Agreement,
    ConsultationMechanism,
    CooperationItem,
    Meeting,
    Milestone,
    Organization,
    StatusUpdate,
)


def make_org(code: str, city: str) -> Organization:
    return Organization.objects.create(
        code=code,
        name_zh=f"{code}全称",
        name_en=f"{code.upper()} full",
        short_name_zh=f"{code}简称",
        short_name_en=code.upper(),
        city=city,
        kind="bureau",
    )


def build_world(author=None) -> dict:
    """The small world above; returns orgs, items and the agreement by name."""
    now = timezone.now()
    today = timezone.localdate()
    orgs = {
        code: make_org(code, city)
        for code, city in [
            ("cd-a", City.CHENGDU),
            ("cd-b", City.CHENGDU),
            ("yb-a", City.YIBIN),
            ("yb-b", City.YIBIN),
        ]
    }
    agreement = Agreement.objects.create(code="small", title_zh="小协议", title_en="Small")
    created = now - datetime.timedelta(days=100)

    def item(code, category, *, cd=None, yb=None, **fields):
        fields.setdefault("health", Health.ON_TRACK)  # the table's items were all assessed
        return CooperationItem.objects.create(
            agreement=agreement,
            code=code,
            category=category,
            title_zh=f"{code}事项",
            title_en=f"Item {code}",
            chengdu_lead=orgs[cd] if cd else None,
            yibin_lead=orgs[yb] if yb else None,
            created_at=created,
            sort_order=len(code),
            **fields,
        )

    k1 = item("K1", Category.KEY_PROJECT, cd="cd-a", yb="yb-a", status=Status.IN_PROGRESS, weight=2)
    children = {"cd": "cd-a", "yb": "yb-a", "parent": k1}
    k11 = item(
        "K1.1",
        Category.KEY_PROJECT,
        **children,
        status=Status.IN_PROGRESS,
        health=Health.AT_RISK,
        progress=50,
    )
    k12 = item(
        "K1.2", Category.KEY_PROJECT, **children, status=Status.COMPLETED, progress=100, weight=3
    )
    k13 = item("K1.3", Category.KEY_PROJECT, **children, status=Status.CANCELLED, weight=5)
    k2 = item(
        "K2",
        Category.KEY_PROJECT,
        cd="cd-b",
        yb="yb-b",
        health=Health.OFF_TRACK,
        target_date=today - datetime.timedelta(days=10),
    )
    s1 = item("S1", Category.SPECIAL_AGREEMENT, cd="cd-a", status=Status.IN_PROGRESS, progress=30)
    s2 = item(
        "S2",
        Category.SPECIAL_AGREEMENT,
        yb="yb-a",
        status=Status.COMPLETED,
        progress=100,
        start_date=today - datetime.timedelta(days=300),
        target_date=today - datetime.timedelta(days=30),
    )
    c1 = item(
        "C1", Category.COUNTY_PAIRING, status=Status.SUSPENDED, health=Health.AT_RISK, progress=20
    )
    c1.co_owners.add(orgs["cd-b"])
    Milestone.objects.create(item=s1, title_zh="过期", due_date=today - datetime.timedelta(days=1))
    Milestone.objects.create(
        item=s1, title_zh="已完成", due_date=today - datetime.timedelta(days=5), done_date=today
    )
    Milestone.objects.create(
        item=k2, title_zh="未到期", due_date=today + datetime.timedelta(days=5)
    )
    items = {i.code: i for i in [k1, k11, k12, k13, k2, s1, s2, c1]}
    # The tracker recorded them when they were created (test setup, not app code).
    CooperationItem.history.filter(id__in=[i.pk for i in items.values()]).update(
        history_date=created
    )
    if author is not None:
        report(items["K1.1"], author, orgs["cd-a"], now - datetime.timedelta(days=10), 50)
        report(items["S1"], author, orgs["cd-a"], now - datetime.timedelta(days=40), 30)
    return {"orgs": orgs, "items": items, "agreement": agreement}


def report(item, author, organization, when, progress, **fields) -> StatusUpdate:
    """A status update as the coordinator made it at ``when`` (the item is not touched)."""
    return StatusUpdate.objects.create(
        item=item,
        author=author,
        organization=organization,
        status=fields.get("status", item.status),
        health=fields.get("health", item.health),
        progress=progress,
        narrative=fields.get("narrative", "进展顺利"),
        reported_at=when,
    )


def mechanism(agreement, scope=("key_project", "special_agreement")) -> ConsultationMechanism:
    return ConsultationMechanism.objects.create(
        code="test-quarterly",
        tier="lead_departments",
        name_zh="测试季度会商",
        name_en="Test quarterly",
        agreement=agreement,
        recurrence="FREQ=MONTHLY;INTERVAL=3",
        anchor_date=datetime.date(2020, 6, 15),
        scope_categories=list(scope),
    )


def meeting(mech, sequence, starts_at, **fields) -> Meeting:
    return Meeting.objects.create(
        mechanism=mech,
        sequence=sequence,
        starts_at=starts_at,
        planned_for=timezone.localdate(starts_at),
        host_city=City.CHENGDU if sequence % 2 else City.YIBIN,
        **fields,
    )


def bulk_items(count: int, *, prefix="B", author=None) -> list[CooperationItem]:
    """``count`` items with history (a tenth top-level, the rest their sub-items), with
    leads, co-owners, milestones and status updates, created in a few bulk queries."""
    agreement = Agreement.objects.first() or Agreement.objects.create(code="bulk", title_zh="批量")
    orgs = list(Organization.objects.order_by("pk")[:4]) or [
        make_org(f"{prefix.lower()}-{i}", City.CHENGDU if i % 2 else City.YIBIN) for i in range(4)
    ]
    chengdu = [o for o in orgs if o.city == City.CHENGDU] or orgs
    yibin = [o for o in orgs if o.city == City.YIBIN] or orgs
    statuses, healths = list(Status.values), list(Health.values)
    tops = max(1, count // 10)

    def build(i, parent=None):
        status = statuses[i % len(statuses)]
        return CooperationItem(
            agreement=agreement,
            code=f"{prefix}-{i}",
            category=Category.values[i % 4],
            title_zh=f"批量事项{i}",
            parent=parent,
            chengdu_lead=chengdu[i % len(chengdu)],
            yibin_lead=yibin[i % len(yibin)],
            status=status,
            health=healths[i % len(healths)],
            progress=100 if status == Status.COMPLETED else i % 100,
            weight=1 + i % 3,
            target_date=timezone.localdate() + datetime.timedelta(days=(i % 40) - 20),
        )

    parents = bulk_create_with_history([build(i) for i in range(tops)], CooperationItem)
    children = bulk_create_with_history(
        [build(i, parents[i % tops]) for i in range(tops, count)], CooperationItem
    )
    items = parents + children
    through = CooperationItem.co_owners.through
    through.objects.bulk_create(
        [
            through(cooperationitem=item, organization=orgs[i % len(orgs)])
            for i, item in enumerate(items[::5])
        ]
    )
    bulk_create_with_history(
        [Milestone(item=item, title_zh="里程碑", due_date=item.target_date) for item in items[::3]],
        Milestone,
    )
    author = author or get_user_model().objects.create_user(f"{prefix}-author")
    now = timezone.now()
    bulk_create_with_history(
        [
            StatusUpdate(
                item=item,
                author=author,
                organization=orgs[i % len(orgs)],
                status=item.status,
                health=item.health,
                progress=item.progress,
                narrative="=cmd|' /C calc'!A0" if i == 0 else "批量进展",
                reported_at=now - datetime.timedelta(days=i % 60),
            )
            for i, item in enumerate(items[::2])
        ],
        StatusUpdate,
    )
    return items
