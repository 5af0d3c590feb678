"""Reports and exports read from a streaming replica (``DATABASE_REPLICA_URL``), the primary as fallback.

A view handler decorated with :func:`reads_from_replica` runs its queries on the ``replica`` alias when the
replica is healthy, else on the primary; every other read and every write goes to the primary. The answer
says where it was read (``X-Read-From: replica|primary``), and ``market_replica_reads_total{source,reason}``
counts the decisions (deploy/README.md, "Read replica").

Healthy means: reachable (a short ``connect_timeout``), a standby (``pg_is_in_recovery()``), and not
further behind than ``DATABASE_REPLICA_MAX_LAG_SECONDS``. The lag is 0 when the replica has replayed all the
WAL the primary had inserted when asked (``pg_last_wal_replay_lsn() >= pg_current_wal_insert_lsn()``: the insert
position, not the write position, which lags behind committed data under ``synchronous_commit=off``), else the age
of the last transaction it replayed (``clock_timestamp() - pg_last_xact_replay_timestamp()``): an idle
primary does not make a caught-up replica look late, and a replica whose replay stopped grows older every
second. The verdict is kept ``DATABASE_REPLICA_CHECK_SECONDS`` per process, so a report costs two extra
queries at most once per interval. A query that fails on the replica (it went away, or a conflict with
recovery cancelled it) is answered again from the primary and the replica counts as down until the next check.

A replica alias pointing at the primary's own database (the test runner's ``TEST["MIRROR"]``) is no replica:
reads stay on the primary, so the test databases behave as without one.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import logging
import math
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar, cast

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.utils import DatabaseError, InterfaceError, OperationalError
from django.http import HttpResponseBase, StreamingHttpResponse
from django.utils.connection import ConnectionDoesNotExist
from prometheus_client import Counter
from prometheus_client.core import GaugeMetricFamily, Metric

logger = logging.getLogger(__name__)

REPLICA = "replica"
READ_FROM_HEADER = "X-Read-From"


class ReadSource(StrEnum):
    REPLICA = "replica"
    PRIMARY = "primary"


class ReplicaReason(StrEnum):
    """Why a routed read went where it went."""

    OK = "ok"  # the replica, within the lag bound
    UNCONFIGURED = "unconfigured"  # no DATABASE_REPLICA_URL (or it names the primary's database)
    LAGGING = "lagging"  # further behind than DATABASE_REPLICA_MAX_LAG_SECONDS
    DOWN = "down"  # unreachable, or it failed its last query
    NOT_STANDBY = "not_standby"  # answers, but is not in recovery (promoted, or another primary)
    FAILED = "failed"  # the query failed on the replica and was answered again from the primary


READS = Counter(
    "market_replica_reads",
    "Requests of reports and exports by where they were read (replica, primary) and why.",
    ["source", "reason"],
)

_reading: contextvars.ContextVar[str | None] = contextvars.ContextVar("market_replica_reading", default=None)


@dataclass(frozen=True)
class ReplicaHealth:
    reason: ReplicaReason
    lag_seconds: float | None  # None: not measured (unconfigured or down); inf: never replayed a transaction
    checked_at: float  # time.monotonic()

    @property
    def usable(self) -> bool:
        return self.reason is ReplicaReason.OK


_lock = threading.Lock()
_state: dict[str, ReplicaHealth] = {}


def replica_configured() -> bool:
    """A ``replica`` alias exists and names another database than the primary's."""
    try:
        replica = connections[REPLICA].settings_dict
    except ConnectionDoesNotExist:
        return False
    primary = connections[DEFAULT_DB_ALIAS].settings_dict
    where = ("HOST", "PORT", "NAME")
    return tuple(str(replica.get(k) or "") for k in where) != tuple(str(primary.get(k) or "") for k in where)


def max_lag_seconds() -> float:
    return float(getattr(settings, "DATABASE_REPLICA_MAX_LAG_SECONDS", 30.0))


def check_seconds() -> float:
    return float(getattr(settings, "DATABASE_REPLICA_CHECK_SECONDS", 5.0))


def replica_health() -> ReplicaHealth:
    """The replica's state, measured at most once per ``DATABASE_REPLICA_CHECK_SECONDS`` in this process."""
    if not replica_configured():
        return ReplicaHealth(ReplicaReason.UNCONFIGURED, None, time.monotonic())
    current = _state.get("health")
    if current is not None and time.monotonic() - current.checked_at < check_seconds():
        return current
    with _lock:  # one check at a time; the threads that waited use its verdict
        current = _state.get("health")
        if current is not None and time.monotonic() - current.checked_at < check_seconds():
            return current
        return _remember(measure_replica())


def forget_replica_health() -> None:
    """The next routed read measures again (tests; a settings change)."""
    _state.pop("health", None)


def measure_replica() -> ReplicaHealth:
    """Asks the primary for its WAL position and the replica how far it has replayed. A replica that fails
    to answer is down; a primary that fails raises, as any request would."""
    now = time.monotonic()
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_insert_lsn()::text")
        (primary_lsn,) = cursor.fetchone()
    try:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute(
                "SELECT pg_is_in_recovery(), coalesce(pg_last_wal_replay_lsn() >= %s::pg_lsn, false),"
                " extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp())::float8",
                [primary_lsn],
            )
            in_recovery, caught_up, age = cursor.fetchone()
    except DatabaseError as exc:
        _close_replica()
        logger.debug("replica check failed: %s", exc)
        return ReplicaHealth(ReplicaReason.DOWN, None, now)
    if not in_recovery:
        return ReplicaHealth(ReplicaReason.NOT_STANDBY, None, now)
    lag = 0.0 if caught_up else (math.inf if age is None else max(0.0, float(age)))
    reason = ReplicaReason.OK if lag <= max_lag_seconds() else ReplicaReason.LAGGING
    return ReplicaHealth(reason, lag, now)


