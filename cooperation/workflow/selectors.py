"""Reads of the loop that pages need, in a fixed number of queries."""

from collections import defaultdict

from django.db.models import Prefetch

from cooperation.models import Comment, CompletionRequest, Evidence

from . import rules
from .comments import may_comment
from .completion import pending_request
from .digest import todo_for
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


def todo_page(user) -> dict:
    todo = todo_for(user)
    return {"todo": todo, "reviews": list(reports_awaiting_review(user))}
