"""Cooperation items with sub-items, milestones, ten status updates each, and their history.

Everything about item ``i`` comes from its own random stream (``seed:item:i``), so a smaller
dataset is a prefix of a larger one made from the same seed and anchor date.
"""

import datetime
import random
from dataclasses import dataclass

from simple_history.utils import bulk_create_with_history

from cooperation.choices import Category, Health, Status
from cooperation.models import Agreement, CooperationItem, Milestone, StatusUpdate

from . import loop, words
from .people import People
from .timeline import Step, bulk_create_with_timeline

UPDATES_PER_ITEM = 10
CHUNK = 1000  # items per transaction; a multiple of the family size
FAMILY = 5  # item 5k is a parent, 5k+1 and 5k+2 its sub-items, 5k+3 and 5k+4 stand alone
CATEGORIES = [
    (Category.KEY_PROJECT, 30),
    (Category.SPECIAL_AGREEMENT, 35),
    (Category.COUNTY_PAIRING, 15),
    (Category.CONSULTATION_FOLLOWUP, 15),
    (Category.OTHER, 5),
]
HEALTH = [(Health.ON_TRACK, 70), (Health.AT_RISK, 20), (Health.OFF_TRACK, 10)]
REASON = "Status report"
REVIEWERS = 21  # the generated supervisors (bench-admin and the concurrent clients)


def _pick(rng: random.Random, weighted):
    return rng.choices([v for v, _w in weighted], weights=[w for _v, w in weighted])[0]


@dataclass
class Plan:
    item: CooperationItem
    steps: list[Step]
    updates: list[StatusUpdate]
    milestones: list[tuple[Milestone, list[Step]]]
    co_owner_id: int | None


class Planner:
    def __init__(self, *, seed: int, anchor: datetime.datetime, people: People, actor):
        self.seed, self.anchor, self.people, self.actor = seed, anchor, people, actor
        self.agreement = Agreement.objects.get(code="cdyb-2020-main")
        self.organizations = people.chengdu + people.yibin

    def plan(self, index: int) -> Plan:
        rng = random.Random(f"{self.seed}:item:{index}")
        created = self.anchor - datetime.timedelta(days=rng.uniform(200, 1800))
        chengdu = rng.choice(self.people.chengdu)
        yibin = rng.choice(self.people.yibin) if rng.random() < 0.85 else None
        item = CooperationItem(
            agreement=self.agreement,
            category=_pick(rng, CATEGORIES),
            code=f"G-{index + 1:06d}",
            chengdu_lead=chengdu,
            yibin_lead=yibin,
            weight=rng.randint(1, 3),
            sort_order=1000 + index,
            created_at=created,
            source_note="generated for benchmarks",
            **self._titles(rng, index, chengdu.city),
        )
        authors = [
            (user, org)
            for org in (chengdu, yibin)
            if org is not None
            for user in self.people.coordinators.get(org.pk, [])
        ]
        steps, updates = self._timeline(rng, item, created, authors)
        milestones = self._milestones(rng, item, created, updates)
        co_owner = rng.choice(self.organizations).pk if rng.random() < 0.1 else None
        return Plan(item, steps, updates, milestones, co_owner)

    def _titles(self, rng, index, city) -> dict:
        action_zh, action_en = rng.choice(words.ACTIONS)
        district_zh, district_en = rng.choice(words.DISTRICTS[city])
        sector_zh, sector_en = rng.choice(words.SECTORS)
        object_zh, object_en = rng.choice(words.OBJECTS)
        return {
            "title_zh": f"{action_zh}{district_zh}{sector_zh}{object_zh}（{index + 1}号）",
            "title_en": (
                f"{action_en} {object_en} for {sector_en} in {district_en} (No. {index + 1})"
            ),
            "description_zh": (
                f"围绕{sector_zh}领域，{action_zh}{object_zh}，两地牵头单位按季度会商推进。"
            ),
            "description_en": f"{action_en} {object_en} in {sector_en}; reviewed every quarter.",
        }

    def _timeline(self, rng, item, created, authors):
        lag = datetime.timedelta(days=min(rng.expovariate(1 / 25), 400))
        last = self.anchor - lag
        first = created + datetime.timedelta(days=7)
        span = max((last - first).total_seconds(), 3600 * UPDATES_PER_ITEM)
        times = sorted(first + datetime.timedelta(seconds=rng.uniform(0, span)) for _ in range(10))
        start = None if rng.random() < 0.08 else rng.randint(0, 3)
        final = Status.NOT_STARTED
        if start is not None:
            final = _pick(
                rng,
                [
                    (Status.IN_PROGRESS, 73),
                    (Status.COMPLETED, 15),
                    (Status.SUSPENDED, 8),
                    (Status.CANCELLED, 4),
                ],
            )
        top = 100 if final == Status.COMPLETED else rng.randint(UPDATES_PER_ITEM + 5, 95)
        started = UPDATES_PER_ITEM - start if start is not None else 0
        progress = sorted(rng.sample(range(1, top), max(started - 1, 0))) + (
            [top] if started else []
        )
        state = {
            "status": Status.NOT_STARTED,
            "health": Health.ON_TRACK,
            "progress": 0,
            "start_date": None,
        }
        creator = authors[0][0] if authors else self.actor
        steps = [Step(created, creator, "Created", dict(state))]
        updates = []
        for k, when in enumerate(times):
            user, org = rng.choice(authors) if authors else (self.actor, None)
            if start is not None and k >= start:
                state["status"] = final if k == UPDATES_PER_ITEM - 1 else Status.IN_PROGRESS
                state["progress"] = progress[k - start]
                state["start_date"] = state["start_date"] or when.date()
            state["health"] = (
                Health.ON_TRACK if final == Status.COMPLETED and k == 9 else _pick(rng, HEALTH)
            )
            updates.append(self._update(rng, user, org, state, when))
            if state != steps[-1].values:
                steps.append(Step(when, user, REASON, dict(state)))
        loop.review(
            rng,
            updates,
            self.anchor,
            self.people.users[:REVIEWERS],
            latest_pending=item.code == loop.FIRST,
        )
        for name, value in state.items():
            setattr(item, name, value)
        item.version = 1 + UPDATES_PER_ITEM
        target = created.date() + datetime.timedelta(days=rng.randint(365, 1800))
        if item.start_date and target < item.start_date:
            target = item.start_date + datetime.timedelta(days=30)
        item.target_date = target
        return steps, updates

    def _update(self, rng, user, org, state, when) -> StatusUpdate:
        troubled = state["health"] != Health.ON_TRACK
        update = StatusUpdate(
            author=user,
            organization=org,
            status=state["status"],
            health=state["health"],
            progress=state["progress"],
            narrative=rng.choice(words.NARRATIVES[2:] if troubled else words.NARRATIVES),
            risks=rng.choice(words.RISKS[2:] if troubled else words.RISKS),
            next_steps=rng.choice(words.NEXT_STEPS),
            reported_at=when,
        )
        update._history_date, update._history_user, update._change_reason = when, user, REASON
        return update

    def _milestones(self, rng, item, created, updates):
        count = rng.choice([0, 1, 2, 2, 3, 4])
        end = datetime.datetime.combine(item.target_date, datetime.time(12), tzinfo=datetime.UTC)
        result = []
        for k in range(count):
            title_zh, title_en = words.MILESTONES[
                min(k + rng.randint(0, 2), len(words.MILESTONES) - 1)
            ]
            due = created + (end - created) * (k + 1) / (count + 1)
            done = None
            if item.status == Status.COMPLETED:
                done = min(due, updates[-1].reported_at)
            elif due < self.anchor and rng.random() < 0.7:
                done = min(due + datetime.timedelta(days=rng.randint(-10, 20)), self.anchor)
            milestone = Milestone(
                title_zh=title_zh,
                title_en=title_en,
                due_date=due.date(),
                sort_order=k,
                done_date=done.date() if done else None,
            )
            author = updates[0].author
            steps = [Step(created, author, "Created", {"done_date": None})]
            if done:
                steps.append(Step(max(done, created), author, REASON, {"done_date": done.date()}))
            result.append((milestone, steps))
        return result


