"""Effects owned by matching (see apps.core.effects).

``matching.listings_changed`` is recorded by listings when listings enter or leave the market (publication,
withdrawal, transfer, expiry, bulk import); its handler writes the index change log and records one
``matching.index_listings`` per shard batch, which re-matches those listings on the shard's queue. Both are
durable: nothing between a listing's commit and its stored matches lives only in a broker message.
"""

from __future__ import annotations

from apps.core.effects import effect_handler
from apps.matching import shards
from apps.matching.models import ListingKind
from apps.matching.services import listings_changed, listings_rematch


# On matching's own workers: shard 0's queue (where the nightly rebuild runs too), the default queue with
# one shard. Atomic: the change log entries and the per-shard effects commit with the "done" mark.
@effect_handler("matching.listings_changed", queue=lambda **_kwargs: shards.shard_queue(0))
def log_listings_changed(*, kind: str, listing_ids: list[int]) -> None:
    listings_changed(kind=ListingKind(kind), listing_ids=listing_ids)


# Not atomic: each listing's matches are stored in a short transaction of their own (share locks on the
# listings are not held for a whole batch); a batch that runs again recomputes the same matches.
@effect_handler("matching.index_listings", atomic=False, queue=lambda **kwargs: shards.shard_queue(kwargs["shard"]))
def index_listings(*, kind: str, listing_ids: list[int], shard: int) -> None:
    listings_rematch(kind=ListingKind(kind), listing_ids=listing_ids)
