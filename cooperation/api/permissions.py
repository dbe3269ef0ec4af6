"""The API's side of ``cooperation.permissions``: adapters only, no rule of their own."""

from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.permissions import BasePermission

from cooperation import permissions, selectors
from cooperation.models import CooperationItem


class SignedIn(BasePermission):
    """Any active user, signed in with the session or a token (what every web page needs)."""

    def has_permission(self, request, view):
        return permissions.sees_every_item(request.user)


def changeable_item(request, pk: int) -> CooperationItem:
    """The item if ``request.user`` may report on it: 404 if unknown, else 403, logged."""
    item = (
        selectors.item_queryset(user=request.user, action="change")
        .prefetch_related("milestones")
        .filter(pk=pk)
        .first()
    )
    if item is not None:
        return item
    if not CooperationItem.objects.filter(pk=pk).exists():
        raise exceptions.NotFound(_("No such item."))
    permissions.log_denied(request, f"api status report on item {pk}")
    raise exceptions.PermissionDenied(_("You may not change this item."))
