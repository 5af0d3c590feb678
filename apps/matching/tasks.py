"""Matching tasks: thin, idempotent, named and time-limited; the work is in services.

- ``matching.index_listings``: bring listings' matches up to date by hand (the market's own changes reach
  the shards as the effect of the same name, see :mod:`apps.matching.effects`).
- ``matching.rebuild``: nightly fresh build, compared with the incremental state and repaired.
- ``matching.rematch_all``: re-match every published listing, spread over the shard queues (as effects).
- ``matching.index_status``: what a worker serves (version, fingerprint) — to check workers agree.
"""

from __future__ import annotations

import os
import socket
from typing import Any

from celery import shared_task


@shared_task(name="matching.index_listings", time_limit=600, soft_time_limit=540)
def index_listings(kind: str, listing_ids: list[int]) -> int:
    """Re-match each listing (published) or drop its suggestions (not published any more). Safe to re-run."""
    from apps.matching.models import ListingKind
    from apps.matching.services import listings_rematch

    return listings_rematch(kind=ListingKind(kind), listing_ids=listing_ids)


@shared_task(name="matching.rebuild", time_limit=3600, soft_time_limit=3540)
def rebuild() -> dict[str, Any]:
    from apps.matching.services import matching_rebuild

    run = matching_rebuild()
    return {"run": run.pk, "status": run.status, "differences": run.differences, "version": run.index_version}


@shared_task(name="matching.rematch_all", time_limit=600, soft_time_limit=540)
def rematch_all() -> dict[str, Any]:
    """Queue a re-match of every published listing on the shard queues (after an engine change)."""
    from apps.matching.services import matching_rematch_all

    run = matching_rematch_all()
    return {"run": run.pk, "listings": run.listings}


@shared_task(name="matching.index_status", time_limit=300, soft_time_limit=240)
def index_status(shard: int = 0) -> dict[str, Any]:
    """The version and fingerprint this worker serves (it syncs first, as before any answer)."""
    from apps.matching.services import index_status as status

    return {**status(), "shard": shard, "pid": os.getpid(), "host": socket.gethostname()}
