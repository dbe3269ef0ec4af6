"""The supervision loop's records on the generated items, so its pages show real rows.

Reviews are decided when the reports are planned (``review``): older reports accepted, a few
returned with a reason, the latest awaiting review when recent. After the items and the
reminders (``build``): each lead's acknowledgement (a few still open and overdue), pending
completion requests on nearly finished items, comments on the latest reports, and the in-app
notification of every reminder that was sent (mostly read). Random streams are per item (and
per reminder), like the rest of the generator.
"""

import datetime
import random

from django.db.models import OuterRef, Subquery
from simple_history.utils import bulk_create_with_history

from cooperation.choices import (
    City,
    CompletionState,
    ReminderKind,
    ReminderState,
    ReviewState,
    Status,
)
from cooperation.models import (
    Acknowledgement,
    Comment,
    CompletionRequest,
    CooperationItem,
    Notification,
    Reminder,
)

from .people import People

RETURN_REASON = "请补充本期佐证材料并说明进度偏差原因。"
FIRST = "G-000001"  # the benchmark's detail item (bench/pages.py)
PENDING_DAYS = 14
ADMIN_COPY_EVERY = 20  # a latest report younger than this still awaits review
COMMENTS = [
    "请牵头单位在下次会商前补充用地指标落实情况。",
    "已与对方牵头单位对接，下周联合调度。",
    "Please attach the signed framework agreement.",
    "资金拨付进度请与财政部门核实后再报。",
    "同意，按计划推进。",
]


def review(rng, updates: list, anchor, reviewers: list, *, latest_pending=False) -> None:
    """Set each planned report's review: accepted, sometimes returned, the latest pending when
    recent (or ``latest_pending``: the benchmark's detail item shows a report to review)."""
    for index, update in enumerate(updates):
        latest = index == len(updates) - 1
        recent = anchor - update.reported_at < datetime.timedelta(days=PENDING_DAYS)
        if latest and (recent or latest_pending):
            continue  # awaiting review (the model's default)
        update.reviewed_by = rng.choice(reviewers)
        update.reviewed_at = min(
            update.reported_at + datetime.timedelta(days=rng.uniform(0.2, 6)), anchor
        )
        if not latest and rng.random() < 0.02:
            update.review_state = ReviewState.RETURNED
            update.return_reason = RETURN_REASON
        else:
            update.review_state = ReviewState.ACCEPTED


def build(*, seed: int, anchor: datetime.datetime, people: People, actor, log) -> None:
    items = list(
        CooperationItem.objects.filter(code__startswith="G-")
        .order_by("pk")
        .values(
            "pk", "code", "created_at", "status", "progress", "chengdu_lead_id", "yibin_lead_id"
        )
    )
    latest = _latest_updates()
    acks, requests, comments = [], [], []
    supervisors = people.users[:21]
    for row in items:
        rng = random.Random(f"{seed}:loop:{row['code']}")
        coordinators = _coordinators(row, people)
        acks += _acknowledgements(rng, row, coordinators, actor)
        request = _completion(rng, row, coordinators, anchor)
        if request is not None:
            requests.append(request)
        comments += _comments(rng, row, latest.get(row["pk"]), coordinators, supervisors, anchor)
    bulk_create_with_history(
        acks, Acknowledgement, batch_size=2000, default_user=actor,
        default_change_reason="Generated",
    )  # fmt: skip
    bulk_create_with_history(
        requests, CompletionRequest, batch_size=2000, default_user=actor,
        default_change_reason="Generated",
    )  # fmt: skip
    bulk_create_with_history(
        comments, Comment, batch_size=2000, default_user=actor, default_change_reason="Generated"
    )
    log(f"{len(acks):,} acknowledgements, {len(requests)} completion requests, "
        f"{len(comments):,} comments")  # fmt: skip
    log(f"{_notifications(seed, anchor, people.admin):,} notifications")


def _latest_updates() -> dict:
    from cooperation.models import StatusUpdate

    # Every report in time order, the latest kept per item (DISTINCT ON is PostgreSQL's only:
    # the SQLite dataset is built by this too).
    rows = StatusUpdate.objects.order_by("reported_at", "pk").values_list(
        "item_id", "pk", "reported_at"
    )
    return {item_id: (pk, when) for item_id, pk, when in rows.iterator(chunk_size=5000)}


def _coordinators(row: dict, people: People) -> dict:
    return {
        city: people.coordinators.get(org_id, [])
        for city, org_id in (
            (City.CHENGDU, row["chengdu_lead_id"]),
            (City.YIBIN, row["yibin_lead_id"]),
        )
        if org_id is not None
    }


def _acknowledgements(rng, row, coordinators, actor) -> list:
    out = []
    for city, org_id in (
        (City.CHENGDU, row["chengdu_lead_id"]),
        (City.YIBIN, row["yibin_lead_id"]),
    ):
        if org_id is None:
            continue
        assigned = row["created_at"]
        ack = Acknowledgement(
            item_id=row["pk"], organization_id=org_id, city=city, assigned_at=assigned,
            due_date=(assigned + datetime.timedelta(days=5)).date(),
        )  # fmt: skip
        if rng.random() > 0.01:  # one in a hundred was never acknowledged (overdue)
            ack.acknowledged_at = assigned + datetime.timedelta(hours=rng.uniform(1, 150))
            ack.acknowledged_by = rng.choice(coordinators[city] or [actor])
        ack._history_date = ack.acknowledged_at or assigned
        out.append(ack)
    return out


