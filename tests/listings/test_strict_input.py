"""Strict input on listings (issue 16): prices and budgets in ASCII decimal notation, bounded dates,
in bodies and in the list filters."""

from __future__ import annotations

from datetime import date

import pytest

from apps.core.errors import PROBLEM_CONTENT_TYPE
from apps.listings.models import Achievement, Demand
from tests.factories import OrganizationFactory, member_of
from tests.listings.factories import achievement_data, demand_data, make_achievement, make_demand
from tests.listings.test_apis import _json

pytestmark = pytest.mark.django_db


def _codes(response) -> dict[str, str]:
    return {e["field"]: e["code"] for e in response.json()["errors"]}


@pytest.fixture
def org():
    return OrganizationFactory(name="柳州工学院")


@pytest.fixture
def owner(org):
    return member_of(org)


@pytest.mark.parametrize("price", ["１２３", "1e5", "1E+5", "12,000", "¥100"])
def test_an_asking_price_outside_ascii_decimal_notation_is_refused(client_for, owner, price):
    data = _json(achievement_data(price_type="fixed", price_min="300000", price_max="300000"))
    response = client_for(owner).post("/api/v1/achievements", {**data, "price_min": price}, format="json")
    assert response.status_code == 400, response.json()
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
    assert _codes(response)["price_min"] == "invalid_money"
    assert not Achievement.objects.exists()


def test_a_budget_in_full_width_digits_is_refused(client_for, owner):
    data = _json(demand_data())
    response = client_for(owner).post("/api/v1/demands", {**data, "budget_max": "５００００"}, format="json")
    assert response.status_code == 400, response.json()
    assert _codes(response)["budget_max"] == "invalid_money"
    assert not Demand.objects.exists()


def test_a_demand_deadline_past_the_market_range_is_refused(client_for, owner):
    data = _json(demand_data())
    response = client_for(owner).post("/api/v1/demands", {**data, "deadline": "2101-01-01"}, format="json")
    assert response.status_code == 400, response.json()
    assert _codes(response)["deadline"] == "date_out_of_range"
    assert not Demand.objects.exists()


@pytest.mark.parametrize(
    ("url", "param"),
    [
        ("/api/v1/achievements", "price_min"),
        ("/api/v1/achievements", "price_max"),
        ("/api/v1/demands", "budget_min"),
        ("/api/v1/demands", "budget_max"),
    ],
)
@pytest.mark.parametrize("value", ["１２３", "1e5", "Infinity", "NaN"])
def test_money_filters_take_ascii_decimal_notation_only(client_for, owner, url, param, value):
    response = client_for(owner).get(url, {param: value})
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
    assert _codes(response)[param] == "invalid_money"


def test_money_filters_still_filter(client_for, owner, org):
    cheap = make_achievement(org, price_type="fixed", price_min=100000, price_max=100000)
    dear = make_achievement(org, price_type="fixed", price_min=900000, price_max=900000)
    client = client_for(owner)
    ids = [r["id"] for r in client.get("/api/v1/achievements", {"price_min": "500000.50"}).json()["results"]]
    assert ids == [dear.pk]
    ids = [r["id"] for r in client.get("/api/v1/achievements", {"price_max": "500000"}).json()["results"]]
    assert ids == [cheap.pk]


@pytest.mark.parametrize(
    ("url", "param"),
    [
        ("/api/v1/achievements", "published_after"),
        ("/api/v1/achievements", "published_before"),
        ("/api/v1/demands", "deadline_after"),
        ("/api/v1/demands", "deadline_before"),
    ],
)
def test_date_filters_outside_the_market_range_are_a_400(client_for, owner, org, url, param):
    make_demand(org)
    response = client_for(owner).get(url, {param: "0001-01-01"})
    assert response.status_code == 400, response.content
    assert _codes(response)[param] == "date_out_of_range"
    assert client_for(owner).get(url, {param: date(2026, 1, 1).isoformat()}).status_code == 200
