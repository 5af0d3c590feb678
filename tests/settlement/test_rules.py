"""The pure rules against hand computations: royalties (docs/settlement.md's worked example), the
split of an income to the fen, the ledger's moves."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from apps.settlement import ledger, royalty, sharing

D = Decimal


def test_the_worked_example_of_the_docs():
    # 5% of net sales + ¥2 per unit, minimum ¥200,000 a year, quarterly. Q1–Q3 ran 40,000 + 35,000 + 45,000.
    q4 = royalty.amount_due(
        net_sales=D("600000.00"),
        units=5000,
        rate_percent=D("5"),
        per_unit_fee=D("2.00"),
        minimum_annual=D("200000.00"),
        period="quarter",
        index=4,
        earlier_running_this_year=D("120000.00"),
    )
    assert (q4.running, q4.top_up, q4.total) == (D("40000.00"), D("40000.00"), D("80000.00"))
    q2 = royalty.amount_due(
        net_sales=D("600000.00"),
        units=5000,
        rate_percent=D("5"),
        per_unit_fee=D("2.00"),
        minimum_annual=D("200000.00"),
        period="quarter",
        index=2,
        earlier_running_this_year=D("0"),
    )
    assert q2.top_up == 0 and q2.total == D("40000.00")  # the minimum is settled in the year's last period


def test_rounding_is_half_up_to_the_fen_per_component():
    # 3.5% of 1,234.57 = 43.20995 → 43.21; 7 units × 0.125 = 0.875 → 0.88
    assert royalty.running_royalty(
        net_sales=D("1234.57"), units=7, rate_percent=D("3.5"), per_unit_fee=D("0.125")
    ) == D("44.09")


def test_a_year_over_the_minimum_has_no_top_up():
    due = royalty.amount_due(
        net_sales=D("5000000"),
        units=0,
        rate_percent=D("5"),
        per_unit_fee=D("0"),
        minimum_annual=D("200000"),
        period="year",
        index=1,
        earlier_running_this_year=D("0"),
    )
    assert (due.running, due.top_up) == (D("250000.00"), D("0.00"))


def test_periods_count_from_the_start_and_end_of_month_sticks():
    assert royalty.period_bounds(starts_on=date(2026, 1, 1), period="quarter", index=1) == (
        date(2026, 1, 1),
        date(2026, 3, 31),
    )
    assert royalty.period_bounds(starts_on=date(2026, 1, 1), period="quarter", index=5) == (
        date(2027, 1, 1),
        date(2027, 3, 31),
    )
    assert royalty.period_bounds(starts_on=date(2026, 7, 1), period="year", index=2) == (
        date(2027, 7, 1),
        date(2028, 6, 30),
    )
    assert list(royalty.year_periods(period="quarter", index=6)) == [5, 6, 7, 8]


def test_a_split_by_hand():
    # 100,000.01 by 50 / 20 / 15 / 15: 50,000.005 → 50,000.01 gets the odd fen (largest remainder, first).
    assert sharing.split(D("100000.01"), [D("50"), D("20"), D("15"), D("15")]) == [
        D("50000.01"),
        D("20000.00"),
        D("15000.00"),
        D("15000.00"),
    ]
    assert sharing.split(D("0.02"), [D("33.33"), D("33.33"), D("33.34")]) == [D("0.01"), D("0.00"), D("0.01")]


@given(
    cents=st.integers(1, 10**12),
    weights=st.lists(st.integers(1, 100), min_size=1, max_size=8),
)
def test_a_split_always_adds_up_to_the_amount(cents, weights):
    total = sum(weights)
    percents = [D(w * 10000 // total) / 100 for w in weights]
    percents[-1] += D(100) - sum(percents)
    if any(p <= 0 for p in percents):
        return
    amount = D(cents) / 100
    parts = sharing.split(amount, percents)
    assert sum(parts) == amount
    assert all(abs(part - amount * p / 100) < D("0.01") for part, p in zip(parts, percents, strict=True))


@pytest.mark.parametrize(
    ("percents", "ok"),
    [([D("70"), D("30")], True), ([D("70"), D("20")], False), ([], False), ([D("0"), D("100")], False)],
)
def test_shares_must_add_up_to_100(percents, ok):
    assert (sharing.check_percents(percents) is None) is ok


def test_every_move_balances_and_the_accounts_sum_to_zero():
    lines = [
        *ledger.lines_for("deposit", D("100.00")),
        *ledger.lines_for("release", D("60.00")),
        *ledger.lines_for("refund", D("40.00")),
    ]
    assert ledger.is_balanced(lines)
    balances = ledger.balances(lines)
    assert balances == {
        "buyer_funds": D("-100.00"),
        "escrow_held": D("0.00"),
        "seller_paid": D("60.00"),
        "refunded": D("40.00"),
    }
    with pytest.raises(ValueError):
        ledger.lines_for("deposit", D("0"))
