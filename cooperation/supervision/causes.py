"""Slip causes read from the supervision loop's records (two queries).

- a report returned twice: an item with two or more reports returned since its last
  accepted report; one chain per first returned report;
- a missed acknowledgement: a current lead that has not acknowledged the item by its due
  date; one chain per acknowledgement.
"""

import datetime

from django.db.models import Count, Exists, Min, OuterRef

from cooperation.choices import ReviewState
from cooperation.models import StatusUpdate
from cooperation.models.supervision import SlipCause
from cooperation.models.workflow import Acknowledgement


def returned_twice(*, today: datetime.date) -> list:
    from .slips import Candidate

    accepted_later = StatusUpdate.objects.filter(
        item=OuterRef("item"),
        review_state=ReviewState.ACCEPTED,
        reported_at__gt=OuterRef("reported_at"),
    )
    rows = (
        StatusUpdate.objects.filter(review_state=ReviewState.RETURNED)
        .exclude(Exists(accepted_later))
        .order_by()
        .values("item")
        .annotate(returned=Count("pk"), first=Min("pk"))
        .filter(returned__gte=2)
        .values_list("item", "returned", "first")
    )
    return [
        Candidate(item, SlipCause.REPORT_RETURNED_TWICE, f"returned:{first}", {"returned": count})
        for item, count, first in rows
    ]


def acknowledgements_missed(*, today: datetime.date) -> list:
    from .slips import Candidate

    rows = Acknowledgement.objects.missed(today).values_list(
        "pk", "item_id", "organization__name_zh", "due_date"
    )
    return [
        Candidate(
            item,
            SlipCause.ACKNOWLEDGEMENT_MISSED,
            f"ack:{pk}",
            {"organization": name, "due_date": str(due)},
        )
        for pk, item, name, due in rows
    ]


def workflow_candidates(*, today: datetime.date) -> list:
    return returned_twice(today=today) + acknowledgements_missed(today=today)
