"""One form = one result: the form's one-time token (``submission_token``) is claimed in the
same transaction as the write it guards, so a form sent again (Back, then submit; a double
click) shows what was saved the first time instead of saving it again."""

import uuid
from collections.abc import Callable

from django import forms
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from .models.submissions import FormSubmission

TOKEN_FIELD = "submission_token"  # noqa: S105  (a field name, not a secret)
ALREADY_SAVED = _(
    "This form was already submitted and saved: what was saved then is shown. Nothing was "
    "saved again."
)


class AlreadySubmitted(Exception):
    """The form's token was used: ``url`` shows what it saved ("" if not the user's)."""

    def __init__(self, url: str):
        self.url = url
        super().__init__(url)


def token_field() -> forms.UUIDField:
    """The hidden one-time token; a new one each time the empty form is shown."""
    return forms.UUIDField(
        widget=forms.HiddenInput,
        required=False,
        initial=uuid.uuid4,
        error_messages={"invalid": _("The form is incomplete. Reload the page and try again.")},
    )


def submit_once(*, token: uuid.UUID | None, user, kind: str, action: Callable):
    """Run ``action()`` (a service call returning what it saved) at most once per ``token``.

    Raises AlreadySubmitted when the token was used. Without a token (a client that sends
    none) the action simply runs.
    """
    if token is None:
        return action()
    with transaction.atomic():
        try:
            with transaction.atomic():
                claim = FormSubmission.objects.create(token=token, user=user, kind=kind)
        except IntegrityError:
            used = FormSubmission.objects.filter(token=token, user=user).first()
            raise AlreadySubmitted(used.result_url if used else "") from None
        result = action()
        claim.result_url = result.get_absolute_url()[:300]
        claim.save(update_fields=["result_url"])
    return result


def without_token(data: dict) -> dict:
    return {name: value for name, value in data.items() if name != TOKEN_FIELD}
