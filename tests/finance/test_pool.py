"""The risk compensation pool over the API: capital, enrolment, a default shared 40/40/20, a recovery, the report."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.finance.models import LedgerPosting, PoolEnrolment, RiskPool
from tests.finance.helpers import APPLICATIONS, POOLS, make_request, ok, publish_product

pytestmark = pytest.mark.django_db


def _disbursed_loan(client_for, fw, amount="500000.00"):
    bank, owner = client_for(fw.banker), client_for(fw.owner)
    product = publish_product(bank, fw.bank.pk)
    request = make_request(owner, collateral=[fw.patent.pk], amount=amount)
    app = ok(owner.post(APPLICATIONS, {"request_id": request["id"], "product_id": product["id"]}, format="json"), 201)
    url = f"{APPLICATIONS}/{app['id']}"
    ok(bank.post(f"{url}/approve", {"amount": amount, "rate": "4.000", "term_months": 12}, format="json"))
    ok(bank.post(f"{url}/disburse", {"amount": amount, "disbursed_on": "2026-06-01"}, format="json"))
    return app["id"]


def test_default_is_shared_by_the_ratios_and_the_ledger_balances(client_for, fw):
    operator, bank = client_for(fw.operator), client_for(fw.banker)
    bad = operator.post(
        POOLS,
        {
            "name": "柳州市科技金融风险补偿资金池",
            "region_code": "450200",
            "pool_share": "40",
            "bank_share": "40",
            "guarantor_share": "30",
        },
        format="json",
    )
    assert (bad.status_code, bad.json()["code"]) == (400, "shares_must_sum_to_100")
    not_operator = bank.post(
        POOLS,
        {"name": "x", "region_code": "450200", "pool_share": "40", "bank_share": "40", "guarantor_share": "20"},
        format="json",
    )
    assert not_operator.status_code == 403
    assert not RiskPool.objects.exists()
    pool = ok(
        operator.post(
            POOLS,
            {
                "name": "柳州市科技金融风险补偿资金池",
                "region_code": "450200",
                "pool_share": "40",
                "bank_share": "40",
                "guarantor_share": "20",
            },
            format="json",
        ),
        201,
    )
    pool_url = f"{POOLS}/{pool['id']}"
    ok(operator.post(f"{pool_url}/capital", {"amount": "1000000.00", "posted_on": "2026-01-05"}, format="json"), 201)

    application_id = _disbursed_loan(client_for, fw)
    # Another bank cannot enrol a loan it did not make (it cannot even see it).
    stranger = client_for(fw.other_banker).post(
        f"{pool_url}/enrolments", {"application_id": application_id}, format="json"
    )
    assert stranger.status_code == 404
    not_guarantor = bank.post(
        f"{pool_url}/enrolments", {"application_id": application_id, "guarantor_id": fw.other_bank.pk}, format="json"
    )
    assert (not_guarantor.status_code, not_guarantor.json()["code"]) == (400, "invalid_guarantor")
    enrolment = ok(
        bank.post(
            f"{pool_url}/enrolments", {"application_id": application_id, "guarantor_id": fw.guarantor.pk}, format="json"
        ),
        201,
    )
    assert (enrolment["status"], enrolment["covered_amount"]) == ("requested", "500000.00")
    assert (
        bank.post(f"/api/v1/finance/enrolments/{enrolment['id']}/decide", {"approve": True}, format="json").status_code
        == 403
    )
    ok(operator.post(f"/api/v1/finance/enrolments/{enrolment['id']}/decide", {"approve": True}, format="json"))

    too_big = bank.post(
        f"{APPLICATIONS}/{application_id}/default",
        {"closed_on": "2026-11-20", "loss_amount": "500000.01"},
        format="json",
    )
    assert (too_big.status_code, too_big.json()["code"]) == (400, "invalid_loss_amount")
    defaulted = ok(
        bank.post(
            f"{APPLICATIONS}/{application_id}/default",
            {"closed_on": "2026-11-20", "loss_amount": "300000.00"},
            format="json",
        )
    )
    assert defaulted["status"] == "defaulted"

    report = ok(operator.get(f"{pool_url}/report"))
    # Loss 300,000 shared 40/40/20: pool 120,000, bank 120,000, guarantor 60,000.
    assert {k: report[k] for k in ("compensation_paid", "bank_loss", "guarantor_loss", "pool_balance")} == {
        "compensation_paid": "120000.00",
        "bank_loss": "120000.00",
        "guarantor_loss": "60000.00",
        "pool_balance": "880000.00",
    }
    assert (report["balanced"], report["enrolled_loans"], report["defaulted_loans"]) == (True, 1, 1)

    over = bank.post(
        f"/api/v1/finance/enrolments/{enrolment['id']}/recoveries",
        {"amount": "300000.01", "posted_on": "2026-11-30"},
        format="json",
    )
    assert (over.status_code, over.json()["code"]) == (400, "invalid_recovery")
    ok(
        bank.post(
            f"/api/v1/finance/enrolments/{enrolment['id']}/recoveries",
            {"amount": "100000.00", "posted_on": "2026-11-30"},
            format="json",
        ),
        201,
    )
    report = ok(operator.get(f"{pool_url}/report"))
    # A third of the loss came back: each party gets a third of its share back.
    assert (report["recoveries_returned"], report["pool_balance"], report["bank_loss"], report["guarantor_loss"]) == (
        "40000.00",
        "920000.00",
        "80000.00",
        "40000.00",
    )
    assert Decimal(report["pool_balance"]) == Decimal(report["capital_paid_in"]) - Decimal(
        report["compensation_paid"]
    ) + Decimal(report["recoveries_returned"])
    assert report["total_debits"] == report["total_credits"]
    assert LedgerPosting.objects.count() == 3


def test_a_loan_not_enrolled_defaults_without_touching_the_pool(client_for, fw):
    pool = RiskPool.objects.create(
        name="池", region_id="450200", pool_share=Decimal(50), bank_share=Decimal(50), guarantor_share=Decimal(0)
    )
    application_id = _disbursed_loan(client_for, fw)
    ok(
        client_for(fw.banker).post(
            f"{APPLICATIONS}/{application_id}/default",
            {"closed_on": "2026-11-20", "loss_amount": "1000.00"},
            format="json",
        )
    )
    assert not pool.postings.exists()
    late = client_for(fw.banker).post(
        f"{POOLS}/{pool.pk}/enrolments", {"application_id": application_id}, format="json"
    )
    assert (late.status_code, late.json()["code"]) == (409, "enrolment_not_allowed")
    assert not PoolEnrolment.objects.exists()