def _completion(rng, row, coordinators, anchor):
    """A pending request to complete a nearly finished item; the first item (the benchmark's
    detail page) always has one: to complete it, or to cancel it when suspended."""
    wanted = {Status.IN_PROGRESS: Status.COMPLETED}
    if row["code"] == FIRST:
        wanted[Status.SUSPENDED] = Status.CANCELLED
    elif not (row["progress"] >= 85 and rng.random() < 0.3):
        return None
    if row["status"] not in wanted:
        return None
    city = City.CHENGDU if coordinators.get(City.CHENGDU) else City.YIBIN
    if not coordinators.get(city):
        return None
    other = [c for c in coordinators if c != city]
    request = CompletionRequest(
        item_id=row["pk"], requested_status=wanted[row["status"]], previous_status=row["status"],
        reason="主体工程已完工，相关验收资料已上传。", requested_by=rng.choice(coordinators[city]),
        requested_at=anchor - datetime.timedelta(days=rng.uniform(0.5, 9)),
        required_cities=[str(c) for c in other], state=CompletionState.PENDING,
    )  # fmt: skip
    request._history_date = request.requested_at
    return request


def _comments(rng, row, latest, coordinators, supervisors, anchor) -> list:
    if latest is None or (row["code"] != FIRST and rng.random() > 0.15):
        return []
    update_id, reported_at = latest
    authors = [u for users in coordinators.values() for u in users] + supervisors[:3]
    out = []
    for k in range(rng.randint(1, 3)):
        when = min(reported_at + datetime.timedelta(hours=rng.uniform(1, 72) * (k + 1)), anchor)
        comment = Comment(
            item_id=row["pk"], status_update_id=update_id if k < 2 else None,
            author=rng.choice(authors), body=rng.choice(COMMENTS), created_at=when,
        )  # fmt: skip
        comment._history_date = when
        out.append(comment)
    return out


def _notifications(seed: int, anchor: datetime.datetime, admin) -> int:
    """The in-app copy of each sent reminder, in both languages (as the dispatcher stores it);
    the benchmark's admin (who signs in for the page timings) also gets a copy of every
    twentieth, so its list has rows in every dataset size."""
    sent = Reminder.objects.filter(state=ReminderState.SENT).select_related(
        "meeting__mechanism", "item"
    )
    batch, copies = [], []
    for reminder in sent.iterator(chunk_size=2000):
        rng = random.Random(f"{seed}:notification:{reminder.pk}")
        title, body, url = _reminder_text(reminder)
        read = reminder.sent_at < anchor - datetime.timedelta(days=3) and rng.random() < 0.85
        read_at = reminder.sent_at + datetime.timedelta(hours=rng.uniform(1, 48)) if read else None
        texts = {"kind": "reminder", "params": {"title": title, "body": body}, "url": url,
                 "title": title["zh-hans"], "body": body["zh-hans"],
                 "read_at": read_at}  # fmt: skip
        batch.append(Notification(user_id=reminder.recipient_id, reminder=reminder, **texts))
        if reminder.pk % ADMIN_COPY_EVERY == 0 and reminder.recipient_id != admin.pk:
            batch.append(Notification(user_id=admin.pk, **texts))
            copies.append((batch[-1], reminder.sent_at))
    Notification.objects.bulk_create(batch, batch_size=2000)
    for copy, sent_at in copies:
        copy.created_at = sent_at
    Notification.objects.bulk_update([c for c, _s in copies], ["created_at"], batch_size=2000)
    # created_at is set on insert: date each one at its reminder's sending.
    sent_at = Reminder.objects.filter(pk=OuterRef("reminder_id")).values("sent_at")[:1]
    Notification.objects.filter(reminder__isnull=False).update(created_at=Subquery(sent_at))
    return len(batch)


def _reminder_text(reminder) -> tuple[dict, dict, str]:
    if reminder.meeting is not None:
        meeting, mechanism = reminder.meeting, reminder.meeting.mechanism
        when = meeting.starts_at.strftime("%Y-%m-%d %H:%M")
        if reminder.kind == ReminderKind.MEETING:
            title = {
                "zh-hans": f"会商提醒：{mechanism.name_zh}第{meeting.sequence}次会议",
                "en": f"Meeting reminder: {mechanism.name_en} No. {meeting.sequence}",
            }
        else:
            title = {
                "zh-hans": f"进展填报通知：{mechanism.name_zh}第{meeting.sequence}次会议前",
                "en": f"Call for status reports before {mechanism.name_en} No. {meeting.sequence}",
            }
        body = {
            "zh-hans": f"会议时间：{when}（北京时间），地点：{meeting.location}。",
            "en": f"The meeting is at {when} Beijing time, {meeting.location}.",
        }
        return title, body, meeting.get_absolute_url()
    item = reminder.item
    title = {
        "zh-hans": f"进展填报提醒：{item.code} {item.title_zh}",
        "en": f"Progress report reminder: {item.code} {item.title_en}",
    }
    body = {
        "zh-hans": "该事项已超过30天未报送进展，请及时填报。",
        "en": "This item has had no progress report for over 30 days: please report.",
    }
    return title, body, item.get_absolute_url()
