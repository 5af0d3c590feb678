"""Eight bidders bidding at once, in real parallel transactions (one thread and one database connection
each): one winner, the highest valid bid; no accepted bid lost; every refusal a clean 409; deposits
consistent after the close."""

from __future__ import annotations

import itertools
import random
import threading
from decimal import Decimal

import pytest
from django.db import connection

from apps.accounts.tokens import MarketRefreshToken
from apps.core.evidence import subject_evidence, verify_chain
from apps.trading.models import Bid, Deposit, DepositStatus, Sale, SaleStatus
from apps.trading.services import auction_close
from tests.trading.factories import TradingWorld, end_bidding, open_bidding

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

BIDDERS = 8
ROUNDS = 4
INCREMENT = Decimal("1000.00")


def _client(user):
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {MarketRefreshToken.for_user(user).access_token}")
    return client


def test_parallel_bidders_leave_one_winner_no_lost_bid_and_consistent_deposits():
    world = TradingWorld(buyers=BIDDERS)
    sale = world.auction(price="100000.00", reserve="100000.00", increment=str(INCREMENT), extension_minutes=0)
    for user in world.buyer_users:
        world.register(sale, user)
    open_bidding(sale)

    barrier = threading.Barrier(BIDDERS)
    lock = threading.Lock()
    accepted: list[dict] = []
    refused: list[dict] = []
    errors: list[BaseException] = []

    def bid(index: int) -> None:
        try:
            client = _client(world.buyer_users[index])
            rng = random.Random(index)
            minimum = Decimal("100000.00")
            barrier.wait(timeout=30)
            for _round in range(ROUNDS):
                amount = minimum + INCREMENT * rng.randint(0, 2)
                response = client.post(f"/api/v1/trading/sales/{sale.pk}/bids", {"amount": str(amount)}, format="json")
                body = response.json()
                with lock:
                    (accepted if response.status_code == 201 else refused).append(
                        {"status": response.status_code, "index": index, "amount": amount, **body}
                    )
                if response.status_code == 201:
                    minimum = Decimal(body["sale"]["minimum_bid"])
                elif body.get("code") == "trading_bid_too_low":
                    minimum = Decimal(body["minimum_bid"])
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=bid, args=(i,)) for i in range(BIDDERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors

    # Every answer is an accepted bid or a clean 409 refusal naming the price to beat.
    assert len(accepted) + len(refused) == BIDDERS * ROUNDS
    assert {r["status"] for r in refused} <= {409}
    assert {r["code"] for r in refused} <= {"trading_bid_too_low", "trading_already_leading"}
    assert all("current_price" in r for r in refused)
    assert accepted, "some bids must get through"
    # Eight first bids from three amounts: two share one, and the later of them is refused (pigeonhole).
    assert refused, "parallel bids at the same price must collide"

    # No accepted bid was lost: what the clients were told was stored is exactly what is stored,
    # numbered without gaps, each at least one increment above the one before.
    bids = list(Bid.objects.filter(sale=sale).order_by("sequence"))
    told = sorted(b["sequence"] for r in accepted for b in r["bids"])
    assert told == [b.sequence for b in bids] == list(range(1, len(bids) + 1))
    assert len(bids) == len(accepted)
    assert all(not b.is_proxy for b in bids)
    assert all(later.amount - earlier.amount >= INCREMENT for earlier, later in itertools.pairwise(bids))

    # The evidence chain holds each accepted bid once, in sequence order, and verifies.
    attested = [e.payload["sequence"] for e in subject_evidence("sale", [sale.pk]) if e.event == "trading.bid"]
    assert attested == [b.sequence for b in bids]
    assert verify_chain().ok

    sale.refresh_from_db()
    top = bids[-1]
    assert sale.bid_count == len(bids)
    assert (sale.current_price, sale.leader_id) == (top.amount, top.bidder_id)

    end_bidding(sale)
    closed = auction_close(actor=None, sale=sale)
    assert closed.status == SaleStatus.SOLD
    assert closed.final_price == max(b.amount for b in bids)
    assert closed.buyer_id == top.bidder.organization_id
    statuses = sorted(Deposit.objects.filter(sale=sale).values_list("status", flat=True))
    assert statuses == sorted([DepositStatus.APPLIED] + [DepositStatus.REFUNDED] * (BIDDERS - 1))
    assert Deposit.objects.get(sale=sale, status=DepositStatus.APPLIED).bidder_id == top.bidder_id
    assert Sale.objects.filter(pk=sale.pk, status=SaleStatus.SOLD).count() == 1
