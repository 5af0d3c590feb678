"""Matching's metrics for ``GET /metrics`` (registered with :mod:`apps.core.metrics` when the app is ready).

- ``market_matching_index_version``: the newest version of the index change log;
- ``market_matching_lag_seconds``: how long the oldest pending matching effect has waited — a listing change
  (``matching.listings_changed``) not yet in the change log, or a batch (``matching.index_listings``) not yet
  re-matched on its shard; 0 when matching has caught up;
- ``market_matching_pending_effects``: how many such effects are pending.

- ``market_matching_served_version`` (set by the processes that serve an index, i.e. the workers, on their
  metrics port; in multiprocess mode the lowest of the live processes): ``market_matching_index_version`` minus
  it is how many change-log versions the slowest serving process is behind.

Also registers the shard queues (``matching.shard.<i>``), whose lengths the core reports.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.conf import settings
from django.db import connection
from prometheus_client import Gauge
from prometheus_client.core import GaugeMetricFamily, Metric

from apps.core.metrics import register_queues, register_source
from apps.core.models import EffectStatus
from apps.matching import shards

SERVED_VERSION = Gauge(
    "market_matching_served_version",
    "The match index version this process serves (after its last sync).",
    multiprocess_mode="livemin",
)


def shard_queues() -> list[str]:
    return sorted({shards.shard_queue(shard) for shard in range(settings.MATCHING_SHARDS)})


def matching_metrics() -> Iterator[Metric]:
    from apps.matching.index_state import current_version

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(extract(epoch FROM statement_timestamp() - min(created_at)), 0), count(*)"
            " FROM core_effect WHERE status = %s AND name LIKE 'matching.%%'",
            [EffectStatus.PENDING],
        )
        lag, pending = cursor.fetchone()
    yield GaugeMetricFamily(
        "market_matching_index_version", "The newest version of the match index change log.", value=current_version()
    )
    yield GaugeMetricFamily(
        "market_matching_lag_seconds",
        "Seconds the oldest pending matching effect (a listing change not yet indexed and matched) has waited.",
        value=float(lag),
    )
    yield GaugeMetricFamily("market_matching_pending_effects", "Matching effects still pending.", value=float(pending))


def register() -> None:
    register_queues(shard_queues)
    register_source("matching", matching_metrics)
