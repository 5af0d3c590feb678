"""Row locks hold under concurrency; the list endpoints cost a fixed number of queries."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.contracts.models import Payment
from apps.contracts.selectors import market_today
from apps.settlement.models import EscrowMilestone, Posting
from apps.settlement.services import (
    escrow_accept,
    escrow_deposit,
    escrow_milestone_create,
    escrow_refund,
    implementation_report_create,
    royalty_report_answer,
    royalty_report_submit,
    royalty_term_create,
    scheme_create,
)
from tests.contracts.factories import make_contract
from tests.deals.factories import DealWorld


def _race(*calls: Callable[[], object]) -> list[str]:
    barrier = threading.Barrier(len(calls))
    outcomes: list[str] = []

    def run(call: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=10)
            call()
            outcomes.append("ok")
        except Exception as exc:
            outcomes.append(getattr(exc, "code", type(exc).__name__))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return sorted(outcomes)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_deposits_and_a_release_racing_a_refund():
    world = DealWorld()
    contract = make_contract(world, contract_amount=Decimal("100000.00"))
    milestone = escrow_milestone_create(
        actor=world.seller_user,
        contract=contract,
        title="交付",
        amount=Decimal("100000.00"),
        due_on=contract.signed_on,
        acceptance_criteria="验收",
    )

    def deposit(ref: str) -> Callable[[], object]:
        return lambda: escrow_deposit(
            actor=world.buyer_user, milestone=milestone, amount=Decimal("60000.00"), external_reference=ref
        )

    # Each deposit fits alone; the milestone's row lock lets exactly one through.
    assert _race(deposit("A"), deposit("B")) == ["escrow_deposit_exceeds_milestone", "ok"]
    escrow_deposit(actor=world.buyer_user, milestone=milestone, amount=Decimal("40000.00"), external_reference="C")
    # The buyer accepts while the seller gives the milestone up: one wins, the other finds it moved.
    outcomes = _race(
        lambda: escrow_accept(actor=world.buyer_user, milestone=milestone),
        lambda: escrow_refund(actor=world.seller_user, milestone=milestone),
    )
    assert outcomes == ["escrow_bad_transition", "ok"]
    status = EscrowMilestone.objects.get(pk=milestone.pk).status
    kinds = sorted(Posting.objects.filter(milestone=milestone).values_list("kind", flat=True))
    assert status in ("released", "refunded")
    assert kinds == sorted(["deposit", "deposit", "release" if status == "released" else "refund"])
    assert Payment.objects.filter(contract=contract).count() == (1 if status == "released" else 0)


@pytest.mark.django_db
def test_list_endpoints_have_pinned_query_counts(client_for, django_assert_num_queries):
    world = DealWorld()
    today = market_today()
    contract = make_contract(
        world,
        type="licence",
        subtype="ordinary_patent_licence",
        contract_amount=Decimal("900000.00"),
        signed_on=today - timedelta(days=800),
    )
    scheme_create(
        actor=world.seller_user,
        organization=world.seller,
        name="办法",
        effective_from=today - timedelta(days=900),
        shares=[
            {"kind": "researcher", "name": "甲", "percent": Decimal("70")},
            {"kind": "institution", "name": "学校", "percent": Decimal("30")},
        ],
    )
    term = royalty_term_create(
        actor=world.seller_user,
        contract=contract,
        period="quarter",
        starts_on=contract.signed_on,
        rate_percent=Decimal("5"),
    )

    def grow(n: int) -> None:
        for i in range(n):
            milestone = escrow_milestone_create(
                actor=world.seller_user,
                contract=contract,
                title=f"节点{n}{i}",
                amount=Decimal("1000.00"),
                due_on=today,
                acceptance_criteria="验收",
            )
            escrow_deposit(
                actor=world.buyer_user, milestone=milestone, amount=Decimal("1000.00"), external_reference=f"R{n}{i}"
            )
            escrow_accept(actor=world.buyer_user, milestone=milestone)
            index = term.reports.count() + 1
            report = royalty_report_submit(
                actor=world.buyer_user, term=term, period_index=index, net_sales=Decimal("10000")
            )
            royalty_report_answer(actor=world.seller_user, report=report, action="acknowledge")
            implementation_report_create(
                actor=world.buyer_user,
                contract=contract,
                stage="pilot",
                period_start=contract.signed_on + timedelta(days=10 * index),
                period_end=contract.signed_on + timedelta(days=10 * index + 5),
            )

    buyer, seller = client_for(world.buyer_user), client_for(world.seller_user)
    urls = [
        (buyer, f"/api/v1/contracts/{contract.pk}/settlement/milestones"),
        (buyer, f"/api/v1/contracts/{contract.pk}/settlement/ledger"),
        (buyer, f"/api/v1/contracts/{contract.pk}/royalty-reports"),
        (buyer, f"/api/v1/contracts/{contract.pk}/implementation"),
        (seller, f"/api/v1/organizations/{world.seller.pk}/income-allocations"),
        (seller, f"/api/v1/organizations/{world.seller.pk}/income-allocations/report"),
        (seller, f"/api/v1/organizations/{world.seller.pk}/distribution-schemes"),
    ]
    grow(1)
    counts = {}
    for client, url in urls:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200, url
        counts[url] = len(captured.captured_queries)
    grow(3)
    for client, url in urls:
        with django_assert_num_queries(counts[url]):
            assert client.get(url).status_code == 200, url
