"""Properties of the annuity engine over generated patents, checked against independent oracles."""

from __future__ import annotations

import calendar
import copy
import json
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from apps.custody.annuity import (
    DATA_FILE,
    AnnuityLapsedError,
    AnnuityYear,
    FeeReduction,
    FeeTable,
    PatentKind,
    PaymentCode,
    add_months,
    amount_due_on,
    anniversary,
    annuity_schedule,
    check_payment,
    late_fee_on,
    parse_fee_tables,
    patent_year_on,
    table_on,
    term_end,
    term_years,
)

D = Decimal
ONE_DAY = timedelta(days=1)


def oracle_add_months(day: date, months: int) -> date:
    """Month arithmetic written the other way round: via calendar.monthrange, no shared code."""
    year = day.year + (day.month - 1 + months) // 12
    month = (day.month - 1 + months) % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def oracle_anniversary(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a common year
        return date(day.year + years, 2, 28)


def oracle_months_started(due: date, on: date) -> int:
    months = 0
    while oracle_add_months(due, months) < on:
        months += 1
    return months


def future_tables() -> tuple[FeeTable, ...]:
    with DATA_FILE.open(encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
    for number, start in enumerate(("2028-03-01", "2033-07-15")):
        table = copy.deepcopy(data["tables"][-1])
        table["id"] = f"future-{number}"
        table["effective_from"] = start
        for bands in table["annuities"].values():
            for band in bands:
                band["fee"] = str(int(band["fee"]) + 100 * (number + 1))
        data["tables"].append(table)
    return parse_fee_tables(data)


FUTURE = future_tables()
MONTH_ENDS = [
    date(y, m, calendar.monthrange(y, m)[1]) for y in (1996, 2000, 2019, 2020, 2021, 2024) for m in range(1, 13)
]
SPECIAL = [*MONTH_ENDS, date(2000, 2, 29), date(2020, 2, 29), date(2024, 2, 29), date(2021, 5, 31), date(2021, 6, 1)]
filing_dates = st.one_of(st.dates(date(1993, 1, 1), date(2030, 12, 31)), st.sampled_from(SPECIAL))
kinds = st.sampled_from(list(PatentKind))
reductions = st.one_of(
    st.none(),
    st.builds(
        FeeReduction,
        share=st.sampled_from([D("0.85"), D("0.70"), D("0.5"), D("0.333"), D("0"), D("1")]),
        years=st.integers(0, 25),
    ),
)


@st.composite
def granted_patents(draw: st.DrawFn) -> tuple[PatentKind, date, date, FeeReduction | None]:
    kind = draw(kinds)
    filed = draw(filing_dates)
    last_day = term_end(kind, filed) - ONE_DAY
    grant = draw(st.one_of(st.dates(filed, last_day), st.sampled_from([filed, last_day])))
    return kind, filed, grant, draw(reductions)


def schedule_of(patent: tuple[PatentKind, date, date, FeeReduction | None], **kwargs: Any) -> list[AnnuityYear]:
    kind, filed, grant, reduction = patent
    return annuity_schedule(kind=kind, filing_date=filed, grant_date=grant, reduction=reduction, **kwargs)


@settings(deadline=None)
@given(st.dates(date(1900, 1, 1), date(2200, 12, 31)), st.integers(-1200, 1200))
def test_add_months_clamps_to_the_month_end(day: date, months: int) -> None:
    assert add_months(day, months) == oracle_add_months(day, months)


@settings(deadline=None)
@given(st.dates(date(1900, 1, 1), date(2200, 12, 31)), st.integers(0, 100))
def test_anniversary_clamps_29_february(day: date, years: int) -> None:
    assert anniversary(day, years) == oracle_anniversary(day, years)


@settings(deadline=None)
@given(filing_dates, st.integers(0, 9000))
def test_patent_year_is_the_anniversaries_passed(filed: date, days: int) -> None:
    on = filed + timedelta(days=days)
    passed = sum(1 for n in range(1, 30) if oracle_anniversary(filed, n) <= on)
    assert patent_year_on(filed, on) == passed + 1


@settings(max_examples=300, deadline=None)
@given(granted_patents())
def test_years_are_consecutive_from_the_grant_year_to_the_term(patent: Any) -> None:
    kind, filed, grant, _ = patent
    schedule = schedule_of(patent)
    term = term_years(kind, filed)
    assert [y.year for y in schedule] == list(range(patent_year_on(filed, grant), term + 1))
    assert schedule[0].at_grant and schedule[0].due_date == grant
    assert not any(y.at_grant for y in schedule[1:])
    # the fast construction builds what the dataclass constructor builds
    assert all(replace(y) == y and repr(replace(y)) == repr(y) for y in schedule)


@settings(max_examples=300, deadline=None)
@given(granted_patents())
def test_due_dates_are_the_clamped_anniversaries_strictly_increasing_and_within_the_term(patent: Any) -> None:
    kind, filed, _, _ = patent
    schedule = schedule_of(patent)
    for year in schedule[1:]:
        assert year.due_date == oracle_anniversary(filed, year.year - 1)
    dues = [y.due_date for y in schedule]
    assert all(a < b for a, b in pairwise(dues))
    end = term_end(kind, filed)
    assert end == oracle_anniversary(filed, term_years(kind, filed))
    assert all(filed <= due < end for due in dues)
    # even the last grace period ends before the term does
    assert all(year.grace_deadline < end for year in schedule)


@settings(max_examples=300, deadline=None)
@given(granted_patents())
def test_grace_deadline_is_six_months_after_the_due_date(patent: Any) -> None:
    for year in schedule_of(patent):
        expected = year.due_date if year.at_grant else oracle_add_months(year.due_date, 6)
        assert year.grace_deadline == expected


@settings(max_examples=300, deadline=None)
@given(granted_patents())
def test_fees_come_from_the_table_in_effect_and_reductions_stay_within_their_years(patent: Any) -> None:
    kind, _, _, reduction = patent
    schedule = schedule_of(patent, tables=FUTURE)
    grant_year = schedule[0].year
    for year in schedule:
        table = table_on(year.due_date, FUTURE)
        assert year.table is table
        assert year.full_fee == table.full_fee(kind, year.year)
        assert D(0) <= year.fee <= year.full_fee
        assert year.fee == year.fee.quantize(D("0.01"))
        should_reduce = reduction is not None and reduction.share > 0 and year.year - grant_year < reduction.years
        assert year.reduced == should_reduce
        if should_reduce:
            assert reduction is not None
            assert abs(year.fee - year.full_fee * (1 - reduction.share)) <= D("0.005")
        else:
            assert year.fee == year.full_fee


@settings(max_examples=100, deadline=None)
@given(granted_patents(), st.randoms(use_true_random=False))
def test_schedule_does_not_depend_on_the_order_of_the_tables(patent: Any, random: Any) -> None:
    shuffled = list(FUTURE)
    random.shuffle(shuffled)
    forward = schedule_of(patent, tables=FUTURE)
    assert schedule_of(patent, tables=shuffled) == forward
    assert [y.table_id for y in schedule_of(patent, tables=shuffled)] == [y.table_id for y in forward]


@settings(max_examples=200, deadline=None)
@given(granted_patents(), st.data())
def test_late_fee_rises_by_month_started_and_is_capped(patent: Any, data: st.DataObject) -> None:
    schedule = schedule_of(patent)
    year = data.draw(st.sampled_from(schedule))
    if year.at_grant:
        assert late_fee_on(year, year.due_date + timedelta(days=data.draw(st.integers(0, 400)))) == 0
        return
    span = (year.grace_deadline - year.due_date).days
    first, second = sorted(year.due_date + timedelta(days=data.draw(st.integers(-40, span))) for _ in range(2))
    assert late_fee_on(year, first) <= late_fee_on(year, second) <= year.full_fee * D("0.25")
    started = oracle_months_started(year.due_date, second)
    assert late_fee_on(year, second) == year.full_fee * D("0.05") * max(0, started - 1)
    assert late_fee_on(year, year.grace_deadline) == year.full_fee * D("0.25") == year.max_late_fee
    assert late_fee_on(year, oracle_add_months(year.due_date, 1)) == 0
    assert late_fee_on(year, oracle_add_months(year.due_date, 1) + ONE_DAY) == year.full_fee * D("0.05")


@settings(max_examples=200, deadline=None)
@given(granted_patents(), st.data())
def test_late_fee_months_agree_with_late_fee_on(patent: Any, data: st.DataObject) -> None:
    year = data.draw(st.sampled_from(schedule_of(patent)))
    months = year.late_fee_months
    if year.at_grant:
        assert months == ()
        return
    assert len(months) == 6
    assert months[0] == (year.due_date + ONE_DAY, D(0))
    for (start, fee), (next_start, _) in zip(months, [*months[1:], (year.grace_deadline + ONE_DAY, None)], strict=True):
        assert late_fee_on(year, start) == fee
        assert late_fee_on(year, next_start - ONE_DAY) == fee
        assert start < next_start


@settings(max_examples=200, deadline=None)
@given(granted_patents(), st.data())
def test_paying_what_is_due_is_ok_and_a_cent_less_is_not(patent: Any, data: st.DataObject) -> None:
    year = data.draw(st.sampled_from(schedule_of(patent)))
    on = year.due_date + timedelta(days=data.draw(st.integers(-60, 200)))
    if on > year.grace_deadline:
        try:
            amount_due_on(year, on)
        except AnnuityLapsedError as lapsed:
            assert lapsed.lapse_date == year.due_date
        else:
            raise AssertionError("no error after the grace period")
        assert check_payment(year, amount_due_on(year, on, restoring=True, notice_date=on), on).code == (
            PaymentCode.LAPSED
        )
        return
    due = amount_due_on(year, on)
    assert due == year.fee + late_fee_on(year, on)
    paid = check_payment(year, due, on)
    assert paid.ok and paid.shortfall == 0 and paid.excess == 0 and paid.required == due
    assert paid.code == (PaymentCode.LATE if paid.late_fee else PaymentCode.ON_TIME)
    if due > 0:
        short = check_payment(year, due - D("0.01"), on)
        assert (short.ok, short.code, short.shortfall) == (False, PaymentCode.UNDERPAID, D("0.01"))
