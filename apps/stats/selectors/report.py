"""Reports over the transaction statistics (技术市场成交额): any combination of cuts, with totals and
year-on-year growth, read from the rolled-up cells only.

A report reads ONE grain, the smallest that keeps every grouped and filtered dimension
(:func:`apps.stats.dims.grain_for`), so a sum never mixes grains and never double counts. The period
(month, quarter, year) is ``date_trunc`` of ``Cell.month`` in SQL. A report costs at most two
aggregate queries (the window and, for the comparison, the same window one year earlier) plus one
small label lookup per kind of coded dimension it shows (technology fields, entity types, areas,
brokers): :data:`MAX_REPORT_QUERIES`.

The window is whole months, ``date_from`` to ``date_to`` inclusive; ``date_to`` defaults to the
current month, so "everything so far" compares with "everything until a year ago". The comparison
("上年同期") is the same cut over the window shifted back twelve months; with the period grouped, a
row of 2025-Q1 is compared with 2024-Q1 as far as the window reaches (a window ending in March
compares January–March with January–March).

Access: the market operator, and any account holding the Django permission ``stats.view_cell``
(the service accounts behind the API keys of the provincial statistics systems). Anybody else gets
a 403: a report is not an object whose existence could leak, so there is nothing to hide behind a 404
(the other operator-only endpoints answer 403 the same way).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.db.models import DateField, Q, Sum
from django.db.models.functions import Trunc
from django.utils.translation import gettext as _
from rest_framework import status

from apps.contracts.selectors import market_today
from apps.core.errors import ApplicationError
from apps.markets.access import is_network_operator, operated_market_codes
from apps.organizations.access import Actor, is_operator
from apps.stats.dims import DIMS, MEASURES, Dim, Measure, grain_for
from apps.stats.models import Cell
from apps.stats.selectors.cuts import (
    AREA_DIMS,
    CHOICE_DIMS,
    DIM_NAMES,
    ENTITY_TYPE_DIMS,
    NO_BROKER,
    PERIOD,
    PERIODS,
    Labeller,
    first_of_month,
    period_key,
    shift_key,
    shift_year,
    sort_key,
)

VIEW_PERMISSION = "stats.view_cell"
DEFAULT_REPORT_MAX_ROWS = 10_000
# Two aggregates (window, previous window) and at most four label lookups.
MAX_REPORT_QUERIES = 6

Value = Decimal | int


class ReportError(StrEnum):
    NOT_PERMITTED = "statistics_not_permitted"
    UNKNOWN_DIMENSION = "unknown_dimension"
    BAD_PERIOD = "bad_period"
    BAD_FILTER_VALUE = "bad_filter_value"
    BAD_DATE_RANGE = "bad_date_range"
    TOO_MANY_ROWS = "too_many_rows"


# --- the report --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReportRow:
    """One line of a report. ``key`` and ``labels`` map each grouped dimension (and "period") to its
    code and display name; ``previous`` is the same cut one year earlier and ``growth`` is
    ``values / previous - 1`` (None where the previous value is 0); both are None without comparison."""

    key: dict[str, str]
    labels: dict[str, str]
    values: dict[str, Value]
    previous: dict[str, Value] | None
    growth: dict[str, Decimal | None] | None


@dataclass(frozen=True, slots=True)
class Report:
    grain: int
    period: str
    rows: list[ReportRow]
    totals: ReportRow
    group_by: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)
    compare: bool = True


def can_view_statistics(actor: Actor | None) -> bool:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return False
    return is_operator(actor) or bool(actor.has_perm(VIEW_PERMISSION)) or is_network_operator(actor)


def scope_to_markets(actor: Actor | None, checked: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    """A market operator's statistics are those of the markets it operates: the market filter is narrowed
    to them (a market asked for outside them gives nothing). The global operator and accounts allowed to
    read statistics see the whole network."""
    if is_operator(actor) or (actor is not None and actor.has_perm(VIEW_PERMISSION)):
        return checked
    operated = operated_market_codes(actor) or frozenset()
    asked = checked.get(Dim.MARKET.value)
    allowed = operated if asked is None else operated & set(asked)
    return {**checked, Dim.MARKET.value: tuple(sorted(allowed))}


def check_statistics_access(*, actor: Actor | None) -> None:
    if not can_view_statistics(actor):
        raise ApplicationError(
            _("Statistics are for the market operator and accounts allowed to read them."),
            code=ReportError.NOT_PERMITTED,
            status=status.HTTP_403_FORBIDDEN,
        )


def report_max_rows() -> int:
    return int(getattr(settings, "STATS_REPORT_MAX_ROWS", DEFAULT_REPORT_MAX_ROWS))


def stats_report(
    *,
    actor: Actor | None,
    group_by: Sequence[str],
    period: str = "year",
    date_from: date | None = None,
    date_to: date | None = None,
    filters: Mapping[str, Sequence[str]] | None = None,
    compare: bool = True,
) -> Report:
    """The statistics cut by ``group_by`` (dimensions and/or "period"), filtered, with totals.

    Raises ApplicationError: 403 for an actor who may not read statistics, 400 for an unknown
    dimension, period or filter value, a window that ends before it starts, or more rows than
    STATS_REPORT_MAX_ROWS.
    """
    check_statistics_access(actor=actor)
    keys = _check_group_by(group_by)
    if period not in PERIODS:
        raise _bad("period", _("Choose month, quarter or year."), ReportError.BAD_PERIOD)
    checked = scope_to_markets(actor, check_filters(filters or {}))
    start = first_of_month(date_from) if date_from else None
    end = first_of_month(date_to) if date_to else first_of_month(market_today())
    if start is not None and start > end:
        raise _bad("date_from", _("The window ends before it starts."), ReportError.BAD_DATE_RANGE)

    dims = [Dim(k) for k in keys if k != PERIOD]
    grain = grain_for(set(dims) | {Dim(d) for d in checked})
    by_period = PERIOD in keys
    base = Cell.objects.filter(*filter_conditions(checked), grain=grain.id)
    cap = report_max_rows()

    current = _aggregate(base, dims, period if by_period else None, start, end, cap=cap)
    previous: dict[tuple[str, ...], dict[str, Value]] = {}
    if compare:
        shifted_end = shift_year(end, -1)
        shifted_start = shift_year(start, -1) if start else None
        raw = _aggregate(base, dims, period if by_period else None, shifted_start, shifted_end, cap=cap)
        # The previous year's period rows line up with this year's: 2024-Q1 is compared with 2025-Q1.
        previous = {shift_key(key, by_period, period): values for key, values in raw.items()}

    row_keys = [key for key in current.keys() | previous.keys() if _nonzero(current.get(key), previous.get(key))]
    if len(row_keys) > cap:
        raise _too_many(cap)
    row_keys.sort(key=lambda key: sort_key(keys, key))
    labels = Labeller(keys, row_keys, period)
    rows = [
        _row(dict(zip(keys, key, strict=True)), labels.of(key), current.get(key), previous.get(key), compare)
        for key in row_keys
    ]
    totals = _row(
        {},
        {},
        _sum(current.values()),
        _sum(previous.values()),
        compare,
    )
    return Report(
        grain=grain.id,
        period=period,
        rows=rows,
        totals=totals,
        group_by=tuple(keys),
        date_from=start,
        date_to=end,
        filters=checked,
        compare=compare,
    )


# --- checking the request ----------------------------------------------------------------------


def _bad(field_name: str, message: str, code: ReportError) -> ApplicationError:
    return ApplicationError(message, code=code, field_errors={field_name: message})


def _too_many(cap: int) -> ApplicationError:
    return ApplicationError(
        _("The report has more than %(cap)s rows: group by fewer cuts or filter it.") % {"cap": cap},
        code=ReportError.TOO_MANY_ROWS,
        extra={"max_rows": cap},
    )


def _check_group_by(group_by: Sequence[str]) -> list[str]:
    known = {PERIOD, *DIMS}
    keys: list[str] = []
    for item in group_by:
        if item not in known:
            raise _bad(
                "group_by",
                _("Unknown cut %(name)s; choose from %(known)s.") % {"name": item, "known": ", ".join([PERIOD, *DIMS])},
                ReportError.UNKNOWN_DIMENSION,
            )
        if item not in keys:
            keys.append(str(item))
    return keys


_CODE_PATTERNS: dict[Dim, re.Pattern[str]] = {
    Dim.TECHNOLOGY_FIELD: re.compile(r"^[0-9A-Za-z]{1,8}$"),
    Dim.SELLER_ENTITY_TYPE: re.compile(r"^\d{3}$"),
    Dim.BUYER_ENTITY_TYPE: re.compile(r"^\d{3}$"),
    # A prefecture (6 digits), a province or prefecture prefix (2 or 4 digits), or a country (3 digits).
    Dim.SELLER_AREA: re.compile(r"^(\d{2}|\d{3}|\d{4}|\d{6})$"),
    Dim.BUYER_AREA: re.compile(r"^(\d{2}|\d{3}|\d{4}|\d{6})$"),
    Dim.BROKER: re.compile(rf"^(\d{{1,20}}|{NO_BROKER})$"),
    Dim.MARKET: re.compile(r"^[-a-z0-9_]{1,24}$"),
}


def check_filters(filters: Mapping[str, Sequence[str]]) -> dict[str, tuple[str, ...]]:
    checked: dict[str, tuple[str, ...]] = {}
    for name, values in filters.items():
        if name not in DIMS:
            raise _bad(
                str(name),
                _("Unknown cut %(name)s; filters are named after the cuts.") % {"name": name},
                ReportError.UNKNOWN_DIMENSION,
            )
        dim = Dim(name)
        wanted = tuple(dict.fromkeys(str(v).strip() for v in values))
        if not wanted or "" in wanted:
            raise _bad(dim, _("Give at least one value."), ReportError.BAD_FILTER_VALUE)
        for value in wanted:
            allowed = CHOICE_DIMS.get(dim)
            fits = value in allowed if allowed is not None else bool(_CODE_PATTERNS[dim].match(value))
            if not fits:
                raise _bad(
                    dim,
                    _("%(value)s is not a value of %(cut)s.") % {"value": value, "cut": DIM_NAMES[dim]},
                    ReportError.BAD_FILTER_VALUE,
                )
        checked[dim.value] = wanted
    return checked


def filter_conditions(checked: Mapping[str, tuple[str, ...]]) -> list[Q]:
    conditions = []
    for name, values in checked.items():
        dim = Dim(name)
        if dim in AREA_DIMS:
            conditions.append(_area_condition(dim, values))
        elif dim in ENTITY_TYPE_DIMS:
            conditions.append(_entity_type_condition(dim, values))
        elif dim is Dim.BROKER:
            conditions.append(Q(broker__in=["" if v == NO_BROKER else v for v in values]))
        else:
            conditions.append(Q(**{f"{dim.value}__in": list(values)}))
    return conditions


def _area_condition(dim: Dim, values: Iterable[str]) -> Q:
    exact = [v for v in values if len(v) in (3, 6)]
    # A prefix selects domestic areas only: "45" must not take in country 458 (Malaysia).
    prefixes = [v for v in values if len(v) in (2, 4)]
    condition = Q(**{f"{dim.value}__in": exact}) if exact else Q(pk__in=[])
    if prefixes:
        pattern = "^(" + "|".join(f"{p}\\d{{{6 - len(p)}}}" for p in prefixes) + ")$"
        condition |= Q(**{f"{dim.value}__regex": pattern})
    return condition


def _entity_type_condition(dim: Dim, values: Iterable[str]) -> Q:
    # A top-level code takes in its subcodes (the codes are hierarchical: 100 ⊃ 110 … 180, 010 ⊃ 011 …).
    exact, patterns = [], []
    for code in values:
        if code[0] != "0" and code.endswith("00"):
            patterns.append(f"{code[0]}\\d\\d")
        elif code[0] == "0" and code.endswith("0"):
            patterns.append(f"{code[:2]}\\d")
        else:
            exact.append(code)
    condition = Q(**{f"{dim.value}__in": exact}) if exact else Q(pk__in=[])
    if patterns:
        condition |= Q(**{f"{dim.value}__regex": "^(" + "|".join(patterns) + ")$"})
    return condition


# --- reading the cells -------------------------------------------------------------------------

_SUMS = {f"sum_{m.value}": Sum(m.value) for m in MEASURES}


def _aggregate(
    base: Any, dims: list[Dim], period: str | None, start: date | None, end: date, *, cap: int
) -> dict[tuple[str, ...], dict[str, Value]]:
    """{(period key?, dim values…): sums} over whole months ``start``..``end`` (start None: from the first)."""
    qs = base.filter(month__lte=end)
    if start is not None:
        qs = qs.filter(month__gte=start)
    columns = [d.value for d in dims]
    if period is not None:
        qs = qs.annotate(period=Trunc("month", period, output_field=DateField()))
        columns = [PERIOD, *columns]
    if not columns:
        sums = qs.aggregate(**_SUMS)
        return {(): _measures(sums)} if sums["sum_contract_count"] is not None else {}
    found: dict[tuple[str, ...], dict[str, Value]] = {}
    for record in qs.values(*columns).annotate(**_SUMS).order_by()[: cap + 1]:
        key = tuple(period_key(record[c], period) if c == PERIOD else record[c] for c in columns)
        found[key] = _measures(record)
    if len(found) > cap:
        raise _too_many(cap)
    return found


def _measures(record: Mapping[str, Any]) -> dict[str, Value]:
    values: dict[str, Value] = {}
    for m in MEASURES:
        raw = record[f"sum_{m.value}"]
        if m is Measure.CONTRACT_COUNT:
            values[m.value] = int(raw or 0)
        else:
            values[m.value] = Decimal(raw or 0).quantize(Decimal("0.01"))
    return values


def _zero() -> dict[str, Value]:
    return {m.value: 0 if m is Measure.CONTRACT_COUNT else Decimal("0.00") for m in MEASURES}


def _sum(parts: Iterable[Mapping[str, Value]]) -> dict[str, Value]:
    total = _zero()
    for part in parts:
        for name, value in part.items():
            total[name] += value
    return total


def _nonzero(*parts: Mapping[str, Value] | None) -> bool:
    return any(value for part in parts if part for value in part.values())


def _growth(current: Mapping[str, Value], previous: Mapping[str, Value]) -> dict[str, Decimal | None]:
    growth: dict[str, Decimal | None] = {}
    for name, value in current.items():
        before = previous[name]
        growth[name] = (
            None if not before else (Decimal(value) / Decimal(before) - 1).quantize(Decimal("0.0001"), ROUND_HALF_UP)
        )
    return growth


def _row(
    key: dict[str, str],
    labels: dict[str, str],
    values: Mapping[str, Value] | None,
    previous: Mapping[str, Value] | None,
    compare: bool,
) -> ReportRow:
    now = dict(values) if values else _zero()
    if not compare:
        return ReportRow(key=key, labels=labels, values=now, previous=None, growth=None)
    before = dict(previous) if previous else _zero()
    return ReportRow(key=key, labels=labels, values=now, previous=before, growth=_growth(now, before))
