"""Working days (工作日) for registration deadlines, on a calendar kept as data.

China's working week is Monday to Friday, except where the State Council's yearly holiday notice says
otherwise: public holidays fall on weekdays (not working), and make-up working days (调休) fall on
Saturdays or Sundays (working). Those exceptions live in :class:`apps.contracts.models.WorkingDayException`
(loaded by a data migration, editable by the operator in the admin); these functions take them as a
plain mapping ``{date: is_working_day}`` and do no database work.

Counting follows the usual rule for administrative periods: the day of the triggering event (the
application) is not counted; the period ends at the end of its last working day.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

Exceptions = Mapping[date, bool]

# A deadline is searched at most this far ahead: protects against a calendar edited into a year
# without any working day.
_MAX_SCAN_DAYS = 3660


def is_working_day(day: date, exceptions: Exceptions) -> bool:
    """Whether ``day`` is a working day: the exception if there is one, else Monday to Friday."""
    if day in exceptions:
        return exceptions[day]
    return day.weekday() < 5


def add_working_days(start: date, n: int, exceptions: Exceptions) -> date:
    """The ``n``-th working day after ``start`` (``start`` itself not counted); ``n`` ≥ 1."""
    if n < 1:
        raise ValueError("n must be at least 1")
    day = start
    counted = 0
    for _step in range(_MAX_SCAN_DAYS):
        day += timedelta(days=1)
        if is_working_day(day, exceptions):
            counted += 1
            if counted == n:
                return day
    raise ValueError("the calendar has no working days in the years ahead")


def working_days_between(start: date, end: date, exceptions: Exceptions) -> int:
    """How many working days lie after ``start`` up to and including ``end`` (0 when end ≤ start)."""
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        if is_working_day(day, exceptions):
            count += 1
    return count


def years_between(start: date, end: date) -> set[int]:
    return set(range(start.year, end.year + 1))
