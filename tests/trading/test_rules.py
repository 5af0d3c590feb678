"""The bidding rule on its own (pure): minimum bids, proxy answers, ties to the earlier maximum."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.trading.rules import AlreadyLeading, AuctionState, BidTooLow, PlacedBid, minimum_bid, resolve_bid

D = Decimal
START = AuctionState(start_price=D("100"), increment=D("10"), price=None, leader=None, leader_max=None)


def test_the_first_bid_must_reach_the_start_price_and_sets_the_price():
    with pytest.raises(BidTooLow) as refused:
        resolve_bid(START, bidder=1, amount=D("99"))
    assert refused.value.minimum == D("100")
    outcome = resolve_bid(START, bidder=1, amount=D("100"), maximum=D("300"))
    assert outcome.bids == (PlacedBid(1, D("100"), False),)
    assert (outcome.state.price, outcome.state.leader, outcome.state.leader_max) == (D("100"), 1, D("300"))
    assert minimum_bid(outcome.state) == D("110")


def test_a_plain_bid_below_the_leaders_maximum_is_answered_one_increment_above():
    state = resolve_bid(START, bidder=1, amount=D("100"), maximum=D("300")).state
    outcome = resolve_bid(state, bidder=2, amount=D("150"))
    assert outcome.bids == (PlacedBid(2, D("150"), False), PlacedBid(1, D("160"), True))
    assert (outcome.state.price, outcome.state.leader) == (D("160"), 1)


def test_a_higher_maximum_wins_at_one_increment_above_the_old_maximum():
    state = resolve_bid(START, bidder=1, amount=D("100"), maximum=D("300")).state
    outcome = resolve_bid(state, bidder=2, amount=D("120"), maximum=D("500"))
    assert outcome.bids == (
        PlacedBid(2, D("120"), False),
        PlacedBid(1, D("300"), True),
        PlacedBid(2, D("310"), True),
    )
    assert (outcome.state.price, outcome.state.leader, outcome.state.leader_max) == (D("310"), 2, D("500"))


def test_equal_maximums_go_to_the_earlier_one():
    state = resolve_bid(START, bidder=1, amount=D("100"), maximum=D("300")).state
    outcome = resolve_bid(state, bidder=2, amount=D("200"), maximum=D("300"))
    assert outcome.state.leader == 1
    assert outcome.state.price == D("300")
    assert outcome.bids[-1] == PlacedBid(1, D("300"), True)


def test_a_bid_above_the_leaders_maximum_leads_at_its_own_amount():
    state = resolve_bid(START, bidder=1, amount=D("100"), maximum=D("150")).state
    outcome = resolve_bid(state, bidder=2, amount=D("200"))
    assert outcome.bids == (PlacedBid(2, D("200"), False),)
    assert (outcome.state.price, outcome.state.leader) == (D("200"), 2)


def test_the_leader_cannot_bid_against_itself():
    state = resolve_bid(START, bidder=1, amount=D("100")).state
    with pytest.raises(AlreadyLeading):
        resolve_bid(state, bidder=1, amount=D("200"))
