"""django-axes, with two limits in its one lockout machinery.

A user name from one address is locked after ``AXES_FAILURE_LIMIT`` failures (the owner at
her own desk and other users at the attacker's still sign in); one address is locked for
every user name after ``AXES_ADDRESS_FAILURE_LIMIT`` failures across names, so password
spraying (one wrong guess for each of many names) is refused too. Both count the same failed
attempts, sign-in and password change alike, and end after the same cool-off.
"""

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.db.models import Sum

# The order of AXES_LOCKOUT_PARAMETERS in settings: per name and address, then per address.
PER_NAME, PER_ADDRESS = 0, 1


class LockoutHandler(AxesDatabaseHandler):
    def get_failures(self, request, credentials: dict | None = None) -> float:
        """Failures on the scale of AXES_FAILURE_LIMIT: the per-address count is scaled so
        that it reaches that limit at AXES_ADDRESS_FAILURE_LIMIT."""
        counts = [
            attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        ]
        per_name = counts[PER_NAME] if counts else 0
        per_address = counts[PER_ADDRESS] if len(counts) > PER_ADDRESS else 0
        scale = settings.AXES_FAILURE_LIMIT / settings.AXES_ADDRESS_FAILURE_LIMIT
        return max(per_name, per_address * scale)

    def reset_user_attempts(self, request, credentials: dict | None = None) -> int:
        """A successful sign-in forgives that name's failures from that address only: the
        attempts on other names from the address still count towards the address limit."""
        attempts = self.filter_user_attempts(request, credentials)[PER_NAME]
        count, _ = attempts.delete()
        return count
