"""Strict input on challenges (issue 16): an aware bid deadline, funds in ASCII decimal notation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.challenges.models import Bid, BidScore, Challenge
from apps.core.errors import PROBLEM_CONTENT_TYPE
from tests.challenges.factories import bid_on, close_bidding, issuer_member, open_challenge, published_demand, team
from tests.challenges.test_bids import bid_body, bids_url
from tests.challenges.test_challenges import URL, payload

pytestmark = pytest.mark.django_db


def _codes(response) -> dict[str, str]:
    return {e["field"]: e["code"] for e in response.json()["errors"]}


@pytest.mark.parametrize("deadline", ["%Y-%m-%dT17:00:00", "%Y-%m-%d 17:00", "%Y-%m-%dT17:00:00.123456"])
def test_a_bid_deadline_without_offset_is_refused(client_for, deadline):
    issuer = issuer_member()
    demand = published_demand(actor=issuer)
    naive = (timezone.localdate() + timedelta(days=30)).strftime(deadline)
    response = client_for(issuer).post(URL, {**payload(demand), "bid_deadline": naive}, format="json")
    assert response.status_code == 400, response.json()
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
    assert _codes(response) == {"bid_deadline": "naive_datetime"}
    assert not Challenge.objects.exists()


@pytest.mark.parametrize("offset", ["+08:00", "Z", "-05:00"])
def test_a_bid_deadline_with_offset_is_taken(client_for, offset):
    issuer = issuer_member()
    demand = published_demand(actor=issuer)
    aware = (timezone.localdate() + timedelta(days=30)).strftime("%Y-%m-%dT17:00:00") + offset
    response = client_for(issuer).post(URL, {**payload(demand), "bid_deadline": aware}, format="json")
    assert response.status_code == 201, response.json()


def test_a_bid_deadline_past_the_market_range_is_refused(client_for):
    issuer = issuer_member()
    demand = published_demand(actor=issuer)
    response = client_for(issuer).post(
        URL, {**payload(demand), "bid_deadline": "9999-12-31T23:59:59+08:00"}, format="json"
    )
    assert response.status_code == 400
    assert _codes(response) == {"bid_deadline": "date_out_of_range"}


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"reward": "１０００００００"}, "reward"),
        ({"reward": "1e6", "enterprise_funding": "6e5", "government_funding": "4e5"}, "reward"),
        ({"enterprise_funding": "６００００００"}, "enterprise_funding"),
    ],
)
def test_funds_outside_ascii_decimal_notation_are_refused(client_for, overrides, field):
    issuer = issuer_member()
    demand = published_demand(actor=issuer)
    response = client_for(issuer).post(URL, {**payload(demand), **overrides}, format="json")
    assert response.status_code == 400, response.json()
    assert _codes(response)[field] == "invalid_money"
    assert not Challenge.objects.exists()


@pytest.mark.parametrize("amount", ["４０００００.00", "4e5", "4E+5"])
def test_a_bid_budget_line_outside_ascii_decimal_notation_is_refused(client_for, amount):
    challenge = open_challenge()
    _org, member = team()
    body = bid_body(budget_lines=[{"item": "样机", "amount": amount}, {"item": "测试", "amount": "100000.00"}])
    response = client_for(member).post(bids_url(challenge), body, format="json")
    assert response.status_code == 400, response.json()
    assert "budget_lines.0.amount" in _codes(response)
    assert not Bid.objects.exists()
    assert client_for(member).post(bids_url(challenge), bid_body(), format="json").status_code == 201


@pytest.mark.parametrize("score", ["９０", "9e1"])
def test_a_score_outside_ascii_decimal_notation_is_refused(client_for, score):
    challenge = open_challenge()
    bid = bid_on(challenge)
    close_bidding(challenge)
    response = client_for(challenge.created_by).post(f"/api/v1/bids/{bid.pk}/scores", {"score": score}, format="json")
    assert response.status_code == 400, response.json()
    assert _codes(response)["score"] == "invalid_number"
    assert not BidScore.objects.exists()
