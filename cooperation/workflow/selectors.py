"""Reads of the loop that pages need, in a fixed number of queries."""

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Prefetch
from django.urls import reverse

from cooperation import permissions
from cooperation.models import Comment, CompletionRequest, Evidence

from . import rules
from .comments import may_comment
from .completion import pending_request
from .digest import (
    DIGEST_LIMIT,
    acknowledgements_due,
    requests_to_confirm,
    returned_to,
    slips_to_answer,
)
from .reviews import reports_awaiting_review


def item_loop(*, item, user, updates: list) -> dict:
    """What the item page shows of the loop: each lead's acknowledgement, the request awaiting
    confirmation, each report's review and evidence, the comments."""
    acknowledgements = list(
        item.acknowledgements.filter(active=True).select_related("organization", "acknowledged_by")
    )
    for ack in acknowledgements:
        ack.can_acknowledge = ack.acknowledged_at is None and rules.may_acknowledge(user, ack)
    pending = pending_request(item)
    if pending is not None:
        pending.item = item
        pending.can_decide = rules.may_decide(user, pending)
    evidence = defaultdict(list)
    for row in Evidence.objects.filter(item=item, status_update__isnull=False).order_by("pk"):
        evidence[row.status_update_id].append(row)
    comments = defaultdict(list)
    for comment in (
        Comment.objects.filter(item=item).select_related("author").order_by("created_at", "pk")
    ):
        comment.can_edit = comment.author_id == user.pk
        comments[comment.status_update_id].append(comment)
    for update in updates:
        update.item = item
        update.can_review = update.review_state == "pending" and rules.may_review(user, update)
        update.evidence_files = evidence.get(update.pk, [])
        update.comment_list = comments.get(update.pk, [])
    return {
        "acknowledgements": acknowledgements,
        "pending_completion": pending,
        "item_comments": comments.get(None, []),
        "can_comment": may_comment(user, item),
    }


def completion_detail(pk: int) -> CompletionRequest:
    return (
        CompletionRequest.objects.select_related(
            "item", "item__chengdu_lead", "item__yibin_lead", "requested_by", "decided_by"
        )
        .prefetch_related(
            Prefetch("confirmations"),
            "confirmations__user",
            "confirmations__organization",
            "evidence",
        )
        .get(pk=pk)
    )


TODO_SECTIONS = ("reviews", "confirmations", "acknowledgements", "returned", "slips")


@dataclass
class TodoSection:
    """One list of the To do page: its first rows, how many there are in all, and the page
    listing all of them (``?section=<key>``)."""

    key: str
    rows: list
    total: int
    url: str

    @property
    def more(self) -> bool:
        return self.total > len(self.rows)


def todo_page(user, *, section: str = "") -> dict:
    """The To do page: each list's first ``DIGEST_LIMIT`` rows (the oldest or most urgent
    first) and its exact total, in a fixed number of queries; ``section`` one list in full."""
    orgs = permissions.coordinator_organization_ids(user)
    querysets = {
        "reviews": reports_awaiting_review(user),
        "acknowledgements": acknowledgements_due(orgs),
        "returned": returned_to(user),
        "slips": slips_to_answer(orgs),
    }
    url = reverse("cooperation:todo_list")
    sections = {}
    for key, queryset in querysets.items():
        if not orgs and key in ("acknowledgements", "slips"):
            queryset = queryset.none()
        rows = list(queryset if key == section else queryset[:DIGEST_LIMIT])
        total = len(rows) if key == section else queryset.count()
        sections[key] = TodoSection(key, rows, total, f"{url}?section={key}")
    requests = requests_to_confirm(user)
    if permissions.is_supervisor(user):  # may decide on every one: counted in SQL
        rows = list(requests if section == "confirmations" else requests[:DIGEST_LIMIT])
        total = len(rows) if section == "confirmations" else requests.count()
    else:  # the side each lead may still confirm is checked in Python (``rules.may_decide``)
        confirmations = [r for r in requests if rules.may_decide(user, r)]
        total = len(confirmations)
        rows = confirmations if section == "confirmations" else confirmations[:DIGEST_LIMIT]
    sections["confirmations"] = TodoSection(
        "confirmations", rows, total, f"{url}?section=confirmations"
    )
    return {"sections": sections, "section": section, "limit": DIGEST_LIMIT}
