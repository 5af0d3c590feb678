"""Working days on a calendar kept as data: holidays and make-up working weekend days (调休)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from apps.contracts.workdays import add_working_days, is_working_day, working_days_between

DATA = Path(__file__).resolve().parents[2] / "apps" / "contracts" / "data" / "working_day_exceptions.json"


def _calendar() -> dict[date, bool]:
    rows = json.loads(DATA.read_text(encoding="utf-8"))["days"]
    return {date.fromisoformat(r["date"]): r["is_working_day"] for r in rows}


def test_plain_weeks_skip_weekends():
    # Monday 2026-11-02 + 5 working days = the next Monday.
    assert add_working_days(date(2026, 11, 2), 5, {}) == date(2026, 11, 9)
    # From a Friday the count starts on Monday.
    assert add_working_days(date(2026, 11, 6), 1, {}) == date(2026, 11, 9)
    # From a Saturday too.
    assert add_working_days(date(2026, 11, 7), 1, {}) == date(2026, 11, 9)


def test_a_holiday_is_skipped_and_a_make_up_saturday_counts():
    holiday = date(2026, 11, 4)  # a Wednesday off
    make_up = date(2026, 11, 7)  # the Saturday worked instead
    exceptions = {holiday: False, make_up: True}
    assert not is_working_day(holiday, exceptions)
    assert is_working_day(make_up, exceptions)
    # Mon 2 → Tue 3 (1), Wed 4 off, Thu 5 (2), Fri 6 (3), Sat 7 (4), Mon 9 (5).
    assert add_working_days(date(2026, 11, 2), 5, exceptions) == date(2026, 11, 9)
    assert add_working_days(date(2026, 11, 2), 4, exceptions) == date(2026, 11, 7)
    assert add_working_days(date(2026, 11, 2), 4, {}) == date(2026, 11, 6)


def test_national_day_golden_week_2026_with_its_make_up_days():
    """Applied Friday 18 September 2026: 15 working days end on 15 October, not 9 October.

    Sunday 20 September and Saturday 10 October are worked (调休); Mid-Autumn (25–27 September) and
    National Day (1–7 October) are not.
    """
    calendar = _calendar()
    assert calendar[date(2026, 9, 20)] is True
    assert calendar[date(2026, 10, 10)] is True
    assert all(calendar[date(2026, 10, d)] is False for d in range(1, 8))
    assert calendar[date(2026, 9, 25)] is False
    assert add_working_days(date(2026, 9, 18), 15, calendar) == date(2026, 10, 15)
    # Without the calendar the count would end a week early.
    assert add_working_days(date(2026, 9, 18), 15, {}) == date(2026, 10, 9)
    # Counted day by day: the make-up Sunday is the first working day after the application.
    assert add_working_days(date(2026, 9, 18), 1, calendar) == date(2026, 9, 20)
    # The make-up Saturday right after the golden week counts.
    assert add_working_days(date(2026, 9, 30), 3, calendar) == date(2026, 10, 10)


def test_spring_festival_2026_and_thirty_working_days():
    calendar = _calendar()
    # Applied Friday 13 Feb 2026: Sat 14 Feb is a make-up working day, 15–23 Feb are off.
    assert add_working_days(date(2026, 2, 13), 1, calendar) == date(2026, 2, 14)
    assert add_working_days(date(2026, 2, 13), 2, calendar) == date(2026, 2, 24)
    # 30 working days (the expert-review deadline) from the same day.
    deadline = add_working_days(date(2026, 2, 13), 30, calendar)
    assert working_days_between(date(2026, 2, 13), deadline, calendar) == 30
    # 14 Feb (1), 24–27 Feb (5), Sat 28 Feb (6), four full weeks of March (26), 30 Mar – 2 Apr (30).
    assert deadline == date(2026, 4, 2)


def test_the_2026_data_matches_the_state_council_notice():
    calendar = _calendar()
    make_up_2026 = sorted(d for d, working in calendar.items() if working and d.year == 2026)
    assert make_up_2026 == [
        date(2026, 1, 4),
        date(2026, 2, 14),
        date(2026, 2, 28),
        date(2026, 5, 9),
        date(2026, 9, 20),
        date(2026, 10, 10),
    ]
    assert all(d.weekday() >= 5 for d in make_up_2026)
    holidays_2026 = [d for d, working in calendar.items() if not working and d.year == 2026]
    # 3 + 9 + 3 + 5 + 3 + 3 + 7 days off, weekends inside the spans included.
    assert len(holidays_2026) == 33


@pytest.mark.parametrize("n", [1, 5, 15, 30])
def test_working_days_between_inverts_add(n):
    calendar = _calendar()
    start = date(2026, 9, 1)
    for offset in range(40):
        begin = start + timedelta(days=offset)
        end = add_working_days(begin, n, calendar)
        assert working_days_between(begin, end, calendar) == n
        assert is_working_day(end, calendar)


def test_n_must_be_positive():
    with pytest.raises(ValueError):
        add_working_days(date(2026, 1, 5), 0, {})


def test_add_working_days_agrees_with_a_day_by_day_count_on_random_calendars():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    @settings(max_examples=200, deadline=None)
    @given(
        start=st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 12, 31)),
        n=st.integers(min_value=1, max_value=40),
        flips=st.dictionaries(
            st.dates(min_value=date(2025, 1, 1), max_value=date(2028, 6, 30)), st.booleans(), max_size=60
        ),
    )
    def check(start, n, flips):
        end = add_working_days(start, n, flips)
        days = [start + timedelta(days=i) for i in range(1, (end - start).days + 1)]
        working = [d for d in days if flips.get(d, d.weekday() < 5)]
        assert len(working) == n
        assert working[-1] == end

    check()
