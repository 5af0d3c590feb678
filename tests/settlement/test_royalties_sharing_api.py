"""Royalties and revenue sharing over HTTP: terms, the licensee's report and the computed amount due,
the licensor's answer, a payment split among the university's researchers, and the reports."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from apps.contracts.models import Payment
from apps.contracts.selectors import market_today
from apps.settlement.models import DistributionScheme, IncomeAllocation, RoyaltyReport
from tests.contracts.factories import make_contract
from tests.factories import member_of

pytestmark = pytest.mark.django_db

SHARES = [
    {"kind": "researcher", "name": "李明", "percent": "50.00"},
    {"kind": "researcher", "name": "王芳", "percent": "20.00"},
    {"kind": "department", "name": "机械与汽车工程学院", "percent": "15.00"},
    {"kind": "institution", "name": "广西科技大学", "percent": "15.00"},
]


def _licence(world, starts_on):
    return make_contract(
        world,
        type="licence",
        subtype="ordinary_patent_licence",
        ip_type="invention_patent",
        contract_amount=Decimal("5000000.00"),
        signed_on=starts_on,
    )


def test_a_running_royalty_report_gives_the_amount_due_and_the_researchers_shares(world, client_for):
    today = market_today()
    starts = date(today.year - 1, 1, 1)
    contract = _licence(world, starts)
    buyer, seller = client_for(world.buyer_user), client_for(world.seller_user)
    researcher = member_of(world.seller, role="member")
    shares = [{**SHARES[0], "user_id": researcher.pk}, *SHARES[1:]]
    scheme = seller.post(
        f"/api/v1/organizations/{world.seller.pk}/distribution-schemes",
        {"name": "收益分配办法", "effective_from": starts.isoformat(), "shares": shares},
        format="json",
    )
    assert scheme.status_code == 201, scheme.json()
    assert scheme.json()["version"] == 1

    term = seller.post(
        f"/api/v1/contracts/{contract.pk}/royalty-term",
        {
            "rate_percent": "5.000",
            "per_unit_fee": "2.00",
            "minimum_annual": "200000.00",
            "period": "quarter",
            "starts_on": starts.isoformat(),
        },
        format="json",
    )
    assert term.status_code == 201, term.json()
    url = f"/api/v1/contracts/{contract.pk}/royalty-reports"
    out_of_order = buyer.post(url, {"period_index": 2, "net_sales": "1.00"}, format="json")
    assert out_of_order.status_code == 400 and out_of_order.json()["code"] == "royalty_period_out_of_order"
    # Q1–Q3: 40,000 / 35,000 / 45,000 running; Q4 40,000 running + 40,000 top-up to the 200,000 minimum.
    for index, sales, units in [(1, "600000.00", 5000), (2, "500000.00", 5000), (3, "700000.00", 5000)]:
        made = buyer.post(url, {"period_index": index, "net_sales": sales, "units_sold": units}, format="json")
        assert made.status_code == 201, made.json()
    q4 = buyer.post(url, {"period_index": 4, "net_sales": "600000.00", "units_sold": 5000}, format="json").json()
    assert (q4["running_amount"], q4["minimum_top_up"], q4["amount_due"]) == ("40000.00", "40000.00", "80000.00")
    assert q4["period_start"] == date(today.year - 1, 10, 1).isoformat()
    assert q4["due_on"] == (date(today.year - 1, 12, 31) + timedelta(days=30)).isoformat()
    assert seller.post(f"/api/v1/royalty-reports/{q4['id']}/acknowledge", {}, format="json").status_code == 200

    # The licensee cannot acknowledge its own report; a payment over the amount due is refused.
    assert buyer.post(f"/api/v1/royalty-reports/{q4['id']}/acknowledge", {}, format="json").status_code == 403
    pay_url = f"/api/v1/royalty-reports/{q4['id']}/payments"
    over = buyer.post(pay_url, {"amount": "80000.01", "paid_on": today.isoformat()}, format="json")
    assert over.status_code == 400 and over.json()["code"] == "royalty_payment_exceeds_due"
    paid = buyer.post(
        pay_url, {"amount": "80000.00", "paid_on": today.isoformat(), "reference": "BOC-7"}, format="json"
    )
    assert paid.status_code == 201, paid.json()
    payment = Payment.objects.get(pk=paid.json()["payment_id"])
    assert payment.contract_id == contract.pk and payment.amount == Decimal("80000.00")
    reports = buyer.get(url).json()
    assert [(r["period_index"], r["paid"]) for r in reports][-1] == (4, "80000.00"), reports

    allocations = IncomeAllocation.objects.filter(payment=payment).order_by("id")
    assert [(a.name, a.amount, a.source) for a in allocations] == [
        ("李明", Decimal("40000.00"), "royalty"),
        ("王芳", Decimal("16000.00"), "royalty"),
        ("机械与汽车工程学院", Decimal("12000.00"), "royalty"),
        ("广西科技大学", Decimal("12000.00"), "royalty"),
    ]
    report = seller.get(f"/api/v1/organizations/{world.seller.pk}/income-allocations/report?year={today.year}").json()
    assert {(r["name"], r["total"], r["royalty"]) for r in report} >= {("李明", "40000.00", "40000.00")}
    mine = client_for(researcher).get("/api/v1/me/income-allocations").json()["results"]
    assert [(a["name"], a["amount"]) for a in mine] == [("李明", "40000.00")]
    # Other organisations, the buyer and a plain member see no scheme or report.
    for user, expected in [(world.buyer_user, 404), (world.outsider, 404), (researcher, 404)]:
        client = client_for(user)
        assert client.get(f"/api/v1/organizations/{world.seller.pk}/income-allocations/report").status_code == expected
        assert client.get(f"/api/v1/organizations/{world.seller.pk}/distribution-schemes").status_code == expected


def test_a_payment_recorded_on_the_contract_is_split_once_on_request(world, client_for):
    today = market_today()
    contract = make_contract(world, signed_on=today)
    seller = client_for(world.seller_user)
    seller.post(
        f"/api/v1/organizations/{world.seller.pk}/distribution-schemes",
        {"name": "办法", "effective_from": (today - timedelta(days=400)).isoformat(), "shares": SHARES},
        format="json",
    )
    paid = client_for(world.buyer_user).post(
        f"/api/v1/contracts/{contract.pk}/payments",
        {"amount": "100000.01", "paid_on": today.isoformat()},
        format="json",
    )
    assert paid.status_code == 201
    assert (
        client_for(world.buyer_user)
        .post("/api/v1/income-allocations", {"payment_id": paid.json()["id"]}, format="json")
        .status_code
        == 403
    )
    assert (
        client_for(world.outsider)
        .post("/api/v1/income-allocations", {"payment_id": paid.json()["id"]}, format="json")
        .status_code
        == 404
    )
    split = seller.post("/api/v1/income-allocations", {"payment_id": paid.json()["id"]}, format="json")
    assert split.status_code == 201, split.json()
    amounts = [Decimal(a["amount"]) for a in split.json()]
    assert amounts == [Decimal("50000.01"), Decimal("20000.00"), Decimal("15000.00"), Decimal("15000.00")]
    assert sum(amounts) == Decimal("100000.01")
    again = seller.post("/api/v1/income-allocations", {"payment_id": paid.json()["id"]}, format="json")
    assert [a["id"] for a in again.json()] == [a["id"] for a in split.json()]
    assert IncomeAllocation.objects.count() == 4


@pytest.mark.parametrize(
    ("shares", "floor", "code"),
    [
        ([{"kind": "researcher", "name": "甲", "percent": "60.00"}], "70", "distribution_scheme_bad_shares"),
        (
            [
                {"kind": "researcher", "name": "甲", "percent": "60.00"},
                {"kind": "institution", "name": "学校", "percent": "40.00"},
            ],
            "70",
            "distribution_scheme_bad_shares",
        ),
    ],
)
def test_a_scheme_that_does_not_add_up_or_breaks_the_floor_is_refused(world, client_for, shares, floor, code):
    response = client_for(world.seller_user).post(
        f"/api/v1/organizations/{world.seller.pk}/distribution-schemes",
        {"name": "办法", "effective_from": "2026-01-01", "min_researcher_percent": floor, "shares": shares},
        format="json",
    )
    assert response.status_code == 400 and response.json()["code"] == code
    assert not DistributionScheme.objects.exists()


def test_royalty_terms_need_a_licence_or_transfer_and_only_the_licensor_answers(world, client_for):
    development = make_contract(world)  # the factory's default is a development contract
    response = client_for(world.seller_user).post(
        f"/api/v1/contracts/{development.pk}/royalty-term",
        {"rate_percent": "3", "period": "year", "starts_on": "2026-01-01"},
        format="json",
    )
    assert response.status_code == 400 and response.json()["code"] == "royalty_contract_type"
    contract = _licence(world, date(2024, 1, 1))
    term = client_for(world.outsider).post(
        f"/api/v1/contracts/{contract.pk}/royalty-term",
        {"rate_percent": "3", "period": "year", "starts_on": "2024-01-01"},
        format="json",
    )
    assert term.status_code == 404
    client_for(world.seller_user).post(
        f"/api/v1/contracts/{contract.pk}/royalty-term",
        {"rate_percent": "3", "period": "year", "starts_on": "2024-01-01"},
        format="json",
    )
    made = client_for(world.buyer_user).post(
        f"/api/v1/contracts/{contract.pk}/royalty-reports", {"period_index": 1, "net_sales": "1000.00"}, format="json"
    )
    assert made.status_code == 201 and made.json()["amount_due"] == "30.00"
    report_id = made.json()["id"]
    assert (
        client_for(world.outsider)
        .post(f"/api/v1/royalty-reports/{report_id}/dispute", {"reason": "x"}, format="json")
        .status_code
        == 404
    )
    disputed = client_for(world.seller_user).post(
        f"/api/v1/royalty-reports/{report_id}/dispute", {"reason": "与发票不符"}, format="json"
    )
    assert disputed.status_code == 200 and disputed.json()["status"] == "disputed"
    refused = client_for(world.buyer_user).post(
        f"/api/v1/royalty-reports/{report_id}/payments", {"amount": "30.00", "paid_on": "2026-01-02"}, format="json"
    )
    assert refused.status_code == 409
    assert RoyaltyReport.objects.get(pk=report_id).status == "disputed"
    # The licensor cannot correct the licensee's figures; the licensee can, and the amount is computed again.
    correct_url = f"/api/v1/royalty-reports/{report_id}/correct"
    assert client_for(world.seller_user).post(correct_url, {"net_sales": "2000.00"}, format="json").status_code == 403
    corrected = client_for(world.buyer_user).post(correct_url, {"net_sales": "2000.00"}, format="json")
    assert corrected.status_code == 200, corrected.json()
    assert corrected.json()["status"] == "submitted" and corrected.json()["amount_due"] == "60.00"
    assert client_for(world.buyer_user).post(correct_url, {"net_sales": "1.00"}, format="json").status_code == 409
