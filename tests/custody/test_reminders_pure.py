"""Reminder stages and the next-annuity state as plain Python (the engine's schedule, no database)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from apps.custody.annuity import annuity_schedule
from apps.custody.reminders import (
    annuity_state,
    default_paid_through,
    next_stage_on,
    reminder_stages,
    schedule_for,
    stage_on,
)

SCHEDULE = annuity_schedule(kind="invention", filing_date=date(2020, 3, 2), grant_date=date(2022, 6, 7))
YEAR_8 = next(y for y in SCHEDULE if y.year == 8)


def test_stages_run_from_the_offsets_through_each_grace_month_to_the_lapse():
    stages = reminder_stages(YEAR_8, [7, 90, 30])
    assert [(s.kind, s.starts_on) for s in stages[:4]] == [
        ("before_90", date(2026, 12, 2)),
        ("before_30", date(2027, 1, 31)),
        ("before_7", date(2027, 2, 23)),
        ("grace_1", date(2027, 3, 3)),
    ]
    grace = [s for s in stages if s.kind.startswith("grace_")]
    assert [s.late_fee for s in grace] == [
        Decimal(v) for v in ("0.00", "100.00", "200.00", "300.00", "400.00", "500.00")
    ]
    assert (stages[-1].kind, stages[-1].starts_on, stages[-1].late_fee) == (
        "lapsed",
        date(2027, 9, 3),
        Decimal("500.00"),
    )


def test_the_stage_in_force_is_the_latest_started_so_missed_days_send_one_reminder():
    stages = reminder_stages(YEAR_8, [90, 30, 7])
    assert stage_on(stages, date(2026, 12, 1)) is None
    assert stage_on(stages, date(2026, 12, 2)).kind == "before_90"
    # A scan that did not run for two months sends the 30-day reminder, not the 90-day one as well.
    assert stage_on(stages, date(2027, 2, 1)).kind == "before_30"
    assert stage_on(stages, date(2027, 4, 3)).kind == "grace_2"
    assert stage_on(stages, date(2027, 9, 2)).kind == "grace_6"
    assert stage_on(stages, date(2027, 9, 3)).kind == "lapsed"
    assert next_stage_on(stages, date(2027, 2, 1)) == date(2027, 2, 23)
    assert next_stage_on(stages, date(2027, 9, 3)) is None


def test_state_is_the_first_unpaid_year_and_its_next_reminder():
    state = annuity_state(SCHEDULE, paid_through_year=7, today=date(2026, 12, 1), offsets=[90, 30, 7])
    assert (state.next_year, state.next_due_date, state.grace_deadline) == (8, date(2027, 3, 2), date(2027, 9, 2))
    assert (state.next_fee, state.next_full_fee, state.next_reminder_on) == (
        Decimal("2000.00"),
        Decimal("2000.00"),
        date(2026, 12, 2),
    )
    # Inside a stage already: the reminder is due today (the log decides whether it went out before).
    late = annuity_state(SCHEDULE, paid_through_year=7, today=date(2027, 4, 10), offsets=[90, 30, 7])
    assert late.next_reminder_on == date(2027, 4, 10)
    # Paid to the end of the term: nothing is owed.
    assert annuity_state(SCHEDULE, paid_through_year=20, today=date(2026, 12, 1), offsets=[90]).next_year is None


def test_years_due_before_the_start_are_taken_as_paid():
    assert default_paid_through(SCHEDULE, before=date(2026, 11, 1)) == 7
    assert default_paid_through(SCHEDULE, before=date(2026, 3, 2)) == 6


def test_only_granted_patents_in_force_owe_annuities():
    args = {"filing_date": date(2020, 3, 2), "grant_date": date(2022, 6, 7), "reduction": None}
    assert schedule_for(kind="invention", legal_status="granted", **args)
    assert schedule_for(kind="software_copyright", legal_status="granted", **args) == []
    assert schedule_for(kind="invention", legal_status="expired", **args) == []
    assert (
        schedule_for(
            kind="invention", legal_status="pending", filing_date=date(2020, 3, 2), grant_date=None, reduction=None
        )
        == []
    )
