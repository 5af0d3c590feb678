"""Patent annuity schedules (专利年费) under CNIPA rules: pure computation, no ORM, Decimal money.

The rules (shared/DOMAIN.md "Patent annuities", 专利法实施细则 and 审查指南):

- Patent years count from the filing date: year *n* runs from the (n-1)-th filing anniversary up to the day
  before the n-th. The annuity of the year in which the patent is granted is paid at grant, together with the
  registration (办理登记手续); earlier years need no annuity. Each later year *n* is due by the (n-1)-th
  filing anniversary, i.e. before the previous year ends.
- Fees come from dated fee tables (``data/annuity_fees.json``); the table in effect on an annuity's due date
  prices it. Terms (20 / 10 / 15 years, design 10 for filings before 2021-06-01) are dated rules in the same file,
  chosen by filing date.
- Fee reduction (费减): a share off the annuity (0.85 for one qualifying applicant, 0.70 for several) for a
  number of years counted from the grant year inclusive (10 since 2018-08-01).
- Grace period: 6 months after the due date. No late fee in the first month, then 5% of the *full* annuity for
  each further month started (5% … 25%). Unpaid after the grace period, the patent lapses as of the due date;
  within 2 months of (receiving) the lapse notice it can be restored by paying the annuity, the late fee (25%)
  and the restoration fee (¥1000).

Date rule, used everywhere: adding years or months keeps the day of month and clamps it to the month's last
day when that month is shorter (so the anniversary of 29 February is 28 February in a common year, and one
month after 31 January is 28/29 February). Offsets are always computed from the original date, never chained:
two months after 31 January is 31 March, not 28 March. A period in months ends on, and includes, that day
(审查指南: "最后一月的相应日为期限届满日；该月无相应日的，以该月最后一日为期限届满日").
Deadlines falling on public holidays are not moved (the official calendar is not modelled): the dates here
are the nominal ones, never later than the official ones.

The grant year has no grace period: its annuity is part of the registration, and missing the registration
deadline means the right is deemed abandoned (which can be restored the same way); so its ``grace_deadline``
equals its ``due_date`` and it carries no late fee.
"""

from __future__ import annotations

import json
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

DATA_FILE = Path(__file__).resolve().parent / "data" / "annuity_fees.json"
CENT = Decimal("0.01")
ZERO = Decimal("0.00")
_ONE = Decimal(1)

__all__ = [
    "CENT",
    "DATA_FILE",
    "ZERO",
    "AnnuityError",
    "AnnuityLapsedError",
    "AnnuityStatus",
    "AnnuityYear",
    "FeeReduction",
    "FeeTable",
    "FeeTableError",
    "PatentKind",
    "PaymentCheck",
    "PaymentCode",
    "ReductionPolicy",
    "TermRule",
    "add_months",
    "amount_due_on",
    "anniversary",
    "annuity_schedule",
    "check_payment",
    "lapse_date",
    "late_fee_on",
    "load_fee_tables",
    "load_term_rules",
    "parse_fee_tables",
    "parse_term_rules",
    "patent_year_on",
    "restoration_deadline",
    "standard_reduction",
    "status_on",
    "table_on",
    "term_end",
    "term_years",
]


class PatentKind(StrEnum):
    """The patent kinds that pay annuities; the same values as ``apps.ip.models.IPAssetKind``."""

    INVENTION = "invention"
    UTILITY_MODEL = "utility_model"
    DESIGN = "design"


class FeeTableError(ValueError):
    """The fee data is malformed, or has no table (or fee) for a date and year asked for."""


class AnnuityError(ValueError):
    """Inputs that cannot describe a granted patent (grant before filing, after the term, unsupported date)."""


class AnnuityLapsedError(AnnuityError):
    """The grace period is over: the annuity can only be paid with a restoration (or not at all)."""

    def __init__(self, message: str, *, lapse_date: date, restoration_deadline: date | None = None) -> None:
        super().__init__(message)
        self.lapse_date = lapse_date
        self.restoration_deadline = restoration_deadline