def _remember(health: ReplicaHealth) -> ReplicaHealth:
    previous = _state.get("health")
    _state["health"] = health
    if previous is None or previous.reason is not health.reason:
        if health.usable:
            logger.info("reports read from the replica (lag %.1f s)", health.lag_seconds or 0.0)
        else:
            logger.warning(
                "reports read from the primary: replica %s%s",
                health.reason.value,
                "" if health.lag_seconds is None else f" (lag {health.lag_seconds:.1f} s, bound {max_lag_seconds()} s)",
            )
    return health


def _close_replica() -> None:
    # A broken connection may fail to close; Django drops it either way.
    with contextlib.suppress(DatabaseError):
        connections[REPLICA].close()


# --- Routing -------------------------------------------------------------------------------------------


class ReadReplicaRouter:
    """Sends the reads of a :func:`reads_from_replica` handler to the replica; everything else as Django
    would (the primary). Writes never go to the replica, and the replica is never migrated."""

    def db_for_read(self, model: type, **hints: Any) -> str | None:
        alias = _reading.get()
        if alias is not None:
            return alias
        return DEFAULT_DB_ALIAS if _from_replica(hints) else None

    def db_for_write(self, model: type, **hints: Any) -> str | None:
        # Django would write an instance back where it was read from: one read on the replica goes to the primary.
        return DEFAULT_DB_ALIAS if _from_replica(hints) else None

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        if {obj1._state.db, obj2._state.db} <= {DEFAULT_DB_ALIAS, REPLICA}:
            return True  # the same data
        return None

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        return False if db == REPLICA else None


def _from_replica(hints: dict[str, Any]) -> bool:
    instance = hints.get("instance")
    return instance is not None and getattr(instance._state, "db", None) == REPLICA


Handler = TypeVar("Handler", bound=Callable[..., HttpResponseBase])


def reads_from_replica(handler: Handler) -> Handler:
    """For a read-only view handler (``def get(self, request, …)``) whose reads may be up to
    ``DATABASE_REPLICA_MAX_LAG_SECONDS`` old: they run on the replica while it is healthy. Authentication and
    throttling ran before, on the primary. A streamed body reads on the same side as the handler did."""

    @functools.wraps(handler)
    def wrapper(view: Any, request: Any, *args: Any, **kwargs: Any) -> HttpResponseBase:
        health = replica_health()
        if not health.usable:
            READS.labels(ReadSource.PRIMARY, health.reason).inc()
            return _marked(handler(view, request, *args, **kwargs), ReadSource.PRIMARY)
        token = _reading.set(REPLICA)
        try:
            response = handler(view, request, *args, **kwargs)
        except (OperationalError, InterfaceError) as exc:
            _replica_failed(exc)
            READS.labels(ReadSource.PRIMARY, ReplicaReason.FAILED).inc()
        else:
            READS.labels(ReadSource.REPLICA, ReplicaReason.OK).inc()
            if isinstance(response, StreamingHttpResponse) and not response.is_async:
                response.streaming_content = _read_on(REPLICA, cast(Iterator[bytes], response.streaming_content))
            return _marked(response, ReadSource.REPLICA)
        finally:
            _reading.reset(token)
        return _marked(handler(view, request, *args, **kwargs), ReadSource.PRIMARY)

    return wrapper  # type: ignore[return-value]


def _marked(response: HttpResponseBase, source: ReadSource) -> HttpResponseBase:
    response[READ_FROM_HEADER] = source.value
    return response


def _read_on(alias: str, chunks: Iterable[bytes]) -> Iterator[bytes]:
    """The chunks of a streamed body, each produced with its reads on ``alias``; the context is restored
    between chunks, so the server's own work in between reads as usual."""
    iterator = iter(chunks)
    while True:
        token = _reading.set(alias)
        try:
            chunk = next(iterator)
        except StopIteration:
            return
        except (OperationalError, InterfaceError) as exc:
            _replica_failed(exc)  # the body is cut; the client's retry is read from the primary
            raise
        finally:
            _reading.reset(token)
        yield chunk


def _replica_failed(exc: Exception) -> None:
    logger.warning("a read on the replica failed (%s: %s); answered from the primary", type(exc).__name__, exc)
    _close_replica()
    with _lock:
        _remember(ReplicaHealth(ReplicaReason.DOWN, None, time.monotonic()))


# --- Metrics (read at scrape time by apps.core.metrics) ----------------------------------------------------


def replica_metrics() -> Iterator[Metric]:
    health = replica_health()
    yield GaugeMetricFamily(
        "market_replica_usable", "1 if reports and exports are read from the replica.", value=float(health.usable)
    )
    lag = health.lag_seconds
    yield GaugeMetricFamily(
        "market_replica_lag_seconds",
        "How far the replica is behind the primary (0: it replayed everything); NaN while it cannot be measured.",
        value=math.nan if lag is None else lag,
    )
    yield GaugeMetricFamily(
        "market_replica_max_lag_seconds", "DATABASE_REPLICA_MAX_LAG_SECONDS.", value=max_lag_seconds()
    )
