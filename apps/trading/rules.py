"""The English auction's bidding rule, as pure Python (no ORM): what a new bid does to the auction.

Proxy bidding (eBay-style): a bidder may give a maximum; the system then bids for them only what is
needed to lead, one increment above the best competing maximum, never above their maximum. Between
equal maximums the earlier one leads. A plain bid is a bid whose maximum is its amount.

:func:`resolve_bid` takes the auction's state and a new bid and returns the bids to record, in order,
and the new state. The caller holds the auction row's lock, so states never interleave.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class AuctionState:
    start_price: Decimal
    increment: Decimal
    price: Decimal | None  # the current price; None before the first bid
    leader: int | None  # the leading bidder's id
    leader_max: Decimal | None  # the leader's maximum (≥ price)


@dataclass(frozen=True)
class PlacedBid:
    bidder: int
    amount: Decimal
    is_proxy: bool


@dataclass(frozen=True)
class Outcome:
    bids: tuple[PlacedBid, ...]
    state: AuctionState


class BidTooLow(Exception):  # noqa: N818 - a refusal, not a bug
    def __init__(self, minimum: Decimal) -> None:
        super().__init__(f"the bid must be at least {minimum}")
        self.minimum = minimum


class AlreadyLeading(Exception):  # noqa: N818
    pass


def minimum_bid(state: AuctionState) -> Decimal:
    """The lowest amount a new bid may have: the start price, then the current price plus one increment."""
    if state.price is None:
        return state.start_price
    return state.price + state.increment


def resolve_bid(state: AuctionState, *, bidder: int, amount: Decimal, maximum: Decimal | None = None) -> Outcome:
    """The bids recorded for ``bidder`` bidding ``amount`` (with an optional proxy ``maximum``).

    Raises :class:`BidTooLow` below :func:`minimum_bid` and :class:`AlreadyLeading` when the leader bids
    again (a leader raises only its maximum, see :func:`raise_maximum`).
    """
    if state.leader == bidder:
        raise AlreadyLeading
    minimum = minimum_bid(state)
    if amount < minimum:
        raise BidTooLow(minimum)
    own_max = max(amount, maximum if maximum is not None else amount)
    bids = [PlacedBid(bidder, amount, False)]
    if state.leader is None or state.leader_max is None:
        return Outcome(tuple(bids), _state(state, amount, bidder, own_max))
    other_max = state.leader_max
    if own_max > other_max:
        # The newcomer leads. If the old leader's maximum reached the new amount, its proxy bids its
        # maximum first and the newcomer's proxy answers one increment above (within its maximum).
        if other_max >= amount:
            assert state.price is not None  # noqa: S101 - a leader implies a price
            if other_max > state.price:
                bids.append(PlacedBid(state.leader, other_max, True))
            price = min(own_max, other_max + state.increment)
            bids.append(PlacedBid(bidder, price, True))
            return Outcome(tuple(bids), _state(state, price, bidder, own_max))
        return Outcome(tuple(bids), _state(state, amount, bidder, own_max))
    # The leader holds (an equal maximum loses to the earlier one): the newcomer's proxy goes to its
    # maximum, and the leader's answers one increment above it, within the leader's maximum.
    if own_max > amount:
        bids.append(PlacedBid(bidder, own_max, True))
    price = min(other_max, own_max + state.increment)
    bids.append(PlacedBid(state.leader, price, True))
    return Outcome(tuple(bids), _state(state, price, state.leader, other_max))


def raise_maximum(state: AuctionState, *, bidder: int, maximum: Decimal) -> AuctionState:
    """The leader raises its proxy maximum (no bid is placed: the price stays)."""
    if state.leader != bidder or state.leader_max is None or maximum <= state.leader_max:
        raise BidTooLow(state.leader_max or minimum_bid(state))
    return _state(state, state.price, bidder, maximum)


def _state(state: AuctionState, price: Decimal | None, leader: int, leader_max: Decimal) -> AuctionState:
    return AuctionState(
        start_price=state.start_price, increment=state.increment, price=price, leader=leader, leader_max=leader_max
    )
