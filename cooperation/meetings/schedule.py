"""A mechanism's recurrence: which date each numbered meeting falls on, and who hosts it."""

import datetime
from collections.abc import Iterator
from dataclasses import dataclass

from dateutil.rrule import rrulestr
from django.utils import timezone

from cooperation.choices import City
from cooperation.models import ConsultationMechanism

from .workdays import next_working_day

MAX_OCCURRENCES = 5000


@dataclass(frozen=True)
class Slot:
    """Meeting number ``sequence`` of a mechanism, as its rule and the holidays place it."""

    sequence: int
    rule_date: datetime.date
    starts_at: datetime.datetime
    host_city: str
    holiday_data_missing: bool


def rule_dates(mechanism: ConsultationMechanism) -> Iterator[tuple[int, datetime.date]]:
    """(sequence, date by the rule) from the anchor date on, numbered from 1."""
    start = datetime.datetime.combine(mechanism.anchor_date, datetime.time())
    rule = rrulestr(mechanism.recurrence, dtstart=start)
    for index, occurrence in enumerate(rule):
        if index >= MAX_OCCURRENCES:
            return
        yield index + 1, occurrence.date()


def host_city(mechanism: ConsultationMechanism, sequence: int) -> str:
    """Chengdu and Yibin take turns; the first host city hosts meeting number 1."""
    first = mechanism.first_host_city
    if first not in (City.CHENGDU, City.YIBIN):
        return first
    other = City.YIBIN if first == City.CHENGDU else City.CHENGDU
    return first if sequence % 2 == 1 else other


def local_start(day: datetime.date, time_of_day: datetime.time) -> datetime.datetime:
    """An aware datetime for ``day`` at ``time_of_day`` in the project's time zone."""
    return timezone.make_aware(datetime.datetime.combine(day, time_of_day))


def slot(mechanism: ConsultationMechanism, sequence: int, rule_date: datetime.date) -> Slot:
    working = next_working_day(rule_date)
    return Slot(
        sequence=sequence,
        rule_date=rule_date,
        starts_at=local_start(working.day, mechanism.default_time),
        host_city=host_city(mechanism, sequence),
        holiday_data_missing=working.holiday_data_missing,
    )


def slots_until(mechanism: ConsultationMechanism, until: datetime.date) -> Iterator[Slot]:
    for sequence, rule_date in rule_dates(mechanism):
        if rule_date > until:
            return
        yield slot(mechanism, sequence, rule_date)


def slot_before(mechanism: ConsultationMechanism, day: datetime.date) -> Slot | None:
    """The last slot whose rule date is before ``day``."""
    previous = None
    for sequence, rule_date in rule_dates(mechanism):
        if rule_date >= day:
            break
        previous = (sequence, rule_date)
    return slot(mechanism, *previous) if previous else None
