"""Post-subsidies over HTTP: the operator's policy and round, an enterprise's claim on its paid registered
contracts computed as by hand, review, reduction, disbursement; one claim per contract and policy; others
see nothing; a new policy version leaves computed claims alone."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from apps.contracts.selectors import market_today
from apps.contracts.services import payment_create, registration_apply, registration_decide
from apps.subsidies.models import ClaimedContract, Disbursement, SubsidyClaim, SubsidyRound
from tests.contracts.factories import make_contract
from tests.deals.factories import DealWorld
from tests.factories import operator_user

pytestmark = pytest.mark.django_db

RULES = {
    "claimant_role": "buyer",
    "shares": {"transfer": "0.10", "development": "0.05"},
    "min_paid_technology_amount": "300000.00",
    "cap_per_contract": "50000.00",
    "cap_per_enterprise_year": "80000.00",
    "require_registered": True,
    "claimant_region_prefixes": ["4502"],
    "counterparty_location": "any",
}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def world(db):
    return DealWorld()


@pytest.fixture
def operator():
    return operator_user()


def _contract(world, operator, *, paid, register=True, **overrides):
    contract = make_contract(world, document=True, **overrides)
    if register:
        registration = registration_apply(actor=world.seller_user, contract=contract)
        registration_decide(actor=operator, registration=registration, decision="register")
    if paid:
        payment_create(actor=world.buyer_user, contract=contract, amount=Decimal(paid), paid_on=market_today())
    return contract


@pytest.fixture
def round_(client_for, operator):
    client = client_for(operator)
    today = market_today()
    policy = client.post(
        "/api/v1/subsidies/policies",
        {"name": "柳州市技术交易后补助", "version": "2026-01", "effective_from": "2026-01-01", "rules": RULES},
        format="json",
    )
    assert policy.status_code == 201, policy.json()
    assert client.post(f"/api/v1/subsidies/policies/{policy.json()['id']}/activate").status_code == 200
    created = client.post(
        "/api/v1/subsidies/rounds",
        {
            "policy_id": policy.json()["id"],
            "name": "2026年第一批",
            "opens_on": (today - timedelta(days=1)).isoformat(),
            "closes_on": (today + timedelta(days=30)).isoformat(),
            "budget": "1000000.00",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    return created.json()


def test_a_claim_equals_the_hand_computation_and_runs_to_disbursement(client_for, world, operator, round_):
    transfer = _contract(
        world,
        operator,
        paid="600000.00",
        type="transfer",
        subtype="patent_right_transfer",
        ip_type="invention_patent",
        contract_amount=Decimal("1000000.00"),
        deductions=[{"kind": "equipment", "description": "热处理炉", "amount": Decimal("200000.00")}],
    )
    development = _contract(world, operator, paid="900000.00", contract_amount=Decimal("900000.00"))
    small = _contract(world, operator, paid="200000.00", type="transfer", subtype="patent_right_transfer")
    consulting = _contract(
        world, operator, paid="400000.00", type="consulting", subtype="feasibility_study", ip_type="none"
    )
    unregistered = _contract(world, operator, paid="600000.00", register=False)
    ids = [transfer.pk, development.pk, small.pk, consulting.pk, unregistered.pk]

    buyer = client_for(world.buyer_user)
    response = buyer.post("/api/v1/subsidies/claims", {"round_id": round_["id"], "contract_ids": ids}, format="json")
    assert response.status_code == 201, response.json()
    claim = response.json()

    # By hand. Transfer: paid technology amount 600,000 × 800,000 / 1,000,000 = 480,000; × 10% = 48,000
    # (under the 50,000 contract cap). Development: 900,000 × 5% = 45,000, but the enterprise's yearly cap
    # of 80,000 leaves 80,000 − 48,000 = 32,000. The others are excluded: 200,000 is below the 300,000
    # threshold, consulting has no share, the last is not registered. Total 48,000 + 32,000 = 80,000.
    lines = {line["contract_id"]: line for line in claim["breakdown"]["lines"]}
    assert (lines[transfer.pk]["base"], lines[transfer.pk]["amount"]) == ("480000.00", "48000.00")
    assert (lines[development.pk]["raw"], lines[development.pk]["amount"]) == ("45000.00", "32000.00")
    assert lines[development.pk]["reasons"] == ["enterprise_year_cap_reached"]
    assert lines[small.pk]["reasons"] == ["below_threshold"]
    assert lines[consulting.pk]["reasons"] == ["contract_type_not_covered"]
    assert lines[unregistered.pk]["reasons"] == ["not_registered"]
    hand = Decimal("480000.00") * Decimal("0.10") + (Decimal("80000.00") - Decimal("48000.00"))
    assert Decimal(claim["computed_amount"]) == hand == Decimal("80000.00")
    assert (claim["status"], claim["enterprise"]["id"], claim["policy_version"]) == (
        "submitted",
        world.buyer.pk,
        "2026-01",
    )

    # The same contract cannot be claimed twice under the policy.
    again = buyer.post(
        "/api/v1/subsidies/claims", {"round_id": round_["id"], "contract_ids": [transfer.pk]}, format="json"
    )
    assert (again.status_code, again.json()["code"]) == (409, "subsidy_contract_already_claimed")

    # Others: the seller (not the claimant) and an outsider see nothing; the enterprise may not decide.
    url = f"/api/v1/subsidies/claims/{claim['id']}"
    assert client_for(world.outsider).get(url).status_code == 404
    assert client_for(world.seller_user).get(url).status_code == 404
    assert client_for(world.outsider).get("/api/v1/subsidies/claims").json()["results"] == []
    refused = buyer.post(f"{url}/review")
    assert (refused.status_code, refused.json()["code"]) == (403, "operator_only")
    assert client_for(world.outsider).post(f"{url}/review").status_code == 404

    op = client_for(operator)
    assert op.post(f"{url}/review").json()["status"] == "under_review"
    no_reason = op.post(f"{url}/decide", {"decision": "approve", "approved_amount": "70000.00"}, format="json")
    assert (no_reason.status_code, no_reason.json()["code"]) == (400, "subsidy_reason_required")
    too_much = op.post(f"{url}/decide", {"decision": "approve", "approved_amount": "90000.00"}, format="json")
    assert (too_much.status_code, too_much.json()["code"]) == (400, "subsidy_amount_above_computed")
    approved = op.post(
        f"{url}/decide",
        {"decision": "approve", "approved_amount": "70000.00", "note": "开发合同付款凭证不全，核减1万元"},
        format="json",
    )
    assert approved.status_code == 200, approved.json()
    assert (approved.json()["status"], approved.json()["approved_amount"]) == ("approved", "70000.00")
    today = market_today().isoformat()
    wrong = op.post(f"{url}/disburse", {"paid_on": today, "reference": "LZCZ-1", "amount": "80000.00"}, format="json")
    assert (wrong.status_code, wrong.json()["code"]) == (400, "subsidy_disbursement_amount")
    paid = op.post(f"{url}/disburse", {"paid_on": today, "reference": "LZCZ-1"}, format="json")
    assert paid.status_code == 200, paid.json()
    assert paid.json()["status"] == "disbursed"
    assert paid.json()["disbursement"]["amount"] == "70000.00"
    assert buyer.get(url).json()["disbursement"]["reference"] == "LZCZ-1"
    assert Disbursement.objects.get().amount == Decimal("70000.00")


def test_nothing_eligible_stores_nothing_and_bad_claims(client_for, world, operator, round_):
    small = _contract(world, operator, paid="100000.00")
    buyer = client_for(world.buyer_user)
    response = buyer.post(
        "/api/v1/subsidies/claims", {"round_id": round_["id"], "contract_ids": [small.pk]}, format="json"
    )
    assert (response.status_code, response.json()["code"]) == (400, "subsidy_nothing_eligible")
    assert response.json()["breakdown"]["lines"][0]["reasons"] == ["below_threshold"]
    # The seller is not the claimant under a buyer's policy.
    seller = client_for(world.seller_user).post(
        "/api/v1/subsidies/claims", {"round_id": round_["id"], "contract_ids": [small.pk]}, format="json"
    )
    assert (seller.status_code, seller.json()["code"]) == (400, "subsidy_not_claimant")
    empty = buyer.post("/api/v1/subsidies/claims", {"round_id": round_["id"], "contract_ids": []}, format="json")
    assert empty.status_code == 400
    assert not SubsidyClaim.objects.exists()
    assert not ClaimedContract.objects.exists()


def test_policies_are_the_operators_and_versions_leave_claims_alone(client_for, world, operator, round_):
    contract = _contract(world, operator, paid="600000.00")  # development, 600,000 × 5% = 30,000
    buyer = client_for(world.buyer_user)
    claim = buyer.post(
        "/api/v1/subsidies/claims", {"round_id": round_["id"], "contract_ids": [contract.pk]}, format="json"
    ).json()
    assert claim["computed_amount"] == "30000.00"
    body = {
        "name": "柳州市技术交易后补助",
        "version": "2026-02",
        "effective_from": "2026-07-01",
        "rules": {**RULES, "shares": {"development": "0.20"}},
    }
    refused = buyer.post("/api/v1/subsidies/policies", body, format="json")
    assert (refused.status_code, refused.json()["code"]) == (403, "operator_only")
    op = client_for(operator)
    taken = op.post("/api/v1/subsidies/policies", {**body, "version": "2026-01"}, format="json")
    assert (taken.status_code, taken.json()["code"]) == (409, "subsidy_policy_version_taken")
    bad = op.post(
        "/api/v1/subsidies/policies", {**body, "rules": {**RULES, "shares": {"barter": "0.1"}}}, format="json"
    )
    assert (bad.status_code, bad.json()["code"]) == (400, "subsidy_invalid_rules")
    new = op.post("/api/v1/subsidies/policies", body, format="json").json()
    assert op.post(f"/api/v1/subsidies/policies/{new['id']}/activate").status_code == 200
    assert op.post(f"/api/v1/subsidies/policies/{round_['policy']['id']}/retire").json()["status"] == "retired"
    again = buyer.get(f"/api/v1/subsidies/claims/{claim['id']}").json()
    assert (again["computed_amount"], again["policy_version"]) == ("30000.00", "2026-01")
    assert again["breakdown"]["policy"]["rules"]["shares"] == {"transfer": "0.1", "development": "0.05"}
    # A round under a retired version cannot be opened.
    closed = op.post(
        "/api/v1/subsidies/rounds",
        {
            "policy_id": round_["policy"]["id"],
            "name": "x",
            "opens_on": "2026-08-01",
            "closes_on": "2026-08-30",
            "budget": "1.00",
        },
        format="json",
    )
    assert (closed.status_code, closed.json()["code"]) == (409, "subsidy_policy_not_active")


def test_rejection_frees_the_contracts_and_the_budget_holds(client_for, world, operator, round_):
    contract = _contract(world, operator, paid="600000.00")
    buyer = client_for(world.buyer_user)
    op = client_for(operator)
    claim = buyer.post(
        "/api/v1/subsidies/claims", {"round_id": round_["id"], "contract_ids": [contract.pk]}, format="json"
    ).json()
    no_note = op.post(f"/api/v1/subsidies/claims/{claim['id']}/decide", {"decision": "reject"}, format="json")
    assert (no_note.status_code, no_note.json()["code"]) == (400, "subsidy_reason_required")
    rejected = op.post(
        f"/api/v1/subsidies/claims/{claim['id']}/decide", {"decision": "reject", "note": "材料不全"}, format="json"
    )
    assert rejected.json()["status"] == "rejected"
    second = buyer.post(
        "/api/v1/subsidies/claims", {"round_id": round_["id"], "contract_ids": [contract.pk]}, format="json"
    )
    assert second.status_code == 201, second.json()
    # Another enterprise's claim would take the round over its budget once this one is approved.
    other = DealWorld()
    other_contract = make_contract(other, document=True)
    registration_decide(
        actor=operator,
        registration=registration_apply(actor=other.seller_user, contract=other_contract),
        decision="register",
    )
    payment_create(actor=other.buyer_user, contract=other_contract, amount=Decimal("600000.00"), paid_on=market_today())
    SubsidyClaim.objects.filter(pk=second.json()["id"]).update(status="under_review")

    SubsidyRound.objects.filter(pk=round_["id"]).update(budget=Decimal("40000.00"))
    assert (
        op.post(
            f"/api/v1/subsidies/claims/{second.json()['id']}/decide", {"decision": "approve"}, format="json"
        ).status_code
        == 200
    )
    third = client_for(other.buyer_user).post(
        "/api/v1/subsidies/claims", {"round_id": round_["id"], "contract_ids": [other_contract.pk]}, format="json"
    )
    assert third.status_code == 201, third.json()
    op.post(f"/api/v1/subsidies/claims/{third.json()['id']}/review")
    over = op.post(f"/api/v1/subsidies/claims/{third.json()['id']}/decide", {"decision": "approve"}, format="json")
    assert (over.status_code, over.json()["code"]) == (409, "subsidy_round_budget_exceeded")
    assert SubsidyClaim.objects.get(pk=third.json()["id"]).status == "under_review"


def test_the_nanning_pattern_one_contract_per_claim_and_not_above_new_sales_revenue(client_for, world, operator):
    """DOMAIN.md's pattern as policy data: transfer or development only, paid ≥ ¥300,000, one contract per claim,
    the subsidy not above the buyer's new sales revenue of the year (declared in the claim)."""
    client = client_for(operator)
    rules = {
        "claimant_role": "buyer",
        "shares": {"transfer": "0.10", "development": "0.10"},
        "min_paid_technology_amount": "300000.00",
        "max_contracts_per_claim": 1,
        "cap_by_new_sales_revenue": True,
    }
    policy = client.post(
        "/api/v1/subsidies/policies",
        {"name": "南宁模式后补助", "version": "2025", "effective_from": "2025-01-01", "rules": rules},
        format="json",
    ).json()
    assert policy["rules"]["max_contracts_per_claim"] == 1 and policy["rules"]["cap_by_new_sales_revenue"] is True
    assert client.post(f"/api/v1/subsidies/policies/{policy['id']}/activate").status_code == 200
    today = market_today()
    round_ = client.post(
        "/api/v1/subsidies/rounds",
        {
            "policy_id": policy["id"],
            "name": "2026年",
            "opens_on": (today - timedelta(days=1)).isoformat(),
            "closes_on": (today + timedelta(days=30)).isoformat(),
            "budget": "1000000.00",
        },
        format="json",
    ).json()
    first = _contract(world, operator, paid="900000.00", contract_amount=Decimal("900000.00"))
    second = _contract(world, operator, paid="500000.00", contract_amount=Decimal("500000.00"))
    buyer = client_for(world.buyer_user)
    url = "/api/v1/subsidies/claims"

    two = buyer.post(url, {"round_id": round_["id"], "contract_ids": [first.pk, second.pk]}, format="json")
    assert (two.status_code, two.json()["code"]) == (400, "subsidy_too_many_contracts")
    undeclared = buyer.post(url, {"round_id": round_["id"], "contract_ids": [first.pk]}, format="json")
    assert (undeclared.status_code, undeclared.json()["code"]) == (400, "subsidy_new_sales_revenue_required")
    assert not SubsidyClaim.objects.exists()

    # 900,000 paid × 10% = 90,000, but the technology brought only 60,000.00 of new sales: the claim is 60,000.
    capped = buyer.post(
        url, {"round_id": round_["id"], "contract_ids": [first.pk], "new_sales_revenue": "60000.00"}, format="json"
    )
    assert capped.status_code == 201, capped.json()
    [line] = capped.json()["breakdown"]["lines"]
    assert (line["raw"], line["amount"], line["reasons"]) == ("90000.00", "60000.00", ["new_sales_revenue_cap_reached"])
    assert capped.json()["computed_amount"] == "60000.00"
    assert capped.json()["breakdown"]["declared_new_sales_revenue"] == "60000.00"
    # Revenue above the subsidy does not reduce it: 500,000 × 10% = 50,000.
    whole = buyer.post(
        url, {"round_id": round_["id"], "contract_ids": [second.pk], "new_sales_revenue": "2000000.00"}, format="json"
    )
    assert whole.status_code == 201, whole.json()
    assert whole.json()["computed_amount"] == "50000.00"
