"""The indicative valuation worksheet: relief from royalty and the cost approach against a hand computation,
over HTTP; the legal term bounds the useful life; worksheets are their owner's alone."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from apps.ip.models import IPValuation
from tests.factories import OrganizationFactory, member_of, operator_user
from tests.ip.factories import IPAssetFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/ip-valuations"
INCOME = {
    "revenues": ["1000000.00", "1200000.00"],
    "royalty_rate": "0.05",
    "tax_rate": "0.25",
    "discount_rate": "0.10",
    "useful_life_years": 2,
}
COST = {
    "items": [{"description": "研发投入", "amount": "800000.00"}, {"description": "专利费用", "amount": "20000.00"}],
    "obsolescence_rate": "0.25",
}


def test_both_approaches_equal_the_hand_computation(client_for):
    owner = OrganizationFactory()
    user = member_of(owner)
    response = client_for(user).post(
        URL, {"title": "参考估值", "income": INCOME, "cost": COST}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 201, response.json()
    result = response.json()["result"]
    # Year 1: 1,000,000 × 5% = 50,000; × 0.75 = 37,500; ÷ 1.1 → factor 0.909091 → 34,090.91.
    # Year 2: 1,200,000 × 5% = 60,000; × 0.75 = 45,000; factor 1/1.21 = 0.826446 → 37,190.07.
    year1 = (Decimal("1000000") * Decimal("0.05") * Decimal("0.75") * Decimal("0.909091")).quantize(Decimal("0.01"))
    year2 = (Decimal("1200000") * Decimal("0.05") * Decimal("0.75") * Decimal("0.826446")).quantize(Decimal("0.01"))
    assert [row["present_value"] for row in result["income"]["rows"]] == [str(year1), str(year2)]
    assert result["income"]["value"] == str(year1 + year2) == "71280.98"
    assert result["income"]["rows"][1]["discount_factor"] == "0.826446"
    assert "royalty_rate" in result["income"]["formula"]
    assert len(result["income"]["assumptions"]) >= 4
    # Cost: (800,000 + 20,000) × (1 − 25%) = 615,000.
    assert (result["cost"]["replacement_cost"], result["cost"]["value"]) == ("820000.00", "615000.00")
    assert result["indicative"] is True
    assert "not an appraisal" in result["disclaimer"]


def test_growth_projects_year_one_and_zh_disclaimer(client_for):
    user = member_of(OrganizationFactory())
    body = {
        "title": "增长预测",
        "income": {**INCOME, "revenues": ["1000000.00"], "growth_rate": "0.10", "useful_life_years": 3},
    }
    response = client_for(user).post(URL, body, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 201, response.json()
    rows = response.json()["result"]["income"]["rows"]
    assert [r["revenue"] for r in rows] == ["1000000.00", "1100000.00", "1210000.00"]
    assert response.json()["result"]["cost"] is None


def test_the_legal_term_bounds_the_useful_life_and_bad_input_stores_nothing(client_for):
    owner = OrganizationFactory()
    user = member_of(owner)
    # A utility model filed 2017-12-01 ends 2027-12-01: on 2026-12-08 one year is left.
    asset = IPAssetFactory(owner=owner, kind="utility_model", filing_date=date(2017, 12, 1), granted=True)
    client = client_for(user)
    body = {"title": "x", "asset_id": asset.pk, "valuation_date": "2026-12-08", "income": INCOME}
    refused = client.post(URL, body, format="json")
    assert (refused.status_code, refused.json()["code"]) == (400, "valuation_invalid_input")
    assert [e["field"] for e in refused.json()["errors"]] == ["useful_life_years"]
    for bad in (
        {"title": "x"},
        {"title": "x", "income": {**INCOME, "royalty_rate": "1.5"}},
        {"title": "x", "income": {**INCOME, "revenues": ["1.00"]}},
        {"title": "x", "income": {**INCOME, "discount_rate": "0"}},
        {"title": "x", "cost": {**COST, "items": []}},
    ):
        response = client.post(URL, bad, format="json")
        assert response.status_code == 400, (bad, response.json())
    other_asset = IPAssetFactory(owner=OrganizationFactory())
    foreign = client.post(URL, {"title": "x", "asset_id": other_asset.pk, "cost": COST}, format="json")
    assert (foreign.status_code, foreign.json()["code"]) == (400, "valuation_asset_not_owned")
    assert not IPValuation.objects.exists()


def test_worksheets_are_the_owners_alone(client_for):
    user = member_of(OrganizationFactory())
    created = client_for(user).post(URL, {"title": "x", "cost": COST}, format="json").json()
    for other in (member_of(OrganizationFactory()), operator_user()):
        assert client_for(other).get(f"{URL}/{created['id']}").status_code == 404
        assert client_for(other).get(URL).json()["results"] == []
    assert client_for(user).get(URL).json()["results"][0]["id"] == created["id"]
