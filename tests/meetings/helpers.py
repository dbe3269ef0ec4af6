import datetime

from django.utils import timezone


def local(*args) -> datetime.datetime:
    """An aware datetime in Beijing time."""
    return timezone.make_aware(datetime.datetime(*args))
