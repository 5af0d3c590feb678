"""When annuity reminders fall due, and what a custody asset's next unpaid annuity is: pure, no ORM.

A reminder stage is ``before_<days>`` (the configured offsets before the due date), ``grace_<month>`` (the
first day of each grace month, carrying the late fee owed from then) or ``lapsed`` (the day after the grace
deadline). The scan sends the stage in force on the day it runs, so a missed day sends the latest stage
once rather than every stage it skipped. Amounts and dates come from :mod:`apps.custody.annuity`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date, timedelta
from decimal import Decimal

from apps.custody.annuity import (
    ZERO,
    AnnuityYear,
    FeeReduction,
    annuity_schedule,
    table_on,
)

LAPSED = "lapsed"
_ONE_DAY = timedelta(days=1)
# Legal statuses under which a patent owes no annuities any more.
_NO_ANNUITIES = frozenset({"rejected", "expired", "invalidated"})
PATENT_KINDS = frozenset({"invention", "utility_model", "design"})


@dataclass(frozen=True, slots=True)
class Stage:
    kind: str
    starts_on: date
    late_fee: Decimal


def reminder_stages(year: AnnuityYear, offsets: Sequence[int]) -> list[Stage]:
    """Every reminder stage of one annuity, in date order."""
    stages = [
        Stage(f"before_{days}", year.due_date - timedelta(days=days), ZERO) for days in sorted(set(offsets))[::-1]
    ]
    for month, (first_day, late_fee) in enumerate(year.late_fee_months, start=1):
        stages.append(Stage(f"grace_{month}", first_day, late_fee))
    stages.append(Stage(LAPSED, year.grace_deadline + _ONE_DAY, year.max_late_fee))
    return stages


def stage_on(stages: Sequence[Stage], on: date) -> Stage | None:
    """The stage in force on ``on`` (the latest that has started), or None before the first."""
    current = None
    for stage in stages:
        if stage.starts_on <= on:
            current = stage
        else:
            break
    return current


def next_stage_on(stages: Sequence[Stage], on: date) -> date | None:
    """The day the stage after the one in force on ``on`` starts; None after the last."""
    for stage in stages:
        if stage.starts_on > on:
            return stage.starts_on
    return None


def stored_year(
    *, year: int, due_date: date, grace_deadline: date, fee: Decimal, full_fee: Decimal, reduced: bool, at_grant: bool
) -> AnnuityYear:
    """An :class:`AnnuityYear` rebuilt from the columns a custody asset stores, without a schedule."""
    table = table_on(due_date)
    return AnnuityYear(year, due_date, full_fee, fee, reduced, at_grant, grace_deadline, table.restoration_fee, table)


@dataclass(frozen=True, slots=True)
class AnnuityState:
    """What a custody asset stores about its next unpaid annuity (all None when it owes none)."""

    next_year: int | None = None
    next_due_date: date | None = None
    grace_deadline: date | None = None
    next_fee: Decimal | None = None
    next_full_fee: Decimal | None = None
    next_reduced: bool = False
    next_at_grant: bool = False
    next_reminder_on: date | None = None

    def as_fields(self) -> dict[str, object]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def schedule_for(
    *,
    kind: str,
    legal_status: str,
    filing_date: date | None,
    grant_date: date | None,
    reduction: FeeReduction | None,
    office: str = "CN",
) -> list[AnnuityYear]:
    """The annuities an asset owes over its term; empty for non-patents, ungranted or ended rights, and for
    patents of other offices than CNIPA (whose fees these tables are not)."""
    if office != "CN":
        return []
    if kind not in PATENT_KINDS or filing_date is None or grant_date is None or legal_status in _NO_ANNUITIES:
        return []
    return annuity_schedule(kind=kind, filing_date=filing_date, grant_date=grant_date, reduction=reduction)


def annuity_state(
    schedule: Sequence[AnnuityYear], *, paid_through_year: int, today: date, offsets: Sequence[int]
) -> AnnuityState:
    """The first annuity after ``paid_through_year`` and the day its next reminder falls due.

    When a stage is already in force today the reminder is due today: the reminder log decides whether it
    was sent before.
    """
    for year in schedule:
        if year.year > paid_through_year:
            stages = reminder_stages(year, offsets)
            current = stage_on(stages, today)
            remind_on = today if current is not None else next_stage_on(stages, today)
            return AnnuityState(
                next_year=year.year,
                next_due_date=year.due_date,
                grace_deadline=year.grace_deadline,
                next_fee=year.fee,
                next_full_fee=year.full_fee,
                next_reduced=year.reduced,
                next_at_grant=year.at_grant,
                next_reminder_on=remind_on,
            )
    return AnnuityState()


def default_paid_through(schedule: Sequence[AnnuityYear], *, before: date) -> int:
    """Years due before ``before`` are taken as paid (an asset in force has paid them), unless told otherwise."""
    paid = 0
    for year in schedule:
        if year.due_date < before:
            paid = year.year
    return paid
