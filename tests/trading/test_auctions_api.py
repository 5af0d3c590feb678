"""Auctions (竞价) over HTTP: registration and deposits, bids and proxy bids, the anti-sniping extension, the
close with its results notice, deposits refunded, applied and forfeited, and who may do what."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from apps.core.evidence import subject_evidence, verify_chain
from apps.deals.models import Deal, DealStage
from apps.notifications.models import Notification
from apps.trading.models import Bid, Deposit, DepositStatus, Sale, SaleStatus
from apps.trading.services import auctions_close_due
from apps.trading.tasks import auctions_close_due_task
from tests.trading.factories import TradingWorld, end_bidding, open_bidding

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> TradingWorld:
    return TradingWorld(buyers=3)


def _bid(client, sale_id: int, amount: str, max_amount: str | None = None):
    body = {"amount": amount} if max_amount is None else {"amount": amount, "max_amount": max_amount}
    return client.post(f"/api/v1/trading/sales/{sale_id}/bids", body, format="json")


def test_an_auction_with_deposits_proxy_bids_and_a_close_won_by_the_highest_valid_bid(world, client_for):
    seller = client_for(world.seller_user)
    achievement = world.achievement()
    created = seller.post(
        "/api/v1/trading/sales",
        {
            "achievement_id": achievement.pk,
            "mode": "auction",
            "price": "100000.00",
            "reserve_price": "150000.00",
            "increment": "1000.00",
            "deposit_amount": "10000.00",
            "ends_at": (timezone.now() + timedelta(days=20)).isoformat(),
            "extension_minutes": 5,
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    sale_id = created.json()["id"]
    assert created.json()["reserve_price"] == "150000.00"  # the seller sees its reserve
    assert created.json()["starts_at"] == created.json()["notice_ends_at"]

    a, b, c = (client_for(u) for u in world.buyer_users)
    registered = a.post(f"/api/v1/trading/sales/{sale_id}/deposits", {"payment_reference": "GX-1"}, format="json")
    assert registered.status_code == 201, registered.json()
    assert (registered.json()["status"], registered.json()["bidder_number"]) == ("pending", 1)
    twice = a.post(f"/api/v1/trading/sales/{sale_id}/deposits", {}, format="json")
    assert twice.status_code == 409 and twice.json()["code"] == "trading_already_registered"
    own = seller.post(f"/api/v1/trading/sales/{sale_id}/deposits", {}, format="json")
    assert own.status_code == 403 and own.json()["code"] == "trading_own_sale"

    # Only the operator confirms deposits; the bidder sees its own only.
    deposit_a = registered.json()["id"]
    assert a.post(f"/api/v1/trading/deposits/{deposit_a}/confirm", {}, format="json").status_code == 403
    assert b.post(f"/api/v1/trading/deposits/{deposit_a}/confirm", {}, format="json").status_code == 404
    operator = client_for(world.operator)
    open_bidding(Sale.objects.get(pk=sale_id))
    unpaid = _bid(a, sale_id, "100000.00")
    assert unpaid.status_code == 409 and unpaid.json()["code"] == "trading_deposit_not_held"
    confirmed = operator.post(f"/api/v1/trading/deposits/{deposit_a}/confirm", {}, format="json")
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "held"
    for client in (b, c):
        deposit = client.post(f"/api/v1/trading/sales/{sale_id}/deposits", {}, format="json").json()
        operator.post(f"/api/v1/trading/deposits/{deposit['id']}/confirm", {}, format="json")
    assert [d["bidder_number"] for d in b.get(f"/api/v1/trading/sales/{sale_id}/deposits").json()["results"]] == [2]
    assert len(operator.get(f"/api/v1/trading/sales/{sale_id}/deposits").json()["results"]) == 3

    # An unregistered organisation cannot bid.
    outsider = _bid(client_for(world.outsider), sale_id, "100000.00")
    assert outsider.status_code == 403 and outsider.json()["code"] == "trading_not_registered"

    # A bids the start price with a proxy maximum of 130,000.
    first = _bid(a, sale_id, "100000.00", "130000.00")
    assert first.status_code == 201, first.json()
    assert first.json()["leading"] is True
    assert first.json()["sale"]["reserve_price"] is None  # bidders never see the reserve
    assert first.json()["sale"]["reserve_met"] is False
    # Below the minimum (current + increment): refused with the current price.
    low = _bid(b, sale_id, "100500.00")
    assert low.status_code == 409
    assert low.json()["code"] == "trading_bid_too_low"
    assert (low.json()["current_price"], low.json()["minimum_bid"]) == ("100000.00", "101000.00")
    # B bids 120,000: A's proxy answers at 121,000; B is told it was outbid.
    answered = _bid(b, sale_id, "120000.00")
    assert answered.status_code == 201
    assert answered.json()["leading"] is False
    assert [(x["bidder_number"], x["amount"], x["is_proxy"]) for x in answered.json()["bids"]] == [
        (2, "120000.00", False),
        (1, "121000.00", True),
    ]
    assert Notification.objects.filter(recipient=world.buyer_users[1], kind="trading.outbid").exists()
    # The leader may not bid against itself, only raise its maximum.
    again = _bid(a, sale_id, "125000.00")
    assert again.status_code == 409 and again.json()["code"] == "trading_already_leading"
    # C bids with a maximum of 160,000: A's proxy goes to 130,000, C leads at 131,000.
    c_bid = _bid(c, sale_id, "122000.00", "160000.00")
    assert c_bid.status_code == 201
    assert [(x["bidder_number"], x["amount"]) for x in c_bid.json()["bids"]] == [
        (3, "122000.00"),
        (1, "130000.00"),
        (3, "131000.00"),
    ]
    assert Notification.objects.filter(recipient=world.buyer_users[0], kind="trading.outbid").exists()
    # B bids 155,000 plainly: C's proxy answers 156,000, above the reserve.
    _bid(b, sale_id, "155000.00")
    sale = Sale.objects.get(pk=sale_id)
    assert (sale.current_price, sale.leader.organization_id, sale.bid_count) == (156000, world.buyers[2].pk, 8)

    # The history is public and anonymised; a bidder sees its own bids marked; the operator sees names.
    public = APIClient().get(f"/api/v1/trading/sales/{sale_id}/bids").json()["results"]
    assert [x["sequence"] for x in public] == list(range(1, 9))
    assert {x["organization_name"] for x in public} == {None}
    assert not any(x["mine"] for x in public)
    mine = [x["sequence"] for x in b.get(f"/api/v1/trading/sales/{sale_id}/bids").json()["results"] if x["mine"]]
    assert mine == [2, 7]
    names = {x["organization_name"] for x in operator.get(f"/api/v1/trading/sales/{sale_id}/bids").json()["results"]}
    assert names == {o.name for o in world.buyers}

    # Closing: not before the end; not by another organisation (403, nothing changes).
    early = seller.post(f"/api/v1/trading/sales/{sale_id}/close")
    assert early.status_code == 409 and early.json()["code"] == "trading_auction_not_ended"
    end_bidding(sale)
    late = _bid(a, sale_id, "200000.00")
    assert late.status_code == 409 and late.json()["code"] == "trading_auction_not_running"
    refused = client_for(world.outsider).post(f"/api/v1/trading/sales/{sale_id}/close")
    assert refused.status_code == 403
    assert Sale.objects.get(pk=sale_id).status == SaleStatus.LISTED

    closed = seller.post(f"/api/v1/trading/sales/{sale_id}/close")
    assert closed.status_code == 200, closed.json()
    result = closed.json()
    assert (result["status"], result["buyer_id"], result["final_price"]) == ("sold", world.buyers[2].pk, "156000.00")
    assert result["reserve_met"] is True
    deal = Deal.objects.get(pk=result["deal_id"])
    assert (deal.buyer_id, deal.seller_id, deal.stage) == (world.buyers[2].pk, world.seller.pk, DealStage.NEGOTIATING)
    deposits = {d.bidder.organization_id: d.status for d in Deposit.objects.filter(sale_id=sale_id)}
    assert deposits == {
        world.buyers[0].pk: DepositStatus.REFUNDED,
        world.buyers[1].pk: DepositStatus.REFUNDED,
        world.buyers[2].pk: DepositStatus.APPLIED,
    }
    assert Notification.objects.filter(recipient=world.buyer_users[2], kind="trading.won").exists()
    assert Notification.objects.filter(recipient=world.buyer_users[0], kind="trading.lost").exists()
    assert Notification.objects.filter(recipient=world.buyer_users[0], kind="trading.deposit").exists()
    # The results notice names the winner and the price; closing again is refused, the task skips it.
    results = APIClient().get("/api/v1/trading/results").json()["results"]
    assert [(r["id"], r["buyer_name"], r["final_price"]) for r in results] == [
        (sale_id, world.buyers[2].name, "156000.00")
    ]
    assert seller.post(f"/api/v1/trading/sales/{sale_id}/close").status_code == 409
    assert auctions_close_due() == 0

    # Every bid and the result are in the tamper-evident evidence chain, in order.
    entries = list(subject_evidence("sale", [sale_id]))
    bid_entries = [e.payload for e in entries if e.event == "trading.bid"]
    assert [(p["sequence"], p["amount"]) for p in bid_entries] == [
        (b.sequence, f"{b.amount:.2f}") for b in Bid.objects.filter(sale_id=sale_id).order_by("sequence")
    ]
    won = [e.payload for e in entries if e.event == "trading.auction_won"]
    assert won == [
        {
            "winner_number": 3,
            "buyer_id": world.buyers[2].pk,
            "final_price": "156000.00",
            "bid_count": 8,
            "deal_id": result["deal_id"],
            "deposit_applied": "10000.00",
        }
    ]
    assert [e.event for e in entries].count("trading.deposit_refunded") == 2
    assert verify_chain().ok

    # The winner fails to sign: the operator forfeits its applied deposit.
    winner_deposit = Deposit.objects.get(sale_id=sale_id, status=DepositStatus.APPLIED)
    no_reason = operator.post(f"/api/v1/trading/deposits/{winner_deposit.pk}/forfeit", {}, format="json")
    assert no_reason.status_code == 400
    forfeited = operator.post(
        f"/api/v1/trading/deposits/{winner_deposit.pk}/forfeit", {"reason": "逾期未签约"}, format="json"
    )
    assert forfeited.status_code == 200 and forfeited.json()["status"] == "forfeited"
    loser_deposit = Deposit.objects.filter(sale_id=sale_id, status=DepositStatus.REFUNDED).first()
    refunded_again = operator.post(
        f"/api/v1/trading/deposits/{loser_deposit.pk}/forfeit", {"reason": "x"}, format="json"
    )
    assert refunded_again.status_code == 409 and refunded_again.json()["code"] == "trading_deposit_bad_transition"


def test_a_bid_in_the_last_minutes_extends_the_end(world, client_for):
    sale = world.auction(extension_minutes=5)
    world.register(sale, world.buyer_users[0])
    open_bidding(sale, ends_in=timedelta(minutes=2))
    before = Sale.objects.get(pk=sale.pk).ends_at
    response = _bid(client_for(world.buyer_users[0]), sale.pk, "100000.00")
    assert response.status_code == 201
    body = response.json()["sale"]
    sale.refresh_from_db()
    assert sale.ends_at > before
    assert timedelta(minutes=4) < sale.ends_at - timezone.now() <= timedelta(minutes=5)
    assert body["extension_count"] == 1
    # A bid well before the end does not extend it.
    other = world.auction(extension_minutes=5)
    world.register(other, world.buyer_users[1])
    open_bidding(other, ends_in=timedelta(hours=1))
    before = Sale.objects.get(pk=other.pk).ends_at
    _bid(client_for(world.buyer_users[1]), other.pk, "100000.00")
    assert Sale.objects.get(pk=other.pk).ends_at == before


def test_the_reserve_not_met_closes_unsold_and_refunds_every_deposit(world, client_for):
    sale = world.auction(reserve="500000.00")
    world.register(sale, world.buyer_users[0])
    world.register(sale, world.buyer_users[1], confirm=False)
    open_bidding(sale)
    assert _bid(client_for(world.buyer_users[0]), sale.pk, "100000.00").status_code == 201
    end_bidding(sale)
    # The scheduled task closes it (run here in-process), and a second run does nothing.
    assert auctions_close_due_task() == 1
    assert auctions_close_due_task() == 0
    sale.refresh_from_db()
    assert (sale.status, sale.buyer_id, sale.deal_id) == (SaleStatus.UNSOLD, None, None)
    assert set(Deposit.objects.filter(sale=sale).values_list("status", flat=True)) == {DepositStatus.REFUNDED}
    assert Notification.objects.filter(recipient=world.seller_user, kind="trading.unsold").exists()
    results = APIClient().get("/api/v1/trading/results").json()["results"]
    assert [(r["id"], r["status"], r["buyer_name"]) for r in results] == [(sale.pk, "unsold", None)]


def test_the_seller_cannot_withdraw_an_auction_with_bids_the_operator_can(world, client_for):
    sale = world.auction()
    world.register(sale, world.buyer_users[0])
    open_bidding(sale)
    _bid(client_for(world.buyer_users[0]), sale.pk, "100000.00")
    refused = client_for(world.seller_user).post(
        f"/api/v1/trading/sales/{sale.pk}/withdraw", {"reason": "撤回"}, format="json"
    )
    assert refused.status_code == 409 and refused.json()["code"] == "trading_has_bids"
    done = client_for(world.operator).post(
        f"/api/v1/trading/sales/{sale.pk}/withdraw", {"reason": "权属核查"}, format="json"
    )
    assert done.status_code == 200 and done.json()["status"] == "withdrawn"
    assert Deposit.objects.get(sale=sale).status == DepositStatus.REFUNDED
    assert Bid.objects.filter(sale=sale).count() == 1


def test_bad_bids_are_refused_and_nothing_is_stored(world, client_for):
    sale = world.auction()
    world.register(sale, world.buyer_users[0])
    client = client_for(world.buyer_users[0])
    during_notice = _bid(client, sale.pk, "100000.00")
    assert during_notice.status_code == 409 and during_notice.json()["code"] == "trading_notice_running"
    open_bidding(sale)
    for body in ({"amount": "1e5"}, {"amount": "abc"}, {}, {"amount": "100000.001"}):
        response = client.post(f"/api/v1/trading/sales/{sale.pk}/bids", body, format="json")
        assert response.status_code == 400, (body, response.json())
    below_max = _bid(client, sale.pk, "100000.00", "90000.00")
    assert below_max.status_code == 400 and below_max.json()["code"] == "trading_bad_terms"
    fixed = world.fixed_sale()
    wrong = _bid(client, fixed.pk, "100.00")
    assert wrong.status_code == 409 and wrong.json()["code"] == "trading_wrong_mode"
    assert not Bid.objects.exists()
    sale.refresh_from_db()
    assert (sale.bid_count, sale.current_price) == (0, None)


def test_a_retried_bid_with_the_same_idempotency_key_is_placed_once(world, client_for):
    sale = world.auction()
    world.register(sale, world.buyer_users[0])
    open_bidding(sale)
    client = client_for(world.buyer_users[0])
    url = f"/api/v1/trading/sales/{sale.pk}/bids"
    first = client.post(url, {"amount": "100000.00"}, format="json", HTTP_IDEMPOTENCY_KEY="bid-7f3a")
    replay = client.post(url, {"amount": "100000.00"}, format="json", HTTP_IDEMPOTENCY_KEY="bid-7f3a")
    assert first.status_code == replay.status_code == 201
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json() == first.json()
    assert Bid.objects.filter(sale=sale).count() == 1
