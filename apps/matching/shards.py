"""Spreading matching over more workers: the listings to match are partitioned over shard queues.

With ``MATCHING_SHARDS = N > 1`` the listing with id *i* is matched by the workers consuming queue
``matching.shard.<i % N>``; start one or more workers per queue, on as many machines as needed. Every
worker process serves the whole index, kept at the newest change-log version (:mod:`.index_state`), so
whichever worker computes a listing's matches computes the same ones, and ``matching.index_status``
lets an operator (or a test) check that all of them report the same version and fingerprint. The work
reaches a shard as the named effect ``matching.index_listings`` (:mod:`apps.matching.effects`), recorded in
the transaction that asks for it, so a broker outage delays it but cannot lose it.

Why the index itself is not split by document: the engine's scores depend on the whole collection
(BM25's inverse document frequencies and average length come from the live index, and the text part is
normalised to the best candidate), so a shard holding a subset of the documents ranks differently from
the whole index, and merging shard-local top-k does not give the global top-k. Splitting by document
needs the engine to accept collection statistics from outside (a first round gathering document
frequencies, lengths and the best text score from every shard, a second round scoring with them); the
README describes that step.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from celery import group
from django.conf import settings

from apps.core.effects import effect

SHARD_QUEUE_PREFIX = "matching.shard."
DEFAULT_QUEUE = "celery"


def shard_of(listing_id: int, shards: int | None = None) -> int:
    return listing_id % (shards or settings.MATCHING_SHARDS)


def shard_queue(shard: int) -> str:
    """The Celery queue of one shard; with one shard, the default queue every worker consumes."""
    if settings.MATCHING_SHARDS <= 1:
        return DEFAULT_QUEUE
    return f"{SHARD_QUEUE_PREFIX}{shard}"


def partition(listing_ids: Iterable[int]) -> dict[int, list[int]]:
    """{shard: ids} in id order, each shard's ids in batches no larger than MATCHING_TASK_BATCH."""
    parts: dict[int, list[int]] = {}
    for pk in sorted(set(listing_ids)):
        parts.setdefault(shard_of(pk), []).append(pk)
    return parts


def record_index_effects(*, kind: str, listing_ids: Iterable[int]) -> int:
    """Record ``matching.index_listings`` for the listings in the caller's transaction: one effect per
    batch of at most MATCHING_TASK_BATCH ids of one shard, run on that shard's queue. Returns how many."""
    batch = settings.MATCHING_TASK_BATCH
    recorded = 0
    for shard, ids in partition(listing_ids).items():
        for start in range(0, len(ids), batch):
            effect("matching.index_listings", kind=kind, listing_ids=ids[start : start + batch], shard=shard)
            recorded += 1
    return recorded


def status_of_shards(*, timeout: float | None = None) -> list[dict[str, Any]]:
    """Ask one worker of every shard queue what it serves (version, fingerprint, sizes, pid)."""
    from apps.matching.tasks import index_status

    shards = max(settings.MATCHING_SHARDS, 1)
    signatures = [index_status.s(shard=shard).set(queue=shard_queue(shard)) for shard in range(shards)]
    result = group(signatures).apply_async()
    answers: list[dict[str, Any]] = result.get(timeout=timeout or settings.MATCHING_SHARD_TIMEOUT)
    return answers
