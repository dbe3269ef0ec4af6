"""Writes for the notification list and the personal calendar feed."""

from django.utils import timezone

from cooperation.models import Notification, Profile
from cooperation.models.organizations import new_calendar_token


def notification_mark_read(*, user, notification_id: int) -> bool:
    """Mark one of the user's notifications read; False when it is not theirs."""
    changed = Notification.objects.filter(
        pk=notification_id, user=user, read_at__isnull=True
    ).update(read_at=timezone.now())
    return bool(changed) or Notification.objects.filter(pk=notification_id, user=user).exists()


def notifications_mark_all_read(*, user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def profile_for(user) -> Profile:
    profile, _created = Profile.objects.get_or_create(user=user)
    return profile


def calendar_token_renew(*, user) -> str:
    """A new secret feed address; the old one stops working at once."""
    profile = profile_for(user)
    profile.calendar_token = new_calendar_token()
    profile.save(update_fields=["calendar_token"])
    return profile.calendar_token
