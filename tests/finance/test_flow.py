"""End to end over the API: a bank publishes an IP pledge loan, an enterprise's request built from its
granted patent is matched (with reasons), applied for, approved and disbursed; the other side sees nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.custody.models import Pledge
from apps.finance.models import ApplicationEvent, FinancingApplication, FinancingRequest
from apps.notifications.models import Notification
from tests.finance.helpers import APPLICATIONS, PRODUCTS, REQUESTS, make_request, ok, publish_product

pytestmark = pytest.mark.django_db


def test_bank_product_matches_enterprise_patent_and_is_approved(client_for, fw):
    bank, owner = client_for(fw.banker), client_for(fw.owner)
    product = publish_product(bank, fw.bank.pk)
    assert product["status"] == "published"
    assert product["institution"] == {"id": fw.bank.pk, "name": fw.bank.name, "type": "bank"}

    request = make_request(owner, collateral=[fw.patent.pk])
    profile = request["profile"]
    (asset,) = profile["ip_assets"]
    assert asset["id"] == fw.patent.pk
    assert (asset["granted"], asset["pledged"], asset["pledgeable"]) == (True, False, True)
    assert asset["term_end"] == "2040-03-02"
    assert asset["remaining_months"] == 159  # 2026-12-01 → 2040-03-02
    assert (profile["granted_patents"], profile["pledgeable_collateral"], profile["collateral"]) == (
        1,
        1,
        [fw.patent.pk],
    )
    assert profile["region_code"] == "450202"

    matches = ok(owner.get(f"{REQUESTS}/{request['id']}/matches", HTTP_ACCEPT_LANGUAGE="en"))
    (match,) = matches
    assert match["product"]["id"] == product["id"]
    assert match["eligible"] is True
    assert [(r["rule"], r["passed"]) for r in match["rules"]] == [
        ("granted_patents_min", True),
        ("pledgeable_asset_required", True),
        ("region_in", True),
    ]
    assert match["rules"][0]["reason"] == "1 granted patents in force; at least 1 required."
    # amount 40 + term 30 + kind 20 + rate int(10 − 3.45) = 6
    assert match["score"] == 96
    assert [f["criterion"] for f in match["fit"]] == ["amount", "term", "kind", "rate"]

    application = ok(
        owner.post(APPLICATIONS, {"request_id": request["id"], "product_id": product["id"]}, format="json"), 201
    )
    assert application["status"] == "submitted"
    assert application["match"]["eligible"] is True
    assert Notification.objects.filter(recipient=fw.banker, kind="finance.application_submitted").exists()
    url = f"{APPLICATIONS}/{application['id']}"

    # The other side: another bank sees nothing and can decide nothing; another enterprise sees nothing.
    other_bank = client_for(fw.other_banker)
    assert other_bank.get(url).status_code == 404
    assert other_bank.post(f"{url}/review").status_code == 404
    assert ok(other_bank.get(APPLICATIONS))["results"] == []
    other_owner = client_for(fw.other_owner)
    assert other_owner.get(f"{REQUESTS}/{request['id']}").status_code == 404
    assert other_owner.get(url).status_code == 404
    # The enterprise may not decide its own application.
    refused = owner.post(f"{url}/approve", {"amount": "1", "rate": "4", "term_months": 12}, format="json")
    assert refused.status_code == 403
    assert refused.json()["code"] == "not_institution_member"
    assert FinancingApplication.objects.get(pk=application["id"]).status == "submitted"

    # The bank reads what it received, reviews and approves within the product's ranges.
    assert [a["id"] for a in ok(bank.get(APPLICATIONS, {"role": "institution"}))["results"]] == [application["id"]]
    assert ok(bank.post(f"{url}/review"))["status"] == "under_review"
    bad = bank.post(f"{url}/approve", {"amount": "9000000.00", "rate": "4.2", "term_months": 24}, format="json")
    assert bad.status_code == 400
    assert bad.json()["code"] == "approval_terms_required"
    approved = ok(
        bank.post(
            f"{url}/approve",
            {"amount": "1800000.00", "rate": "3.900", "term_months": 24, "note": "专利质押率90%"},
            format="json",
        )
    )
    assert (approved["status"], approved["approved_amount"], approved["approved_rate"]) == (
        "approved",
        "1800000.00",
        "3.900",
    )
    assert Notification.objects.filter(recipient=fw.owner, kind="finance.application_decided").count() == 2
    # Too late to withdraw now.
    late = owner.post(f"{url}/withdraw", {}, format="json")
    assert (late.status_code, late.json()["code"]) == (409, "bad_transition")

    too_much = bank.post(f"{url}/disburse", {"amount": "1800000.01", "disbursed_on": "2026-11-30"}, format="json")
    assert too_much.json()["code"] == "invalid_disbursement"
    disbursed = ok(bank.post(f"{url}/disburse", {"amount": "1800000.00", "disbursed_on": "2026-11-30"}, format="json"))
    assert disbursed["status"] == "disbursed"
    assert [(e["from_status"], e["to_status"]) for e in disbursed["events"]] == [
        ("", "submitted"),
        ("submitted", "under_review"),
        ("under_review", "approved"),
        ("approved", "disbursed"),
    ]

    # The financing volume counts it.
    figures = ok(client_for(fw.operator).get("/api/v1/stats/financing", {"by": "month,kind,institution_type"}))
    assert figures["rows"] == [
        {"month": "2026-11", "kind": "ip_pledge_loan", "institution_type": "bank", "count": 1, "amount": "1800000.00"}
    ]
    assert (figures["total_count"], Decimal(figures["total_amount"])) == (1, Decimal("1800000.00"))
    assert client_for(fw.owner).get("/api/v1/stats/financing").status_code == 403


def test_a_pledged_patent_is_not_pledgeable_collateral(client_for, fw):
    Pledge.objects.create(
        asset=fw.patent,
        pledgors=[{"organization_id": fw.enterprise.pk}],
        pledgee_name="中国银行柳州分行",
        secured_amount=Decimal("1000000.00"),
        term_start="2026-01-01",
        term_end="2028-12-31",
        registration_date="2026-01-10",
        registration_number="Y2026450000999",
    )
    bank, owner = client_for(fw.banker), client_for(fw.owner)
    product = publish_product(bank, fw.bank.pk)
    request = make_request(owner, collateral=[fw.patent.pk])
    (asset,) = request["profile"]["ip_assets"]
    assert (asset["pledged"], asset["pledgeable"]) == (True, False)
    (match,) = ok(owner.get(f"{REQUESTS}/{request['id']}/matches", HTTP_ACCEPT_LANGUAGE="en"))
    assert match["eligible"] is False
    failed = [r for r in match["rules"] if not r["passed"]]
    assert [r["rule"] for r in failed] == ["pledgeable_asset_required"]
    assert "No pledgeable asset" in failed[0]["reason"]
    refused = owner.post(APPLICATIONS, {"request_id": request["id"], "product_id": product["id"]}, format="json")
    assert refused.status_code == 409
    body = refused.json()
    assert body["code"] == "not_eligible"
    assert [r["rule"] for r in body["rules"]] == ["pledgeable_asset_required"]
    assert not FinancingApplication.objects.exists()


def test_withdraw_before_decision_and_decline_with_reason(client_for, fw):
    bank, owner = client_for(fw.banker), client_for(fw.owner)
    product = publish_product(bank, fw.bank.pk)
    request = make_request(owner, collateral=[fw.patent.pk])
    first = ok(owner.post(APPLICATIONS, {"request_id": request["id"], "product_id": product["id"]}, format="json"), 201)
    twice = owner.post(APPLICATIONS, {"request_id": request["id"], "product_id": product["id"]}, format="json")
    assert (twice.status_code, twice.json()["code"]) == (409, "already_applied")
    assert (
        ok(owner.post(f"{APPLICATIONS}/{first['id']}/withdraw", {"note": "改用科创贷"}, format="json"))["status"]
        == "withdrawn"
    )
    # A withdrawn application leaves room to apply again; the bank declines that one with a reason.
    second = ok(
        owner.post(APPLICATIONS, {"request_id": request["id"], "product_id": product["id"]}, format="json"), 201
    )
    no_reason = bank.post(f"{APPLICATIONS}/{second['id']}/decline", {}, format="json")
    assert no_reason.status_code == 400
    declined = ok(bank.post(f"{APPLICATIONS}/{second['id']}/decline", {"note": "押品估值不足"}, format="json"))
    assert (declined["status"], declined["decision_note"]) == ("declined", "押品估值不足")
    assert ApplicationEvent.objects.filter(application_id=second["id"]).count() == 2


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"eligibility_rules": [{"rule": "credit_score_min", "score": 700}]}, "invalid_eligibility_rules", None),
        ({"eligibility_rules": [{"rule": "qualification", "kind": "unicorn"}]}, "invalid_eligibility_rules", None),
        ({"eligibility_rules": [{"rule": "granted_patents_min", "count": 0}]}, "invalid_eligibility_rules", None),
        ({"eligibility_rules": [{"rule": "region_in", "codes": ["4502"]}]}, "invalid_eligibility_rules", None),
        ({"max_amount": "50000.00"}, "invalid_range", "max_amount"),
        ({"max_rate": "3.000"}, "invalid_range", "max_rate"),
        ({"min_amount": "-1"}, "validation_error", "min_amount"),
        ({"kind": "crypto_loan"}, "validation_error", "kind"),
    ],
)
def test_bad_products_store_nothing(client_for, fw, change, code, field):
    from tests.finance.helpers import IP_PLEDGE_PRODUCT

    data = {**IP_PLEDGE_PRODUCT, "institution_id": fw.bank.pk, **change}
    response = client_for(fw.banker).post(PRODUCTS, data, format="json")
    assert response.status_code == 400, response.json()
    assert response.json()["code"] == code
    if field:
        assert field in [e["field"] for e in response.json()["errors"]]
    assert not ok(client_for(fw.banker).get(PRODUCTS))["results"]


def test_only_a_financial_institution_member_offers_products(client_for, fw):
    from tests.finance.helpers import IP_PLEDGE_PRODUCT

    as_enterprise = client_for(fw.owner).post(
        PRODUCTS, {**IP_PLEDGE_PRODUCT, "institution_id": fw.enterprise.pk}, format="json"
    )
    assert (as_enterprise.status_code, as_enterprise.json()["code"]) == (400, "not_finance_institution")
    stranger = client_for(fw.other_banker).post(
        PRODUCTS, {**IP_PLEDGE_PRODUCT, "institution_id": fw.bank.pk}, format="json"
    )
    assert (stranger.status_code, stranger.json()["code"]) == (403, "not_institution_member")
    # A draft is the institution's own: invisible to others, not publishable by them.
    draft = ok(
        client_for(fw.banker).post(PRODUCTS, {**IP_PLEDGE_PRODUCT, "institution_id": fw.bank.pk}, format="json"), 201
    )
    assert client_for(fw.other_banker).get(f"{PRODUCTS}/{draft['id']}").status_code == 404
    assert client_for(fw.other_banker).post(f"{PRODUCTS}/{draft['id']}/publish").status_code == 404
    assert not FinancingRequest.objects.exists()


def test_request_collateral_must_be_the_enterprises(client_for, fw):
    from tests.custody.factories import make_patent

    foreign = make_patent(fw.other_enterprise)
    response = client_for(fw.owner).post(
        REQUESTS,
        {"amount": "100000.00", "term_months": 12, "purpose": "流动资金", "collateral_ids": [foreign.pk]},
        format="json",
    )
    assert (response.status_code, response.json()["code"]) == (400, "unknown_collateral_asset")
    assert not FinancingRequest.objects.exists()


def test_a_closed_request_takes_no_new_applications(client_for, fw):
    product = publish_product(client_for(fw.banker), fw.bank.pk)
    owner = client_for(fw.owner)
    request = make_request(owner, collateral=[fw.patent.pk])
    assert client_for(fw.other_owner).post(f"{REQUESTS}/{request['id']}/close").status_code == 404
    assert ok(owner.post(f"{REQUESTS}/{request['id']}/close"))["status"] == "closed"
    refused = owner.post(APPLICATIONS, {"request_id": request["id"], "product_id": product["id"]}, format="json")
    assert (refused.status_code, refused.json()["code"]) == (409, "request_closed")
    assert not FinancingApplication.objects.exists()
