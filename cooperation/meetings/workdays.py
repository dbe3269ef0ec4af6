"""Working days in mainland China: weekends, public holidays and make-up working days (调休)."""

import datetime
from dataclasses import dataclass

import chinese_calendar


@dataclass(frozen=True)
class WorkingDay:
    day: datetime.date
    holiday_data_missing: bool


def is_working_day(day: datetime.date) -> tuple[bool, bool]:
    """Whether ``day`` is a working day, and whether that was a guess (no official data)."""
    try:
        return chinese_calendar.is_workday(day), False
    except NotImplementedError:
        # chinese-calendar only knows the years the State Council has published.
        return day.weekday() < 5, True


def next_working_day(day: datetime.date) -> WorkingDay:
    """``day`` itself when it is a working day, else the first working day after it."""
    missing = False
    for _step in range(60):
        working, guessed = is_working_day(day)
        missing = missing or guessed
        if working:
            return WorkingDay(day, missing)
        day += datetime.timedelta(days=1)
    raise ValueError(f"no working day in the 60 days from {day}")


def add_working_days(day: datetime.date, count: int) -> datetime.date:
    """The ``count``-th working day after ``day`` (``day`` itself not counted)."""
    for _step in range(count):
        day = next_working_day(day + datetime.timedelta(days=1)).day
    return day
