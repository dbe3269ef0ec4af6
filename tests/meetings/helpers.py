import datetime

from django.utils import timezone


def local(*args) -> datetime.datetime:
    """An aware datetime in Beijing time."""
    return timezone.make_aware(datetime.datetime(*args))


def wait_until(predicate, timeout: float = 30, every: float = 0.1) -> bool:
    """Poll ``predicate`` until it is true or ``timeout`` seconds have passed."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(every)
    return bool(predicate())
