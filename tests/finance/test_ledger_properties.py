"""The pool's ledger balances after any sequence of capital, defaults and recoveries (hypothesis)."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from apps.finance import ledger

money = st.integers(min_value=1, max_value=10_000_000_00).map(lambda fen: Decimal(fen) / 100)
shares = st.tuples(st.integers(0, 100), st.integers(0, 100)).filter(lambda t: t[0] + t[1] <= 100)
event = st.one_of(
    st.tuples(st.just("capital"), money),
    st.tuples(st.just("default"), money, st.booleans()),
    st.tuples(st.just("recover"), st.integers(0, 50), st.integers(1, 100)),
)


@settings(max_examples=120, deadline=None)
@given(shares=shares, events=st.lists(event, max_size=40))
def test_the_ledger_always_balances(shares, events):
    pool_share, guarantor_share = (Decimal(s) for s in shares)
    entries: list[ledger.Entry] = []
    capital = compensation = recovered_to_pool = ledger.ZERO
    defaults: list[tuple[ledger.Split, Decimal]] = []  # loss split, recovered so far
    for ev in events:
        cash = ledger.balances(entries).get("pool_cash", ledger.ZERO)
        if ev[0] == "capital":
            posting = ledger.capital_entries(ev[1])
            capital += ev[1]
        elif ev[0] == "default":
            split = ledger.split_loss(
                ev[1], pool_share=pool_share, guarantor_share=guarantor_share, has_guarantor=ev[2], pool_cash=cash
            )
            assert split.total == ev[1]
            assert min(split.pool, split.bank, split.guarantor) >= 0
            assert split.pool <= cash
            posting = ledger.compensation_entries(split)
            compensation += split.pool
            defaults.append((split, ledger.ZERO))
        else:
            if not defaults:
                continue
            index = ev[1] % len(defaults)
            split, before = defaults[index]
            left = split.total - before
            if left <= 0:
                continue
            amount = max(ledger.FEN, (left * ev[2] / 100).quantize(ledger.FEN))
            amount = min(amount, left)
            part = ledger.split_recovery(amount, recovered_before=before, loss=split)
            assert part.total == amount
            assert min(part.pool, part.bank, part.guarantor) >= 0
            posting = ledger.recovery_entries(part)
            recovered_to_pool += part.pool
            defaults[index] = (split, before + amount)
        assert ledger.is_balanced(posting)
        entries.extend(posting)
        totals = ledger.balances(entries)
        assert sum(totals.values(), ledger.ZERO) == 0  # debits = credits over the whole ledger
        assert totals.get("pool_cash", ledger.ZERO) == capital - compensation + recovered_to_pool
        assert totals.get("pool_cash", ledger.ZERO) >= 0
    # No party ever gets back more than it lost.
    for split, before in defaults:
        assert before <= split.total
    totals = ledger.balances(entries)
    assert totals.get("bank_loss", ledger.ZERO) >= 0
    assert totals.get("guarantor_loss", ledger.ZERO) >= 0
