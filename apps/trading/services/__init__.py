"""Writes of trading, by sub-domain: listed sales, notices and objections (:mod:`.sales`), auctions,
deposits and bids (:mod:`.auctions`); what they share is in :mod:`.common`."""

from apps.trading.services.auctions import (
    BidResult,
    auction_bid,
    auction_close,
    auctions_close_due,
    bidder_register,
    deposit_confirm,
    deposit_forfeit,
)
from apps.trading.services.common import (
    DEPOSIT_LIFECYCLE,
    OBJECTION_LIFECYCLE,
    SALE_LIFECYCLE,
    TradingError,
    is_public_institution,
)
from apps.trading.services.sales import (
    objection_file,
    objection_resolve,
    sale_accept,
    sale_create,
    sale_withdraw,
)

__all__ = [
    "DEPOSIT_LIFECYCLE",
    "OBJECTION_LIFECYCLE",
    "SALE_LIFECYCLE",
    "BidResult",
    "TradingError",
    "auction_bid",
    "auction_close",
    "auctions_close_due",
    "bidder_register",
    "deposit_confirm",
    "deposit_forfeit",
    "is_public_institution",
    "objection_file",
    "objection_resolve",
    "sale_accept",
    "sale_create",
    "sale_withdraw",
]
