"""The profile page's API tokens: create (shown once), list, revoke."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from cooperation.api.tokens import api_token_create, api_token_revoke, api_tokens_of


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=100,
        help_text=gettext_lazy("What the token is for, e.g. “provincial dashboard”."),
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    days = forms.IntegerField(
        label=gettext_lazy("Valid for (days)"),
        min_value=1,
        max_value=settings.CHENGYI_API_TOKEN_DAYS,
        initial=settings.CHENGYI_API_TOKEN_DAYS,
        widget=forms.NumberInput(attrs={"class": "form-control"}),
    )


def _page(request, form, new_token: str = "", status: int = 200):
    context = {
        "form": form,
        "tokens": api_tokens_of(request.user),
        "new_token": new_token,
        "now": timezone.now(),
    }
    return render(request, "cooperation/apitoken_list.html", context, status=status)


# The new token waits in the session for the one page that shows it (after the redirect).
NEW_TOKEN = "chengyi_new_api_token"  # noqa: S105 - a session key, not a secret


@require_GET
@never_cache
def apitoken_list(request):
    return _page(request, ApiTokenForm(), new_token=request.session.pop(NEW_TOKEN, ""))


@require_POST
@never_cache
def apitoken_create(request):
    form = ApiTokenForm(request.POST)
    if form.is_valid():
        try:
            _token, raw = api_token_create(
                user=request.user, name=form.cleaned_data["name"], days=form.cleaned_data["days"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            # Shown on the next page only (popped there); the database keeps only the hash.
            request.session[NEW_TOKEN] = raw
            messages.success(request, _("The token was created. Copy it now."))
            return redirect("cooperation:apitoken_list")
    return _page(request, form, status=400)


@require_POST
def apitoken_revoke(request, pk: int):
    if api_token_revoke(user=request.user, token_id=pk):
        messages.success(request, _("The token was revoked: it no longer works."))
    else:
        messages.warning(request, _("No such active token of yours."))
    return redirect("cooperation:apitoken_list")
