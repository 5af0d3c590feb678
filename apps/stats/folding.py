"""What one registered contract contributes to the statistics, month by month (plain Python, no ORM).

The incremental fold (:func:`apps.stats.services.stats_fold_contract`) computes a contract's fresh
:func:`contribution` from its amount events and payments, compares it with what it added before
(``ContractFigures.months``) and applies only the :func:`diff` to the cells, so replaying an event
changes nothing. The nightly recompute writes the same rules as set-based SQL; the property test
checks that both agree with a direct computation over the final state.

Rules (months are first-of-month dates):

- each amount event adds its contract/technology deltas to the month of its ``effective_on``, except
  an amount correction, whose deltas go to the month of the registration (the period the amounts
  belong to), whenever it was recorded;
- the contract counts +1 in the month it was registered; an annulment counts -1 in its month;
- once registered, each payment counts in the month of ``max(paid_on, registered_on)``; an annulment
  takes back, in its month, what had been counted; payments dated after an annulment count nowhere;
- a contract without a registered event contributes nothing; months that net to zero are dropped.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Protocol

from apps.stats.dims import ALL, DIMS, GRAINS, Dim, Zone

# The registration event kinds this module reads (values of apps.contracts RegistrationEventKind).
REGISTERED = "registered"
CHANGE = "change"
TERMINATION = "termination"
ANNULMENT = "annulment"
AMOUNT_CORRECTION = "amount_correction"
AMOUNT_KINDS: frozenset[str] = frozenset({REGISTERED, CHANGE, TERMINATION, ANNULMENT, AMOUNT_CORRECTION})

CENT = Decimal("0.01")
ZERO = Decimal("0.00")

# (contract_count, contract_amount, technology_amount, paid_amount)
Figures = tuple[int, Decimal, Decimal, Decimal]
NO_FIGURES: Figures = (0, ZERO, ZERO, ZERO)
Months = dict[date, Figures]
# (grain id, month, dimension values in DIMS order)
CellKey = tuple[int, date, tuple[str, ...]]

CHINA = "156"
# GB/T 2260 province codes of Taiwan, Hong Kong and Macao.
HMT_PROVINCES = frozenset({"71", "81", "82"})


class AmountEvent(Protocol):
    @property
    def kind(self) -> str: ...
    @property
    def effective_on(self) -> date: ...
    @property
    def contract_amount_delta(self) -> Decimal | None: ...
    @property
    def technology_amount_delta(self) -> Decimal | None: ...


class PaymentFact(Protocol):
    @property
    def paid_on(self) -> date: ...
    @property
    def amount(self) -> Decimal: ...


def month_of(day: date) -> date:
    return day.replace(day=1)


def money(value: Decimal) -> Decimal:
    """To the fen, without a negative zero (so stored figures compare and print the same everywhere)."""
    return (value + ZERO).quantize(CENT) + ZERO


def _is_zero(figures: Figures) -> bool:
    return figures[0] == 0 and not figures[1] and not figures[2] and not figures[3]


def contribution(*, events: Iterable[AmountEvent], payments: Iterable[PaymentFact]) -> Months:
    """{month: (count, contract amount, technology amount, paid amount)} of one contract (see module doc)."""
    amount_events = [e for e in events if e.kind in AMOUNT_KINDS]
    registered_on = min((e.effective_on for e in amount_events if e.kind == REGISTERED), default=None)
    if registered_on is None:
        return {}
    annulled_on = min((e.effective_on for e in amount_events if e.kind == ANNULMENT), default=None)
    counts: dict[date, int] = defaultdict(int)
    sums: dict[date, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO, ZERO])

    def add(
        day: date, count: int = 0, contract: Decimal = ZERO, technology: Decimal = ZERO, paid: Decimal = ZERO
    ) -> None:
        month = month_of(day)
        counts[month] += count
        row = sums[month]
        row[0] += contract
        row[1] += technology
        row[2] += paid

    add(registered_on, count=1)
    if annulled_on is not None:
        add(annulled_on, count=-1)
    for event in amount_events:
        day = registered_on if event.kind == AMOUNT_CORRECTION else event.effective_on
        add(day, contract=event.contract_amount_delta or ZERO, technology=event.technology_amount_delta or ZERO)
    counted = ZERO
    for payment in payments:
        if annulled_on is not None and payment.paid_on > annulled_on:
            continue
        add(max(payment.paid_on, registered_on), paid=payment.amount)
        counted += payment.amount
    if annulled_on is not None and counted:
        add(annulled_on, paid=-counted)
    result: Months = {}
    for month, (contract, technology, paid) in sums.items():
        figures: Figures = (counts[month], money(contract), money(technology), money(paid))
        if not _is_zero(figures):
            result[month] = figures
    return result


def diff(old: Mapping[date, Figures], new: Mapping[date, Figures]) -> Months:
    """``new - old`` month by month, zero months dropped: what the cells still need."""
    result: Months = {}
    for month in sorted(set(old) | set(new)):
        was, now = old.get(month, NO_FIGURES), new.get(month, NO_FIGURES)
        delta: Figures = (now[0] - was[0], money(now[1] - was[1]), money(now[2] - was[2]), money(now[3] - was[3]))
        if not _is_zero(delta):
            result[month] = delta
    return result


def cell_deltas(
    *,
    old_dims: Mapping[Dim, str] | None,
    old: Mapping[date, Figures],
    new_dims: Mapping[Dim, str],
    new: Mapping[date, Figures],
) -> dict[CellKey, Figures]:
    """The change of every grain's cells when a contract's contribution moves from ``old`` (counted
    under ``old_dims``) to ``new`` (under ``new_dims``); zero changes dropped, sorted by key.

    With unchanged dimensions this is :func:`diff` spread over the grains; when a dimension value
    changed (e.g. the deal's broker), the old figures leave the old cells and the new ones enter the
    new cells.
    """
    counts: dict[CellKey, int] = defaultdict(int)
    sums: dict[CellKey, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO, ZERO])

    def spread(dims: Mapping[Dim, str], months: Mapping[date, Figures], sign: int) -> None:
        for grain in GRAINS:
            key = tuple(dims[dim] if dim in grain.dims else ALL for dim in DIMS)
            for month, (count, contract, technology, paid) in months.items():
                cell = (grain.id, month, key)
                counts[cell] += sign * count
                row = sums[cell]
                row[0] += sign * contract
                row[1] += sign * technology
                row[2] += sign * paid

    if old_dims is None or dict(old_dims) == dict(new_dims):
        spread(new_dims, diff(old, new), 1)
    else:
        spread(old_dims, old, -1)
        spread(new_dims, new, 1)
    result: dict[CellKey, Figures] = {}
    for key in sorted(sums):
        contract, technology, paid = sums[key]
        figures: Figures = (counts[key], money(contract), money(technology), money(paid))
        if not _is_zero(figures):
            result[key] = figures
    return result


def months_to_json(months: Mapping[date, Figures]) -> dict[str, list[int | str]]:
    """``ContractFigures.months``: {"YYYY-MM-01": [count, "amount", "amount", "amount"]}."""
    return {
        month.isoformat(): [figures[0], str(money(figures[1])), str(money(figures[2])), str(money(figures[3]))]
        for month, figures in sorted(months.items())
    }


def months_from_json(stored: Mapping[str, list[int | str]]) -> Months:
    return {
        date.fromisoformat(month): (int(v[0]), money(Decimal(v[1])), money(Decimal(v[2])), money(Decimal(v[3])))
        for month, v in stored.items()
    }


# --- dimension values of a party -----------------------------------------------------------------


def party_area(*, country: str, region: str | None) -> str:
    """A domestic party's prefecture code (a county folds into its prefecture; province codes end in
    0000 and so stay as they are), or a foreign party's 3-digit country code."""
    if country == CHINA and region:
        return region[:4] + "00"
    return country


def party_zone(*, country: str, region: str | None, is_asean: bool, home_region: str) -> Zone:
    """Where a party is seen from the market's home city (see :class:`apps.stats.dims.Zone`)."""
    if country == CHINA and region:
        if region[:2] in HMT_PROVINCES:
            return Zone.HMT
        if region[:4] == home_region[:4]:
            return Zone.CITY
        if region[:2] == home_region[:2]:
            return Zone.PROVINCE
        return Zone.DOMESTIC
    return Zone.ASEAN if is_asean else Zone.ABROAD
