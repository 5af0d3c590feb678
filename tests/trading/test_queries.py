"""The trading lists cost the same number of queries whatever their length (no N+1)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from tests.trading.factories import TradingWorld, open_bidding

pytestmark = pytest.mark.django_db


def _count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.json()
    return len(queries)


def test_sale_notice_result_and_bid_lists_have_pinned_query_counts(client_for):
    world = TradingWorld(buyers=3)
    auction = world.auction()
    for user in world.buyer_users:
        world.register(auction, user)
    open_bidding(auction)
    bidder = client_for(world.buyer_users[0])
    bidder.post(f"/api/v1/trading/sales/{auction.pk}/bids", {"amount": "100000.00"}, format="json")
    from apps.trading.services import sale_withdraw

    sale_withdraw(actor=world.seller_user, sale=world.fixed_sale(), reason="改为许可")
    anonymous, operator = APIClient(), client_for(world.operator)
    urls = ["/api/v1/trading/sales", "/api/v1/trading/notices", "/api/v1/trading/results"]
    before = {url: _count(anonymous, url) for url in urls}
    bids_before = _count(operator, f"/api/v1/trading/sales/{auction.pk}/bids")

    for _ in range(3):
        sale_withdraw(actor=world.seller_user, sale=world.fixed_sale(), reason="改为许可")
        world.fixed_sale()
    client_for(world.buyer_users[1]).post(
        f"/api/v1/trading/sales/{auction.pk}/bids", {"amount": "110000.00"}, format="json"
    )
    client_for(world.buyer_users[2]).post(
        f"/api/v1/trading/sales/{auction.pk}/bids", {"amount": "120000.00"}, format="json"
    )
    assert {url: _count(anonymous, url) for url in urls} == before
    assert _count(operator, f"/api/v1/trading/sales/{auction.pk}/bids") == bids_before
    # Pinned: one page query (sales with their seller, buyer, leader and counts) and nothing per row.
    assert before["/api/v1/trading/sales"] <= 2
