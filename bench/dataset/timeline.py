"""Bulk creation of history-tracked rows whose history has several steps.

``bulk_create_with_history`` records one "+" row per object, with the values the object is
saved with. Items and milestones are saved in their final state, but were created long before
in another state and changed since. Their timeline goes through simple-history's
``bulk_history_create``: a "+" row with the first state, then a "~" row for each change,
dated, attributed and with a reason; the last step equals the saved row.
"""

import datetime
from dataclasses import dataclass, field

from simple_history.utils import get_history_manager_for_model

BATCH = 2000


@dataclass
class Step:
    date: datetime.datetime
    user: object  # a user instance (an unsaved stub with the right pk is enough)
    reason: str
    values: dict = field(default_factory=dict)


class _Snapshot:
    """The object's attributes at one step: all that ``bulk_history_create`` reads."""


def bulk_create_with_timeline(model, objs: list, timelines: list[list[Step]]) -> list:
    """Save ``objs`` (final state) and one history row per step of each timeline."""
    created = model._default_manager.bulk_create(objs, batch_size=BATCH)
    manager = get_history_manager_for_model(model)
    first, later = [], []
    for obj, steps in zip(created, timelines, strict=True):
        for index, step in enumerate(steps):
            snapshot = _Snapshot()
            snapshot.__dict__.update(obj.__dict__)
            snapshot.__dict__.update(step.values)
            snapshot._history_date = step.date
            snapshot._history_user = step.user
            snapshot._change_reason = step.reason
            (first if index == 0 else later).append(snapshot)
    manager.bulk_history_create(first, batch_size=BATCH)
    manager.bulk_history_create(later, batch_size=BATCH, update=True)
    return created
