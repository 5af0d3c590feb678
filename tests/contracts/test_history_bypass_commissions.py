"""History of every change (bulk updates included), the broker-bypass alert, and brokers' commissions."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pghistory
import pytest
from django.db.models import F
from django.utils import timezone

from apps.contracts.models import BypassAlert, Contract, ContractEvent, Payment, PaymentEvent
from apps.contracts.services import contract_check_bypass, payment_create, registration_apply, registration_decide
from apps.notifications.models import Notification
from tests.brokers.factories import make_broker, make_introduction
from tests.contracts.factories import contract_payload, make_contract
from tests.factories import OrganizationFactory, member_of, operator_user

pytestmark = pytest.mark.django_db


# --- history -----------------------------------------------------------------------------------


def test_a_bulk_update_of_payments_and_contracts_leaves_one_event_per_row_with_the_actor(world):
    contracts = [make_contract(world) for _ in range(3)]
    untouched = make_contract(world)
    payments = [
        payment_create(actor=world.buyer_user, contract=c, amount=Decimal("1000.00"), paid_on=c.signed_on)
        for c in contracts
    ]
    actor = operator_user()
    with pghistory.context(user=actor.pk, reason="bank reconciliation"):
        moved = Payment.objects.filter(pk__in=[p.pk for p in payments]).update(reference="RECONCILED-2026")
        renamed = Contract.objects.filter(pk__in=[c.pk for c in contracts]).update(
            programme_class="city_county", version=F("version") + 1
        )
    assert (moved, renamed) == (3, 3)
    payment_events = PaymentEvent.objects.filter(
        pgh_label="update", pgh_context__metadata__reason="bank reconciliation"
    )
    assert sorted(e.pgh_obj_id for e in payment_events) == sorted(p.pk for p in payments)
    contract_events = ContractEvent.objects.filter(
        pgh_label="update", pgh_context__metadata__reason="bank reconciliation"
    )
    assert sorted(e.pgh_obj_id for e in contract_events) == sorted(c.pk for c in contracts)
    for event in [*payment_events.select_related("pgh_context"), *contract_events.select_related("pgh_context")]:
        assert event.pgh_context.metadata["user"] == actor.pk
    assert all(e.reference == "RECONCILED-2026" for e in payment_events)
    assert all(e.version == 2 and e.programme_class == "city_county" for e in contract_events)
    assert not ContractEvent.objects.filter(pgh_obj_id=untouched.pk, pgh_label="update").exists()


def test_the_operator_reads_the_history_with_the_acting_user(world, client_for):
    contract_id = (
        client_for(world.seller_user)
        .post("/api/v1/contracts", contract_payload(buyer=world.buyer, seller=world.seller), format="json")
        .json()["id"]
    )
    client_for(world.buyer_user).post(
        f"/api/v1/contracts/{contract_id}/payments", {"amount": "5000.00", "paid_on": "2026-03-02"}, format="json"
    )
    client_for(world.seller_user).patch(
        f"/api/v1/contracts/{contract_id}", {"title": "修改后的合同名称"}, format="json", HTTP_IF_MATCH='"1"'
    )
    url = f"/api/v1/contracts/{contract_id}/history"
    refused = client_for(world.seller_user).get(url)
    assert refused.status_code == 403
    assert refused.json()["code"] == "operator_only"
    assert client_for(world.outsider).get(url).status_code == 404
    rows = client_for(operator_user()).get(url).json()["results"]
    by_model = {(r["model"], r["label"]): r for r in rows}
    assert by_model[("contracts.Contract", "insert")]["user_id"] == world.seller_user.pk
    assert by_model[("contracts.Deduction", "insert")]["user_id"] == world.seller_user.pk
    payment = by_model[("contracts.Payment", "insert")]
    assert payment["user_id"] == world.buyer_user.pk
    assert payment["url"] == f"/api/v1/contracts/{contract_id}/payments"
    update = by_model[("contracts.Contract", "update")]
    assert update["user_id"] == world.seller_user.pk
    assert update["changes"]["title"][1] == "修改后的合同名称"
    assert update["changes"]["version"] == [1, 2]


def test_registration_changes_are_in_the_contracts_history(world, client_for):
    operator = operator_user()
    contract = make_contract(world, document=True)
    registration = registration_apply(actor=world.seller_user, contract=contract)
    registration_decide(actor=operator, registration=registration, decision="register")
    rows = client_for(operator).get(f"/api/v1/contracts/{contract.pk}/history").json()["results"]
    models = {r["model"] for r in rows}
    assert {"contracts.Registration", "contracts.RegistrationEvent"} <= models
    statuses = [r["data"]["status"] for r in rows if r["model"] == "contracts.Registration"]
    assert statuses == ["applied", "registered"]


# --- bypass alert ------------------------------------------------------------------------------


def test_signing_without_the_introducing_broker_alerts_the_broker_and_the_operator(
    world, client_for, celery_eager, django_capture_on_commit_callbacks
):
    operator = operator_user()
    payload = contract_payload(buyer=world.buyer, seller=world.seller)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(world.seller_user).post("/api/v1/contracts", payload, format="json")
    assert response.status_code == 201
    contract_id = response.json()["id"]
    alert = BypassAlert.objects.get()
    assert (alert.contract_id, alert.introduction_id, alert.broker_id) == (
        contract_id,
        world.introduction.pk,
        world.broker.pk,
    )
    notified = Notification.objects.filter(kind="contracts.broker_bypass")
    assert sorted(n.recipient_id for n in notified) == sorted([world.broker.user.pk, operator.pk])
    assert all(n.target_id == str(contract_id) for n in notified)
    body = notified.filter(recipient=world.broker.user).get().body
    assert world.buyer.name in body and world.seller.name in body
    assert payload["title"] in body
    # The parties are not told.
    assert not Notification.objects.filter(recipient__in=[world.buyer_user, world.seller_user]).exists()
    # Running the check again raises nothing new.
    assert contract_check_bypass(contract_id=contract_id) == []
    assert BypassAlert.objects.count() == 1
    assert notified.count() == 2


def test_no_alert_when_the_broker_takes_part_in_the_contracts_deal(world):
    deal = world.deal()
    contract = make_contract(world, deal_id=deal.pk)
    assert contract_check_bypass(contract_id=contract.pk) == []
    assert not BypassAlert.objects.exists()


def test_an_other_broker_left_out_of_the_deal_is_alerted(world):
    deal = world.deal()
    rival = make_broker()
    rival_intro = make_introduction(rival, world.seller, world.buyer)  # either order of the parties
    contract = make_contract(world, deal_id=deal.pk)
    alerts = contract_check_bypass(contract_id=contract.pk)
    assert [(a.broker_id, a.introduction_id) for a in alerts] == [(rival.pk, rival_intro.pk)]


def test_every_introducing_broker_in_the_window_is_alerted_but_not_for_other_parties(world):
    second = make_broker()
    make_introduction(second, world.buyer, world.seller)
    contract = make_contract(world)
    alerts = contract_check_bypass(contract_id=contract.pk)
    assert {a.broker_id for a in alerts} == {world.broker.pk, second.pk}
    # Another pair of parties: nothing.
    other = OrganizationFactory()
    member_of(other)
    unrelated = make_contract(world, buyer_id=other.pk)
    assert contract_check_bypass(contract_id=unrelated.pk) == []


def test_an_introduction_older_than_the_window_raises_no_alert(world, settings):
    import time_machine

    settings.CONTRACT_BYPASS_WINDOW_DAYS = 30
    later = timezone.now() + timedelta(days=45)
    with time_machine.travel(later, tick=False):
        contract = make_contract(world)
        assert contract_check_bypass(contract_id=contract.pk) == []
    settings.CONTRACT_BYPASS_WINDOW_DAYS = 60
    assert len(contract_check_bypass(contract_id=contract.pk)) == 1


def test_an_introduction_after_the_signing_is_no_bypass(world):
    contract = make_contract(world)
    BypassAlert.objects.all().delete()
    late_broker = make_broker()
    make_introduction(late_broker, world.buyer, world.seller)
    assert {a.broker_id for a in contract_check_bypass(contract_id=contract.pk)} == {world.broker.pk}


# --- commissions -------------------------------------------------------------------------------


def test_a_broker_sees_their_own_commissions_on_paid_amounts(world, client_for, django_assert_num_queries):
    terms = make_introduction(
        world.broker,
        world.buyer,
        world.seller,
        commission_rate=Decimal("0.0500"),
        commission_fixed=Decimal("2000.00"),
        commission_cap=Decimal("30000.00"),
    )
    deal = world.deal(introduction_id=terms.pk)
    contract = make_contract(
        world,
        deal_id=deal.pk,
        contract_amount=Decimal("1000000.00"),
        deductions=[{"kind": "equipment", "amount": Decimal("200000.00")}],
    )
    unpaid = make_contract(world, deal_id=deal.pk)
    client = client_for(world.broker.user)
    rows = client.get("/api/v1/brokers/me/commissions").json()["results"]
    assert [(r["contract_id"], r["commission"]) for r in rows] == [(unpaid.pk, "0.00"), (contract.pk, "0.00")]
    payment_create(actor=world.buyer_user, contract=contract, amount=Decimal("300000.00"), paid_on=contract.signed_on)
    rows = client.get("/api/v1/brokers/me/commissions").json()["results"]
    line = next(r for r in rows if r["contract_id"] == contract.pk)
    assert line["introduction_id"] == terms.pk
    assert line["paid_amount"] == "300000.00"
    assert line["paid_technology_amount"] == "240000.00"  # 80 % of what was paid
    assert line["commission"] == "14000.00"  # 5 % × 240,000 + 2,000
    payment_create(actor=world.buyer_user, contract=contract, amount=Decimal("700000.00"), paid_on=contract.signed_on)
    line = next(
        r for r in client.get("/api/v1/brokers/me/commissions").json()["results"] if r["contract_id"] == contract.pk
    )
    assert line["commission"] == "30000.00"  # 5 % × 800,000 + 2,000 = 42,000, capped
    # Another broker sees none of it; a user without a broker profile gets a 404.
    other = make_broker()
    assert client_for(other.user).get("/api/v1/brokers/me/commissions").json()["results"] == []
    assert client_for(world.buyer_user).get("/api/v1/brokers/me/commissions").status_code == 404
    # user + broker + page + introductions: the same for 2 or 12 contracts.
    with django_assert_num_queries(4):
        client.get("/api/v1/brokers/me/commissions")
    for _ in range(10):
        make_contract(world, deal_id=deal.pk)
    with django_assert_num_queries(4):
        assert len(client.get("/api/v1/brokers/me/commissions").json()["results"]) == 12
