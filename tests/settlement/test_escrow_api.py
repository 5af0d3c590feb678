"""Settlement over HTTP: a plan, deposits (idempotent on the bank reference), acceptance releasing a
contract payment, disputes decided by the operator, refunds, the ledger and the reconciliation."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from apps.contracts.models import Payment
from apps.core.evidence import verify_chain
from apps.core.models import EvidenceEntry
from apps.settlement.models import EscrowMilestone, Posting, PostingLine
from tests.contracts.factories import make_contract
from tests.factories import operator_user

pytestmark = pytest.mark.django_db


def _plan(client, contract, amount="300000.00", title="中试线调试验收"):
    response = client.post(
        f"/api/v1/contracts/{contract.pk}/settlement/milestones",
        {"title": title, "amount": amount, "due_on": "2027-03-31", "acceptance_criteria": "连续运行 72 小时"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    return response.json()


def test_a_milestone_is_deposited_accepted_and_settled_as_a_contract_payment(world, client_for):
    contract = make_contract(world, contract_amount=Decimal("600000.00"))
    buyer, seller = client_for(world.buyer_user), client_for(world.seller_user)
    first = _plan(seller, contract)
    second = _plan(seller, contract, amount="200000.00", title="产业化验收")
    assert first["status"] == "awaiting_funds" and first["held"] == "0.00"

    url = f"/api/v1/settlement/milestones/{first['id']}/deposits"
    part = buyer.post(url, {"amount": "100000.00", "external_reference": "ICBC-1"}, format="json")
    assert part.status_code == 201, part.json()
    assert {(line["account"], line["debit"], line["credit"]) for line in part.json()["lines"]} == {
        ("escrow_held", "100000.00", "0.00"),
        ("buyer_funds", "0.00", "100000.00"),
    }
    again = buyer.post(url, {"amount": "100000.00", "external_reference": "ICBC-1"}, format="json")
    assert again.status_code == 200 and again.json()["id"] == part.json()["id"]
    reused = buyer.post(url, {"amount": "5.00", "external_reference": "ICBC-1"}, format="json")
    assert reused.status_code == 409 and reused.json()["code"] == "escrow_reference_reused"
    too_much = buyer.post(url, {"amount": "200000.01", "external_reference": "ICBC-2"}, format="json")
    assert too_much.status_code == 400 and too_much.json()["code"] == "escrow_deposit_exceeds_milestone"
    early = buyer.post(f"/api/v1/settlement/milestones/{first['id']}/accept", {}, format="json")
    assert early.status_code == 409
    rest = buyer.post(url, {"amount": "200000.00", "external_reference": "ICBC-2"}, format="json")
    assert rest.status_code == 201
    assert Payment.objects.filter(contract=contract).count() == 0  # a deposit is not a payment to the seller

    # The seller cannot accept for the buyer.
    refused = seller.post(f"/api/v1/settlement/milestones/{first['id']}/accept", {}, format="json")
    assert refused.status_code == 403
    accepted = buyer.post(f"/api/v1/settlement/milestones/{first['id']}/accept", {"note": "验收合格"}, format="json")
    assert accepted.status_code == 200, accepted.json()
    assert accepted.json()["status"] == "released" and accepted.json()["held"] == "0.00"
    payment = Payment.objects.get(contract=contract)
    assert payment.amount == Decimal("300000.00") and payment.milestone_id == first["payment_milestone_id"]
    assert buyer.get(f"/api/v1/contracts/{contract.pk}").json()["paid_amount"] == "300000.00"

    ledger = buyer.get(f"/api/v1/contracts/{contract.pk}/settlement/ledger").json()["results"]
    assert [p["kind"] for p in ledger] == ["deposit", "deposit", "release"]
    assert ledger[-1]["payment_id"] == payment.pk
    recon = seller.get(f"/api/v1/contracts/{contract.pk}/settlement/reconciliation").json()
    assert recon["deposited"] == "300000.00" and recon["released"] == "300000.00" and recon["held"] == "0.00"
    assert recon["payments_from_escrow"] == "300000.00" and recon["differences"] == []

    # Each movement is attested in the evidence chain, which still verifies.
    events = list(
        EvidenceEntry.objects.filter(
            stream="settlements", subject_type="escrow_milestone", subject_id=first["id"]
        ).values_list("event", "payload")
    )
    assert [e for e, _p in events] == ["escrow.deposited", "escrow.deposited", "escrow.released"]
    assert events[-1][1]["amount"] == "300000.00" and events[-1][1]["payment_id"] == payment.pk
    assert verify_chain().ok

    plan = buyer.get(f"/api/v1/contracts/{contract.pk}/settlement/milestones").json()
    assert [(m["id"], m["status"]) for m in plan] == [(first["id"], "released"), (second["id"], "awaiting_funds")]


def test_a_disputed_milestone_is_refunded_by_the_operator_and_the_market_report_agrees(world, client_for):
    contract = make_contract(world)
    buyer, seller = client_for(world.buyer_user), client_for(world.seller_user)
    operator = client_for(operator_user())
    milestone = _plan(seller, contract, amount="50000.00")
    base = f"/api/v1/settlement/milestones/{milestone['id']}"
    assert (
        buyer.post(f"{base}/deposits", {"amount": "50000.00", "external_reference": "B-9"}, format="json").status_code
        == 201
    )
    # Only the operator resolves; a party's attempt changes nothing.
    disputed = buyer.post(f"{base}/dispute", {"reason": "渗碳层深度不达标"}, format="json")
    assert disputed.status_code == 200 and disputed.json()["status"] == "disputed"
    assert buyer.post(f"{base}/accept", {}, format="json").status_code == 409
    assert seller.post(f"{base}/resolve", {"outcome": "release"}, format="json").status_code == 403
    resolved = operator.post(f"{base}/resolve", {"outcome": "refund", "note": "复验未达标"}, format="json")
    assert resolved.status_code == 200 and resolved.json()["status"] == "refunded"
    assert resolved.json()["held"] == "0.00"
    assert list(
        EvidenceEntry.objects.filter(
            stream="settlements", subject_type="escrow_milestone", subject_id=milestone["id"]
        ).values_list("event", flat=True)
    ) == ["escrow.deposited", "escrow.disputed", "escrow.refunded"]
    assert not Payment.objects.filter(contract=contract).exists()
    assert buyer.post(f"{base}/refund", {}, format="json").status_code == 403

    report = operator.get("/api/v1/settlement/reconciliation").json()
    row = next(r for r in report["contracts"] if r["contract_id"] == contract.pk)
    assert (row["deposited"], row["refunded"], row["held"], row["differences"]) == ("50000.00", "50000.00", "0.00", [])
    assert report["market"]["ledger_balanced"] is True
    csv_response = operator.get("/api/v1/settlement/reconciliation?format=csv")
    assert csv_response.status_code == 200
    text = b"".join(csv_response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "合同编号ID" and rows[-1][0] == "合计"
    assert client_for(world.buyer_user).get("/api/v1/settlement/reconciliation").status_code == 403


def test_other_organisations_see_nothing_and_change_nothing(world, client_for):
    contract = make_contract(world)
    milestone = _plan(client_for(world.seller_user), contract)
    outsider = client_for(world.outsider)
    base = f"/api/v1/settlement/milestones/{milestone['id']}"
    assert outsider.get(f"/api/v1/contracts/{contract.pk}/settlement/milestones").status_code == 404
    assert outsider.get(f"/api/v1/contracts/{contract.pk}/settlement/ledger").status_code == 404
    assert (
        outsider.post(f"{base}/deposits", {"amount": "1.00", "external_reference": "X"}, format="json").status_code
        == 404
    )
    assert outsider.post(f"{base}/accept", {}, format="json").status_code == 404
    assert outsider.post(f"{base}/dispute", {"reason": "x"}, format="json").status_code == 404
    assert not Posting.objects.exists()
    assert EscrowMilestone.objects.get().status == "awaiting_funds"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"amount": "0.00", "external_reference": "R1"}, "amount"),
        ({"amount": "abc", "external_reference": "R1"}, "amount"),
        ({"amount": "10.00"}, "external_reference"),
    ],
)
def test_bad_deposits_are_refused_and_nothing_is_stored(world, client_for, body, field):
    contract = make_contract(world)
    milestone = _plan(client_for(world.seller_user), contract)
    response = client_for(world.buyer_user).post(
        f"/api/v1/settlement/milestones/{milestone['id']}/deposits", body, format="json"
    )
    assert response.status_code == 400, response.json()
    assert any(e["field"] == field for e in response.json()["errors"])
    assert not Posting.objects.exists() and not PostingLine.objects.exists()


def test_a_plan_beyond_the_contract_amount_is_refused(world, client_for):
    contract = make_contract(world, contract_amount=Decimal("100000.00"))
    response = client_for(world.seller_user).post(
        f"/api/v1/contracts/{contract.pk}/settlement/milestones",
        {"title": "全部", "amount": "100000.01", "due_on": "2027-03-31", "acceptance_criteria": "交付"},
        format="json",
    )
    assert response.status_code == 400 and response.json()["code"] == "milestones_exceed_contract_amount"
    assert not EscrowMilestone.objects.exists()


def test_the_ledger_list_query_count_is_pinned(world, client_for, django_assert_max_num_queries):
    contract = make_contract(world)
    buyer = client_for(world.buyer_user)
    for n in range(3):
        milestone = _plan(client_for(world.seller_user), contract, amount="1000.00", title=f"节点{n}")
        buyer.post(
            f"/api/v1/settlement/milestones/{milestone['id']}/deposits",
            {"amount": "1000.00", "external_reference": f"R{n}"},
            format="json",
        )
    with django_assert_max_num_queries(12):
        response = buyer.get(f"/api/v1/contracts/{contract.pk}/settlement/ledger")
    assert len(response.json()["results"]) == 3