class PaymentCode(StrEnum):
    ON_TIME = "on_time"  # paid by the due date (or in the late-fee-free first month)
    LATE = "late"  # paid in the grace period with the late fee it owes
    RESTORED = "restored"  # paid after the grace period with the restoration fee, in time
    UNDERPAID = "underpaid"  # less than fee + late fee (+ restoration fee) for that date
    LAPSED = "lapsed"  # paid after the grace period without a restoration
    RESTORATION_EXPIRED = "restoration_expired"  # paid with a restoration after its deadline


class AnnuityStatus(StrEnum):
    NOT_DUE = "not_due"  # on or before the due date
    GRACE = "grace"  # after the due date, within the grace period
    LAPSED = "lapsed"  # after the grace period


# --- dates ---------------------------------------------------------------------------------------

_MONTH_DAYS = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def add_months(day: date, months: int) -> date:
    """``day`` plus ``months`` (may be negative), the day of month clamped to the target month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month0 = divmod(index, 12)
    month = month0 + 1
    dom = day.day
    if dom > 28:
        last = 29 if month == 2 and _is_leap(year) else _MONTH_DAYS[month]
        if dom > last:
            dom = last
    return _checked_date(year, month, dom)


def anniversary(day: date, years: int) -> date:
    """The ``years``-th anniversary of ``day``; 29 February falls on 28 February in a common year."""
    year = day.year + years
    if day.month == 2 and day.day == 29 and not _is_leap(year):
        return _checked_date(year, 2, 28)
    return _checked_date(year, day.month, day.day)


def _checked_date(year: int, month: int, day: int) -> date:
    """A date, or AnnuityError when arithmetic on a date stored before the market's date bounds (say year 1
    or 9999) runs off the calendar Python knows."""
    if not date.min.year <= year <= date.max.year:
        raise AnnuityError(f"year {year} is outside the calendar.")
    return date(year, month, day)


def patent_year_on(filing_date: date, on: date) -> int:
    """The patent year (1-based, counted from the filing date) that ``on`` falls in."""
    if on < filing_date:
        raise AnnuityError(f"{on.isoformat()} is before the filing date {filing_date.isoformat()}.")
    passed = on.year - filing_date.year
    if anniversary(filing_date, passed) > on:
        passed -= 1
    return passed + 1


# --- dated data ----------------------------------------------------------------------------------


def _money(value: Any, where: str) -> Decimal:
    # Amounts are strings or integers in the file: a JSON float would already have lost exactness.
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise FeeTableError(f"{where}: amounts must be strings or integers, not {value!r}.")
    try:
        amount = Decimal(value)
    except InvalidOperation as exc:
        raise FeeTableError(f"{where}: {value!r} is not a number.") from exc
    if not amount.is_finite() or amount < 0:
        raise FeeTableError(f"{where}: {value!r} is not a non-negative amount.")
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def _share(value: Any, where: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise FeeTableError(f"{where}: shares must be strings, not {value!r}.")
    try:
        share = Decimal(value)
    except InvalidOperation as exc:
        raise FeeTableError(f"{where}: {value!r} is not a number.") from exc
    if not share.is_finite() or not 0 <= share <= 1:
        raise FeeTableError(f"{where}: {value!r} is not a share between 0 and 1.")
    return share


def _count(value: Any, where: str, *, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise FeeTableError(f"{where}: expected an integer ≥ {minimum}, not {value!r}.")
    return value


def _day(value: Any, where: str) -> date:
    if not isinstance(value, str):
        raise FeeTableError(f"{where}: expected an ISO date string, not {value!r}.")
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise FeeTableError(f"{where}: {value!r} is not an ISO date (YYYY-MM-DD).") from exc


def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise FeeTableError(f"{where}: expected an object, not {value!r}.")
    return value


@dataclass(frozen=True, slots=True)
class FeeReduction:
    """费减 granted to a patent: ``share`` off each annuity (``Decimal("0.85")`` = 85% off) for the grant year
    and the following years, ``years`` years in all."""

    share: Decimal
    years: int

    def __post_init__(self) -> None:
        if not isinstance(self.share, Decimal) or not self.share.is_finite() or not 0 <= self.share <= 1:
            raise ValueError(f"A fee reduction share is a Decimal between 0 and 1, not {self.share!r}.")
        if isinstance(self.years, bool) or not isinstance(self.years, int) or self.years < 0:
            raise ValueError(f"A fee reduction lasts a whole number of years ≥ 0, not {self.years!r}.")


@dataclass(frozen=True, slots=True)
class ReductionPolicy:
    """The reduction scheme of a fee table: share off for one qualifying applicant, for several, and for how
    many years from the grant year."""

    single: Decimal
    several: Decimal
    years: int

    def for_applicants(self, applicants: int) -> FeeReduction:
        if applicants < 1:
            raise ValueError("A fee reduction needs at least one qualifying applicant.")
        return FeeReduction(share=self.single if applicants == 1 else self.several, years=self.years)


@dataclass(frozen=True, slots=True, eq=False)
class FeeTable:
    """One dated CNIPA fee table. ``annuities[kind][n - 1]`` is the full annuity of patent year ``n``.

    Compared by identity; tables are loaded once (:func:`load_fee_tables`) and shared.
    """

    id: str
    effective_from: date
    annuities: Mapping[PatentKind, tuple[Decimal, ...]]
    grace_months: int
    late_fee_free_months: int
    late_fee_rate: Decimal  # of the full annuity, per month started after the free months
    restoration_fee: Decimal
    restoration_months: int
    notice_delay_days: int  # default lapse notice date: this many days after the grace deadline
    reduction: ReductionPolicy | None = None
    source: str = ""
    # Reduced fees per (kind, share), filled on first use: the schedule's hot path only indexes tuples.
    _reduced: dict[tuple[PatentKind, Decimal], tuple[Decimal, ...]] = field(
        default_factory=dict, repr=False, compare=False
    )

    def full_fee(self, kind: PatentKind, year: int) -> Decimal:
        fees = self.annuities.get(kind, ())
        if not 1 <= year <= len(fees):
            raise FeeTableError(f"Fee table {self.id} has no {kind} annuity for year {year}.")
        return fees[year - 1]

    def reduced_fees(self, kind: PatentKind, share: Decimal) -> tuple[Decimal, ...]:
        key = (kind, share)
        fees = self._reduced.get(key)
        if fees is None:
            keep = _ONE - share
            fees = tuple((fee * keep).quantize(CENT, rounding=ROUND_HALF_UP) for fee in self.annuities.get(kind, ()))
            self._reduced[key] = fees
        return fees


def _parse_table(raw: Any, where: str) -> FeeTable:
    raw = _mapping(raw, where)
    table_id = raw.get("id")
    if not isinstance(table_id, str) or not table_id:
        raise FeeTableError(f"{where}: every table needs a non-empty string id.")
    where = f"fee table {table_id}"
    annuities: dict[PatentKind, tuple[Decimal, ...]] = {}
    for kind_name, bands in _mapping(raw.get("annuities"), f"{where} annuities").items():
        try:
            kind = PatentKind(kind_name)
        except ValueError as exc:
            raise FeeTableError(f"{where}: unknown patent kind {kind_name!r}.") from exc
        if not isinstance(bands, list) or not bands:
            raise FeeTableError(f"{where} {kind}: expected a list of year bands.")
        fees: list[Decimal] = []
        for band in bands:
            band = _mapping(band, f"{where} {kind}")
            years = band.get("years")
            if not (isinstance(years, list) and len(years) == 2 and all(type(y) is int for y in years)):
                raise FeeTableError(f"{where} {kind}: a band's years are [first, last], not {years!r}.")
            first, last = years
            if first != len(fees) + 1 or last < first:
                raise FeeTableError(
                    f"{where} {kind}: bands must cover years 1, 2, … without gaps or overlaps; "
                    f"expected a band starting at year {len(fees) + 1}, got {years!r}."
                )
            fee = _money(band.get("fee"), f"{where} {kind} years {first}-{last}")
            fees.extend([fee] * (last - first + 1))
        annuities[kind] = tuple(fees)
    missing = [kind.value for kind in PatentKind if kind not in annuities]
    if missing:
        raise FeeTableError(f"{where}: no annuities for {', '.join(missing)}.")
    late = _mapping(raw.get("late_fee"), f"{where} late_fee")
    restoration = _mapping(raw.get("restoration"), f"{where} restoration")
    grace_months = _count(raw.get("grace_months"), f"{where} grace_months", minimum=1)
    free_months = _count(late.get("free_months"), f"{where} late_fee.free_months")
    if free_months > grace_months:
        raise FeeTableError(f"{where}: the late-fee-free months cannot exceed the grace period.")
    reduction = None
    if raw.get("reduction") is not None:
        policy = _mapping(raw["reduction"], f"{where} reduction")
        reduction = ReductionPolicy(
            single=_share(policy.get("single"), f"{where} reduction.single"),
            several=_share(policy.get("several"), f"{where} reduction.several"),
            years=_count(policy.get("years"), f"{where} reduction.years"),
        )
    source = raw.get("source", "")
    return FeeTable(
        id=table_id,
        effective_from=_day(raw.get("effective_from"), f"{where} effective_from"),
        annuities=annuities,
        grace_months=grace_months,
        late_fee_free_months=free_months,
        late_fee_rate=_share(late.get("rate_per_month"), f"{where} late_fee.rate_per_month"),
        restoration_fee=_money(restoration.get("fee"), f"{where} restoration.fee"),
        restoration_months=_count(restoration.get("months"), f"{where} restoration.months", minimum=1),
        notice_delay_days=_count(restoration.get("notice_delay_days"), f"{where} restoration.notice_delay_days"),
        reduction=reduction,
        source=source if isinstance(source, str) else "",
    )


def parse_fee_tables(data: Mapping[str, Any]) -> tuple[FeeTable, ...]:
    """The fee tables of a decoded ``annuity_fees.json`` document, sorted by ``effective_from``."""
    raw_tables = _mapping(data, "fee data").get("tables")
    if not isinstance(raw_tables, list) or not raw_tables:
        raise FeeTableError("fee data: 'tables' must be a non-empty list.")
    tables = tuple(_parse_table(raw, f"tables[{i}]") for i, raw in enumerate(raw_tables))
    _check_distinct(tables)
    return tuple(sorted(tables, key=lambda table: table.effective_from))


def _check_distinct(tables: Sequence[FeeTable]) -> None:
    ids = [table.id for table in tables]
    starts = [table.effective_from for table in tables]
    if len(set(ids)) != len(ids):
        raise FeeTableError(f"fee tables: duplicate ids in {ids}.")
    if len(set(starts)) != len(starts):
        raise FeeTableError("fee tables: two tables take effect on the same day.")


@dataclass(frozen=True, slots=True)
class TermRule:
    """Patent terms in years per kind for filings on or after ``filed_from``."""

    filed_from: date
    years: Mapping[PatentKind, int]
    source: str = ""


def parse_term_rules(data: Mapping[str, Any]) -> tuple[TermRule, ...]:
    raw_rules = _mapping(data, "fee data").get("terms")
    if not isinstance(raw_rules, list) or not raw_rules:
        raise FeeTableError("fee data: 'terms' must be a non-empty list.")
    rules = []
    for i, raw in enumerate(raw_rules):
        where = f"terms[{i}]"
        raw = _mapping(raw, where)
        raw_years = _mapping(raw.get("years"), f"{where} years")
        years = {kind: _count(raw_years.get(kind.value), f"{where} {kind}", minimum=1) for kind in PatentKind}
        source = raw.get("source", "")
        rules.append(
            TermRule(
                filed_from=_day(raw.get("filed_from"), f"{where} filed_from"),
                years=years,
                source=source if isinstance(source, str) else "",
            )
        )
    rules.sort(key=lambda rule: rule.filed_from)
    if len({rule.filed_from for rule in rules}) != len(rules):
        raise FeeTableError("terms: two rules start on the same filing date.")
    return tuple(rules)


@cache
def _read(path: Path) -> Mapping[str, Any]:
    with path.open(encoding="utf-8") as handle:
        data = json.load(handle)
    return _mapping(data, str(path))


@cache
def load_fee_tables(path: Path = DATA_FILE) -> tuple[FeeTable, ...]:
    """The fee tables of ``path`` (default: ``data/annuity_fees.json``), parsed once per process."""
    return parse_fee_tables(_read(path))


@cache
def load_term_rules(path: Path = DATA_FILE) -> tuple[TermRule, ...]:
    return parse_term_rules(_read(path))


class _TableIndex:
    """Tables sorted by start date, for the "which table is in effect on this day" lookup."""

    __slots__ = ("starts", "tables")

    def __init__(self, tables: Sequence[FeeTable]) -> None:
        if not tables:
            raise FeeTableError("No fee tables given.")
        _check_distinct(tables)
        self.tables = tuple(sorted(tables, key=lambda table: table.effective_from))
        self.starts = tuple(table.effective_from for table in self.tables)

    def position(self, day: date) -> int:
        position = bisect_right(self.starts, day) - 1
        if position < 0:
            raise FeeTableError(f"No fee table is in effect on {day.isoformat()} (the first starts {self.starts[0]}).")
        return position


@cache
def _default_index() -> _TableIndex:
    return _TableIndex(load_fee_tables())


def _index(tables: Sequence[FeeTable] | None) -> _TableIndex:
    return _default_index() if tables is None else _TableIndex(tables)


def table_on(day: date, tables: Sequence[FeeTable] | None = None) -> FeeTable:
    """The fee table in effect on ``day``."""
    index = _index(tables)
    return index.tables[index.position(day)]


def standard_reduction(applicants: int, on: date, tables: Sequence[FeeTable] | None = None) -> FeeReduction:
    """The reduction the scheme in effect on ``on`` gives to ``applicants`` qualifying applicants."""
    table = table_on(on, tables)
    if table.reduction is None:
        raise FeeTableError(f"Fee table {table.id} (in effect on {on.isoformat()}) has no fee reduction scheme.")
    return table.reduction.for_applicants(applicants)


@cache
def _default_terms_latest_first() -> tuple[TermRule, ...]:
    return tuple(reversed(load_term_rules()))


def term_years(kind: PatentKind | str, filing_date: date, rules: Sequence[TermRule] | None = None) -> int:
    """The term in years of a patent of ``kind`` filed on ``filing_date``."""
    if rules is None:
        latest_first = _default_terms_latest_first()
    else:
        latest_first = tuple(sorted(rules, key=lambda rule: rule.filed_from, reverse=True))
    for rule in latest_first:
        if rule.filed_from <= filing_date:
            return rule.years[kind if kind.__class__ is PatentKind else PatentKind(kind)]
    raise AnnuityError(f"No patent term rule covers filings on {filing_date.isoformat()}.")


def term_end(kind: PatentKind | str, filing_date: date, rules: Sequence[TermRule] | None = None) -> date:
    """The day the patent expires (期满终止日): the term-th filing anniversary. It is in force up to the day
    before (filed 1999-09-06, a 20-year term runs to 2019-09-05 and ends on 2019-09-06)."""
    return anniversary(filing_date, term_years(kind, filing_date, rules))


# --- the schedule --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AnnuityYear:
    """The annuity of one patent year.

    ``fee`` is what is owed on time (after any reduction); late fees are a share of ``full_fee``. Derived
    dates and amounts (``late_fee_months``, ``max_late_fee``, ``lapse_date``) are properties.
    """

    year: int
    due_date: date
    full_fee: Decimal
    fee: Decimal
    reduced: bool
    at_grant: bool  # paid with the grant registration: no grace period, no late fee
    grace_deadline: date  # last day it can be paid without a restoration (inclusive)
    restoration_fee: Decimal
    table: FeeTable = field(repr=False, compare=False)

    @property
    def table_id(self) -> str:
        return self.table.id

    @property
    def lapse_date(self) -> date:
        """The date the patent lapses as of when this annuity stays unpaid after the grace period."""
        return self.due_date

    @property
    def late_fee_months(self) -> tuple[tuple[date, Decimal], ...]:
        """Each month of the grace period as (first day, late fee owed from that day); empty at grant.

        A month runs to the day before the next entry's first day; the last one to ``grace_deadline``.
        """
        if self.at_grant:
            return ()
        table = self.table
        one_day = timedelta(days=1)
        months = [(self.due_date + one_day, ZERO)]
        for month in range(1, table.grace_months):
            months.append((add_months(self.due_date, month) + one_day, self._late_fee(month + 1)))
        return tuple(months)

    @property
    def max_late_fee(self) -> Decimal:
        """The late fee at the end of the grace period (25% of the full fee), owed also on a restoration."""
        return ZERO if self.at_grant else self._late_fee(self.table.grace_months)

    def _late_fee(self, months_started: int) -> Decimal:
        # months_started: whole or part months past the due date (1 … grace_months)
        charged = months_started - self.table.late_fee_free_months
        if charged <= 0:
            return ZERO
        return (self.full_fee * self.table.late_fee_rate * charged).quantize(CENT, rounding=ROUND_HALF_UP)


# Construction through the slot descriptors: what the generated frozen __init__ does (object.__setattr__ per
# field) at half the cost, which matters at millions of years. tests check it equals the constructor's result.
_new_object = object.__new__
_slots = vars(AnnuityYear)
_set_year = _slots["year"].__set__
_set_due_date = _slots["due_date"].__set__
_set_full_fee = _slots["full_fee"].__set__
_set_fee = _slots["fee"].__set__
_set_reduced = _slots["reduced"].__set__
_set_at_grant = _slots["at_grant"].__set__
_set_grace_deadline = _slots["grace_deadline"].__set__
_set_restoration_fee = _slots["restoration_fee"].__set__
_set_table = _slots["table"].__set__


def _make_year(
    year: int,
    due_date: date,
    full_fee: Decimal,
    fee: Decimal,
    reduced: bool,
    at_grant: bool,
    grace_deadline: date,
    restoration_fee: Decimal,
    table: FeeTable,
) -> AnnuityYear:
    made: AnnuityYear = _new_object(AnnuityYear)
    _set_year(made, year)
    _set_due_date(made, due_date)
    _set_full_fee(made, full_fee)
    _set_fee(made, fee)
    _set_reduced(made, reduced)
    _set_at_grant(made, at_grant)
    _set_grace_deadline(made, grace_deadline)
    _set_restoration_fee(made, restoration_fee)
    _set_table(made, table)
    return made


def annuity_schedule(
    *,
    kind: PatentKind | str,
    filing_date: date,
    grant_date: date | None,
    reduction: FeeReduction | None = None,
    tables: Sequence[FeeTable] | None = None,
    terms: Sequence[TermRule] | None = None,
) -> list[AnnuityYear]:
    """Every annuity from the grant year to the last year of the term; ``[]`` when not granted.

    ``tables`` and ``terms`` default to the data file; any order of ``tables`` gives the same schedule.
    """
    if grant_date is None:
        return []
    if kind.__class__ is not PatentKind:
        kind = PatentKind(kind)
    index = _index(tables)
    term = term_years(kind, filing_date, terms)
    grant_year = patent_year_on(filing_date, grant_date)
    if grant_year > term:
        raise AnnuityError(
            f"A {kind} filed on {filing_date.isoformat()} expired before {grant_date.isoformat()}: "
            "it cannot be granted then."
        )
    reduced_until = grant_year  # first year no longer reduced
    share = ZERO
    if reduction is not None and reduction.share > 0:
        reduced_until = grant_year + reduction.years
        share = reduction.share

    starts = index.starts
    all_tables = index.tables
    last_position = len(starts) - 1
    position = index.position(grant_date)
    table = all_tables[position]
    full_fees = table.annuities.get(kind, ())
    if grant_year > len(full_fees):
        raise FeeTableError(f"Fee table {table.id} has no {kind} annuity for year {grant_year}.")
    reduced = grant_year < reduced_until
    full_fee = full_fees[grant_year - 1]
    schedule = [
        _make_year(
            grant_year,
            grant_date,
            full_fee,
            table.reduced_fees(kind, share)[grant_year - 1] if reduced else full_fee,
            reduced,
            True,
            grant_date,
            table.restoration_fee,
            table,
        )
    ]
    if grant_year == term:
        return schedule

    filing_year, filing_month, filing_day = filing_date.year, filing_date.month, filing_date.day
    leap_day = filing_month == 2 and filing_day == 29
    # Anniversaries share the filing's month and day, so the grace deadline's month and year carry are fixed;
    # only days past the 28th need clamping (add_months).
    plain_day = filing_day <= 28
    next_start = None
    grace_months = grace_carry = grace_month = 0
    reduced_fees: tuple[Decimal, ...] = ()
    table_start = date.max  # forces the table lookup for the first later year
    append = schedule.append
    for year in range(grant_year + 1, term + 1):
        due_year = filing_year + year - 1
        if leap_day and (due_year % 4 != 0 or (due_year % 100 == 0 and due_year % 400 != 0)):
            due = date(due_year, 2, 28)
        else:
            due = date(due_year, filing_month, filing_day)
        if due < table_start or (next_start is not None and due >= next_start):
            position = index.position(due)
            table = all_tables[position]
            table_start = table.effective_from
            next_start = starts[position + 1] if position < last_position else None
            full_fees = table.annuities.get(kind, ())
            reduced_fees = table.reduced_fees(kind, share) if share else full_fees
            grace_months = table.grace_months
            grace_carry, grace_month0 = divmod(filing_month - 1 + grace_months, 12)
            grace_month = grace_month0 + 1
        if year > len(full_fees):
            raise FeeTableError(f"Fee table {table.id} has no {kind} annuity for year {year}.")
        full_fee = full_fees[year - 1]
        reduced = year < reduced_until
        append(
            _make_year(
                year,
                due,
                full_fee,
                reduced_fees[year - 1] if reduced else full_fee,
                reduced,
                False,
                date(due_year + grace_carry, grace_month, filing_day) if plain_day else add_months(due, grace_months),
                table.restoration_fee,
                table,
            )
        )
    return schedule


# --- paying --------------------------------------------------------------------------------------


def _months_started(due: date, on: date) -> int:
    """Whole or part months from ``due`` to ``on`` (0 on or before ``due``), months ending on clamped days."""
    if on <= due:
        return 0
    months = (on.year - due.year) * 12 + on.month - due.month
    # the month ending in on's month ends on due's day clamped to that month: past it, one more month started
    if on > add_months(due, months):
        months += 1
    return months


def status_on(year: AnnuityYear, on: date) -> AnnuityStatus:
    if on <= year.due_date:
        return AnnuityStatus.NOT_DUE
    if on <= year.grace_deadline:
        return AnnuityStatus.GRACE
    return AnnuityStatus.LAPSED


def late_fee_on(year: AnnuityYear, paid_on: date) -> Decimal:
    """The late fee owed when paying on ``paid_on``: 0 up to one month past the due date, then 5% of the full
    fee per month started; after the grace period the maximum (owed with a restoration)."""
    if year.at_grant or paid_on <= year.due_date:
        return ZERO
    if paid_on > year.grace_deadline:
        return year.max_late_fee
    return year._late_fee(_months_started(year.due_date, paid_on))


def lapse_date(year: AnnuityYear) -> date:
    """The date a patent lapses as of when ``year`` stays unpaid after its grace period: its due date."""
    return year.lapse_date


def restoration_deadline(year: AnnuityYear, notice_date: date | None = None) -> date:
    """The last day a restoration can be requested: ``restoration_months`` after the lapse notice was received.

    Without ``notice_date`` the notice is assumed received the table's ``notice_delay_days`` after the grace
    deadline (15: the presumed delivery time of a notice sent the day the grace period ends, the earliest it
    can be, so the estimate is never later than the real deadline).
    """
    if notice_date is None:
        notice_date = year.grace_deadline + timedelta(days=year.table.notice_delay_days)
    elif notice_date <= year.grace_deadline:
        raise AnnuityError("A lapse notice comes after the grace period.")
    return add_months(notice_date, year.table.restoration_months)


def amount_due_on(year: AnnuityYear, on: date, *, restoring: bool = False, notice_date: date | None = None) -> Decimal:
    """What paying ``year`` costs on ``on``: the fee plus its late fee; after the grace period only with
    ``restoring`` (plus the restoration fee, within the restoration deadline), else :class:`AnnuityLapsedError`."""
    if on <= year.grace_deadline:
        return year.fee + late_fee_on(year, on)
    deadline = restoration_deadline(year, notice_date)
    if not restoring:
        raise AnnuityLapsedError(
            f"The grace period of year {year.year} ended on {year.grace_deadline.isoformat()}: "
            f"the patent lapsed as of {year.due_date.isoformat()}.",
            lapse_date=year.due_date,
            restoration_deadline=deadline,
        )
    if on > deadline:
        raise AnnuityLapsedError(
            f"The restoration deadline of year {year.year} passed on {deadline.isoformat()}.",
            lapse_date=year.due_date,
            restoration_deadline=deadline,
        )
    return year.fee + year.max_late_fee + year.restoration_fee


@dataclass(frozen=True, slots=True)
class PaymentCheck:
    ok: bool
    shortfall: Decimal  # what is missing (0 when ok)
    late_fee: Decimal  # the late fee owed on that date
    lapsed: bool  # paid after the grace period: the patent had lapsed (restored or not)
    code: PaymentCode
    required: Decimal  # the full amount owed on that date (0 when it can no longer be paid)
    excess: Decimal = ZERO  # paid beyond what was owed (refundable)


def check_payment(
    year: AnnuityYear,
    amount: Decimal,
    paid_on: date,
    restored: bool = False,
    *,
    notice_date: date | None = None,
) -> PaymentCheck:
    """Whether ``amount`` paid on ``paid_on`` settles ``year``; underpayment and payment after the grace
    period without a (timely) restoration are not ok and say why in ``code``."""
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise TypeError(f"A payment amount is a finite Decimal, not {amount!r}.")
    if amount < 0:
        raise ValueError("A payment amount cannot be negative.")
    late_fee = late_fee_on(year, paid_on)
    lapsed = paid_on > year.grace_deadline
    if lapsed and not restored:
        return PaymentCheck(False, ZERO, late_fee, True, PaymentCode.LAPSED, ZERO)
    if lapsed and paid_on > restoration_deadline(year, notice_date):
        return PaymentCheck(False, ZERO, late_fee, True, PaymentCode.RESTORATION_EXPIRED, ZERO)
    required = year.fee + late_fee + (year.restoration_fee if lapsed else ZERO)
    if amount < required:
        return PaymentCheck(False, required - amount, late_fee, lapsed, PaymentCode.UNDERPAID, required)
    if lapsed:
        code = PaymentCode.RESTORED
    elif late_fee > 0:
        code = PaymentCode.LATE
    else:
        code = PaymentCode.ON_TIME
    return PaymentCheck(True, ZERO, late_fee, lapsed, code, required, amount - required)