def build(*, seed: int, count: int, anchor: datetime.datetime, people: People, actor, log) -> None:
    planner = Planner(seed=seed, anchor=anchor, people=people, actor=actor)
    for start in range(0, count, CHUNK):
        plans = [planner.plan(i) for i in range(start, min(start + CHUNK, count))]
        _save_chunk(plans)
        log(f"items {min(start + CHUNK, count):,}/{count:,}")


def _save_chunk(plans: list[Plan]) -> None:
    from django.db import transaction

    with transaction.atomic():
        parents = [p for n, p in enumerate(plans) if n % FAMILY not in (1, 2)]
        bulk_create_with_timeline(
            CooperationItem, [p.item for p in parents], [p.steps for p in parents]
        )
        children = []
        for n, plan in enumerate(plans):
            if n % FAMILY in (1, 2):
                plan.item.parent = plans[n - n % FAMILY].item
                children.append(plan)
        bulk_create_with_timeline(
            CooperationItem, [p.item for p in children], [p.steps for p in children]
        )
        updates = []
        for plan in plans:
            for update in plan.updates:
                update.item = plan.item
                updates.append(update)
        bulk_create_with_history(updates, StatusUpdate, batch_size=2000)
        milestones = [(m, steps) for plan in plans for m, steps in _attach(plan)]
        bulk_create_with_timeline(
            Milestone, [m for m, _s in milestones], [s for _m, s in milestones]
        )
        through = CooperationItem.co_owners.through
        through.objects.bulk_create(
            [
                through(cooperationitem_id=p.item.pk, organization_id=p.co_owner_id)
                for p in plans
                if p.co_owner_id
            ]
        )


def _attach(plan: Plan):
    for milestone, steps in plan.milestones:
        milestone.item = plan.item
        yield milestone, steps
