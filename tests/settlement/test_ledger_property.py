"""Property: whatever sequence of deposits, acceptances, disputes, refunds and operator decisions runs
through the services, the ledger balances, no escrow balance goes below zero or above its milestone,
and what was released is exactly what the contract's escrow payments say."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.contracts.models import Payment
from apps.core.errors import ApplicationError
from apps.settlement import ledger
from apps.settlement.models import EscrowMilestone, Posting, PostingLine
from apps.settlement.selectors import account_balances, contract_reconciliation
from apps.settlement.services import (
    escrow_accept,
    escrow_deposit,
    escrow_dispute,
    escrow_milestone_create,
    escrow_refund,
    escrow_resolve,
    milestone_held,
)
from tests.contracts.factories import make_contract
from tests.factories import operator_user

pytestmark = pytest.mark.django_db

AMOUNTS = [Decimal("1000.00"), Decimal("2500.50"), Decimal("0.03")]

operation = st.one_of(
    st.tuples(st.just("deposit"), st.integers(0, 2), st.sampled_from(["rest", "half", "over"])),
    st.tuples(st.just("accept"), st.integers(0, 2), st.just(0)),
    st.tuples(st.just("dispute"), st.integers(0, 2), st.just(0)),
    st.tuples(st.just("refund"), st.integers(0, 2), st.just(0)),
    st.tuples(st.just("resolve_release"), st.integers(0, 2), st.just(0)),
    st.tuples(st.just("resolve_refund"), st.integers(0, 2), st.just(0)),
)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=st.lists(operation, min_size=1, max_size=8))
def test_the_ledger_always_balances_and_never_goes_negative(world, operations):
    # One contract for all examples (each example plans fresh milestones on it): building a contract
    # per example would dominate the run time.
    if not hasattr(world, "_ledger_contract"):
        world._operator = operator_user()
        world._ledger_contract = make_contract(world, contract_amount=Decimal("100000000.00"))
    operator, contract = world._operator, world._ledger_contract
    before = set(Posting.objects.filter(contract=contract).values_list("pk", flat=True))
    milestones = [
        escrow_milestone_create(
            actor=world.seller_user,
            contract=contract,
            title=f"节点{i}",
            amount=amount,
            due_on=contract.signed_on,
            acceptance_criteria="验收",
        )
        for i, amount in enumerate(AMOUNTS)
    ]
    for counter, (kind, index, size) in enumerate(operations):
        milestone = milestones[index]
        try:
            if kind == "deposit":
                rest = milestone.amount - milestone_held(milestone.pk)
                amount = {"rest": rest, "half": (rest / 2).quantize(Decimal("0.01")), "over": rest + Decimal("0.01")}[
                    size
                ]
                escrow_deposit(
                    actor=world.buyer_user,
                    milestone=milestone,
                    amount=amount,
                    external_reference=f"R{counter}",
                )
            elif kind == "accept":
                escrow_accept(actor=world.buyer_user, milestone=milestone)
            elif kind == "dispute":
                escrow_dispute(actor=world.seller_user, milestone=milestone, reason="异议")
            elif kind == "refund":
                escrow_refund(actor=world.seller_user, milestone=milestone)
            else:
                outcome = kind.removeprefix("resolve_")
                escrow_resolve(actor=operator, milestone=milestone, outcome=outcome)
        except ApplicationError:
            pass  # a refusal; the invariants below must hold all the same

        postings = Posting.objects.filter(contract=contract).exclude(pk__in=before)
        for posting in postings.prefetch_related("lines"):
            lines = [ledger.Line(line.account, line.debit, line.credit) for line in posting.lines.all()]
            assert ledger.is_balanced(lines)
        assert sum(account_balances(contract=contract).values(), Decimal(0)) == 0
        for m in milestones:
            held = milestone_held(m.pk)
            assert Decimal(0) <= held <= m.amount
            status = EscrowMilestone.objects.get(pk=m.pk).status
            if status in ("released", "refunded"):
                assert held == 0
        recon = contract_reconciliation(contract=contract)
        assert recon.held >= 0 and recon.differences == []
        escrow_paid = Payment.objects.filter(contract=contract, escrow_posting__isnull=False).aggregate(
            s=Sum("amount")
        )["s"] or Decimal(0)
        assert escrow_paid == recon.released
    totals = PostingLine.objects.filter(posting__contract=contract).aggregate(d=Sum("debit"), c=Sum("credit"))
    assert totals["d"] == totals["c"]
