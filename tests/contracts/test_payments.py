"""Milestones and payments: never beyond the contract amount, idempotent POSTs, who may record them."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection

from apps.contracts.models import Payment, PaymentMilestone
from apps.contracts.services import payment_create
from tests.contracts.factories import make_contract
from tests.factories import operator_user

pytestmark = pytest.mark.django_db


def test_payments_add_up_to_the_contract_amount_and_no_further(world, client_for):
    contract = make_contract(world, contract_amount=Decimal("600000.00"))
    client = client_for(world.buyer_user)
    url = f"/api/v1/contracts/{contract.pk}/payments"
    first = client.post(url, {"amount": "400000.00", "paid_on": "2026-03-02", "reference": "ICBC-0001"}, format="json")
    assert first.status_code == 201, first.json()
    over = client.post(url, {"amount": "200000.01", "paid_on": "2026-03-03"}, format="json")
    assert over.status_code == 400
    assert over.json()["code"] == "payments_exceed_contract_amount"
    assert over.json()["paid_amount"] == "400000.00"
    assert Payment.objects.filter(contract=contract).count() == 1
    rest = client_for(world.seller_user).post(url, {"amount": "200000.00", "paid_on": "2026-03-03"}, format="json")
    assert rest.status_code == 201
    detail = client.get(f"/api/v1/contracts/{contract.pk}").json()
    assert detail["paid_amount"] == "600000.00"
    assert [p["amount"] for p in client.get(url).json()["results"]] == ["400000.00", "200000.00"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"amount": "0.00", "paid_on": "2026-03-02"}, "amount"),
        ({"amount": "-5.00", "paid_on": "2026-03-02"}, "amount"),
        ({"amount": "10.00", "paid_on": "2999-03-02"}, "paid_on"),
        ({"amount": "10.00", "paid_on": "2026-03-02", "milestone_id": 999999}, "milestone_id"),
        ({"amount": "abc", "paid_on": "2026-03-02"}, "amount"),
    ],
)
def test_bad_payments_are_refused_and_nothing_is_stored(world, client_for, body, field):
    contract = make_contract(world)
    response = client_for(world.buyer_user).post(f"/api/v1/contracts/{contract.pk}/payments", body, format="json")
    assert response.status_code == 400, response.json()
    assert any(e["field"] == field for e in response.json()["errors"])
    assert not Payment.objects.exists()


def test_idempotent_payment_replays_and_refuses_a_reused_key(world, client_for):
    contract = make_contract(world)
    client = client_for(world.buyer_user)
    url = f"/api/v1/contracts/{contract.pk}/payments"
    body = {"amount": "100000.00", "paid_on": "2026-04-01", "reference": "BOC-77"}
    first = client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="pay-2026-04-01")
    replay = client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="pay-2026-04-01")
    assert first.status_code == replay.status_code == 201
    assert replay["Idempotent-Replayed"] == "true"
    assert replay.json() == first.json()
    assert Payment.objects.count() == 1
    reused = client.post(url, {**body, "amount": "1.00"}, format="json", HTTP_IDEMPOTENCY_KEY="pay-2026-04-01")
    assert reused.status_code == 422
    assert Payment.objects.count() == 1
    # The same key on another contract is another request: refused too.
    other = make_contract(world)
    elsewhere = client.post(
        f"/api/v1/contracts/{other.pk}/payments", body, format="json", HTTP_IDEMPOTENCY_KEY="pay-2026-04-01"
    )
    assert elsewhere.status_code == 422
    assert Payment.objects.count() == 1
    # A refused payment stores no key: the client may fix the body and retry with the same key.
    bad_key = "pay-fix-me"
    assert client.post(url, {**body, "amount": "0"}, format="json", HTTP_IDEMPOTENCY_KEY=bad_key).status_code == 400
    assert client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY=bad_key).status_code == 201


def test_brokers_see_payments_but_only_parties_and_the_operator_record_them(world, client_for):
    deal = world.deal()
    contract = make_contract(world, deal_id=deal.pk)
    url = f"/api/v1/contracts/{contract.pk}/payments"
    body = {"amount": "1000.00", "paid_on": "2026-04-01"}
    assert client_for(world.broker.user).get(url).status_code == 200
    assert client_for(world.broker.user).post(url, body, format="json").status_code == 403
    assert client_for(operator_user()).post(url, body, format="json").status_code == 201
    assert Payment.objects.count() == 1


def test_milestones_are_capped_by_the_contract_amount(world, client_for):
    contract = make_contract(world, contract_amount=Decimal("600000.00"))
    client = client_for(world.seller_user)
    url = f"/api/v1/contracts/{contract.pk}/milestones"
    ok = client.post(url, {"title": "首付款", "due_on": "2026-12-31", "amount": "300000.00"}, format="json")
    assert ok.status_code == 201, ok.json()
    milestone_id = ok.json()["id"]
    over = client.post(url, {"title": "尾款", "due_on": "2027-06-30", "amount": "300000.01"}, format="json")
    assert over.status_code == 400
    assert PaymentMilestone.objects.count() == 1
    paid = client.post(
        f"/api/v1/contracts/{contract.pk}/payments",
        {"amount": "100000.00", "paid_on": "2026-04-01", "milestone_id": milestone_id},
        format="json",
    )
    assert paid.status_code == 201
    rows = client.get(url).json()
    assert rows == [
        {
            "id": milestone_id,
            "title": "首付款",
            "due_on": "2026-12-31",
            "amount": "300000.00",
            "paid_amount": "100000.00",
        }
    ]
    # The contract amount cannot shrink below what was scheduled or paid.
    shrink = client.patch(
        f"/api/v1/contracts/{contract.pk}", {"contract_amount": "250000.00"}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert shrink.status_code == 400
    assert shrink.json()["code"] == "milestones_exceed_contract_amount"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_concurrent_payments_cannot_together_pass_the_contract_amount():
    """Each is within the amount alone; the row lock on the contract lets exactly one through."""
    from tests.deals.factories import DealWorld

    world = DealWorld()
    contract = make_contract(world, contract_amount=Decimal("100000.00"))
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def pay() -> None:
        try:
            barrier.wait(timeout=10)
            payment_create(
                actor=world.buyer_user, contract=contract, amount=Decimal("60000.00"), paid_on=contract.signed_on
            )
            outcomes.append("ok")
        except Exception as exc:
            outcomes.append(getattr(exc, "code", type(exc).__name__))
        finally:
            connection.close()

    threads = [threading.Thread(target=pay) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == ["ok", "payments_exceed_contract_amount"]
    assert Payment.objects.filter(contract=contract).count() == 1


def test_sub_lists_have_pinned_query_counts(world, client_for, django_assert_num_queries):
    contract = make_contract(world, contract_amount=Decimal("900000.00"))
    client = client_for(world.seller_user)
    base = f"/api/v1/contracts/{contract.pk}"

    def grow() -> None:
        for i in range(3):
            payment_create(
                actor=world.buyer_user, contract=contract, amount=Decimal("1000.00"), paid_on=contract.signed_on
            )
            client.post(
                f"{base}/milestones", {"title": f"第{i}期", "due_on": "2027-01-31", "amount": "1000.00"}, format="json"
            )
        contract.refresh_from_db()
        client.post(
            f"{base}/deductions",
            {"kind": "parts", "amount": "10.00"},
            format="json",
            HTTP_IF_MATCH=f'"{contract.version}"',
        )

    for _round in range(2):
        grow()
        # user + memberships + contract (with its deductions prefetched) + the list.
        with django_assert_num_queries(5):
            assert client.get(f"{base}/payments").status_code == 200
        with django_assert_num_queries(5):
            assert client.get(f"{base}/milestones").status_code == 200
        with django_assert_num_queries(5):
            assert client.get(f"{base}/deductions").status_code == 200
    assert len(client.get(f"{base}/payments").json()["results"]) == 6
