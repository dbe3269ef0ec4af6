"""Comments on items and reports (审核意见, discussion), with @mentions.

Bodies are plain text (escaped when shown), at most COMMENT_MAX_LENGTH characters; an edit is
a history row; a person mentioned for the first time in a comment is notified once.
"""

import re

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from cooperation import permissions
from cooperation.choices import NoticeKind
from cooperation.models import Comment
from cooperation.models.workflow import COMMENT_MAX_LENGTH
from cooperation.services import tracked_save

from .notify import notify

MENTION = re.compile(r"(?<![\w@])@([\w.+-]+(?:@[\w.-]+)?)")


def may_comment(user, item) -> bool:
    """Supervisors and city leaders on any item; coordinators on the items they may change
    (their organisations' items); viewers read."""
    if not user.is_authenticated or not user.is_active:
        return False
    if permissions.is_supervisor(user) or permissions.is_leader(user):
        return True
    can_change = getattr(item, "can_change", None)
    if can_change is not None:
        return bool(can_change)
    return permissions.restrict_items(user, "change").filter(pk=item.pk).exists()


def mentioned_users(body: str):
    names = {name.rstrip(".") for name in MENTION.findall(body)}
    if not names:
        return []
    return list(get_user_model().objects.filter(username__in=names, is_active=True))


def _clean(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Write a comment first.")}, code="empty")
    if len(body) > COMMENT_MAX_LENGTH:
        raise ValidationError(
            {
                "body": _("A comment has at most %(max)s characters (this one has %(n)s).")
                % {"max": COMMENT_MAX_LENGTH, "n": len(body)}
            },
            code="too_long",
        )
    return body


def comment_add(*, item, user, body: str, status_update=None) -> Comment:
    if not may_comment(user, item):
        raise PermissionDenied(_("You may not comment on this item."))
    body = _clean(body)
    if status_update is not None and status_update.item_id != item.pk:
        raise ValidationError(_("That report belongs to another item."), code="wrong_item")
    with transaction.atomic():
        comment = Comment(item=item, status_update=status_update, author=user, body=body)
        tracked_save(comment, user=user, reason=gettext_noop("Comment added"))
        mentioned = [u for u in mentioned_users(body) if u.pk != user.pk]
        comment.mentions.set(mentioned)
        _tell(comment, mentioned)  # in the transaction: told only if it happened
    return comment


def comment_edit(*, comment: Comment, user, body: str) -> Comment:
    body = _clean(body)
    with transaction.atomic():
        row = Comment.objects.select_for_update().get(pk=comment.pk)
        if row.author_id != user.pk:
            raise PermissionDenied(_("Only the author can edit a comment."))
        if row.body == body:
            return row
        before = set(row.mentions.values_list("pk", flat=True))
        tracked_save(
            row,
            user=user,
            reason=gettext_noop("Comment edited"),
            fields={"body": body, "edited_at": timezone.now()},
        )
        mentioned = [u for u in mentioned_users(body) if u.pk != user.pk]
        row.mentions.set(mentioned)
        new = [u for u in mentioned if u.pk not in before]
        _tell(row, new)  # in the transaction: told only if it happened
    return row


def _tell(comment: Comment, people) -> None:
    who = comment.author.get_full_name() or comment.author.username
    for person in people:
        notify(
            user=person,
            kind=NoticeKind.MENTION,
            key=f"mention:{comment.pk}",
            item=comment.item,
            title=gettext_noop("%(who)s mentioned you on %(item)s"),
            body=gettext_noop("%(text)s"),
            url=comment.get_absolute_url(),
            params={"who": who, "item": comment.item.code, "text": comment.body[:500]},
        )
