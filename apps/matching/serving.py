"""Every worker process keeps its match index current and says what it serves, so that replicas can be
checked to agree.

:mod:`.index_state` syncs a process's index when a matching task runs in it; a worker that gets no
matching task for a while would keep an old version, and ``matching.index_status`` reaches only the one
worker that takes the message. Here, each process of a Celery worker (each prefork child, or the worker
itself with the solo or threads pool):

- builds its index when it starts (so the first match after a deploy does not pay for the build) and syncs
  it every ``MATCHING_SYNC_SECONDS`` in a background thread: an idle replica converges within that interval;
- after each sync writes what it serves (version, fingerprint, sizes, time) to a Redis hash of this
  database (``<cache prefix>:matching:served:<database>``), one field per process, and removes its field
  when it stops.

:func:`served_indexes` reads them back (entries not refreshed for three intervals are dead processes and are
dropped), and ``GET /api/v1/matching/index-status`` shows the operator whether all live processes serve the
newest version with one fingerprint.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
from typing import Any

import redis
from celery import signals
from django.conf import settings
from django.db import close_old_connections

from apps.core import redis_client
from apps.matching import engine, index_state

logger = logging.getLogger(__name__)

# Entries older than this many sync intervals belong to processes that died without removing theirs.
STALE_INTERVALS = 3

_started = threading.Event()
_stopping = threading.Event()
_registry_lock = threading.Lock()  # a publish in flight never re-adds the entry withdraw() just removed
_fingerprint_of: dict[int, str] = {}  # version -> fingerprint of this process's index (computed once)


def process_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _client() -> redis.Redis:
    return redis_client.client()  # this process's pooled client, not a new connection every sync


def registry_key() -> str:
    prefix = settings.CACHES["default"].get("KEY_PREFIX", "")
    return f"{prefix}:matching:served:{settings.DATABASES['default']['NAME']}"


def publish(index: index_state.ServedIndex) -> dict[str, Any]:
    """Record what this process serves now (the fingerprint is computed once per version)."""
    with index.lock:  # not while the tasks' thread applies changes to it
        version = index.version
        if version not in _fingerprint_of:
            _fingerprint_of.clear()
            _fingerprint_of[version] = index.fingerprint()
        sizes = len(index.achievements), len(index.demands)
    name = process_name()
    entry: dict[str, Any] = {
        "process": name,
        "version": version,
        "fingerprint": _fingerprint_of[version],
        "achievements": sizes[0],
        "demands": sizes[1],
        "engine_version": engine.ENGINE_VERSION,
        "synced_at": time.time(),
        "sync_seconds": float(settings.MATCHING_SYNC_SECONDS),
    }
    with _registry_lock:
        if not _stopping.is_set():
            _client().hset(registry_key(), name, json.dumps(entry))
    return entry


def withdraw() -> None:
    """Remove this process's entry for good (it is stopping)."""
    try:
        with _registry_lock:
            _stopping.set()
            _client().hdel(registry_key(), process_name())
    except redis.RedisError:
        logger.warning("could not remove this process's entry from the matching registry", exc_info=True)


def served_indexes() -> list[dict[str, Any]]:
    """What every live serving process reported, by process name; dead processes' entries are dropped."""
    client = _client()
    key = registry_key()
    now = time.time()
    live = []
    for name, raw in sorted(client.hgetall(key).items()):
        entry = json.loads(raw)
        # Judged by the writer's own interval (a worker may sync at another pace than this process's setting).
        if entry["synced_at"] < now - STALE_INTERVALS * max(entry.get("sync_seconds", 0.0), 1.0):
            client.hdel(key, name)
            continue
        live.append(entry)
    return live


def sync_and_publish() -> dict[str, Any]:
    """Bring this process's index to the newest version and report it."""
    close_old_connections()
    try:
        return publish(index_state.local_index())
    finally:
        close_old_connections()


def _keep_current(interval: float) -> None:
    while True:
        try:
            sync_and_publish()
        except Exception:  # a database or Redis outage: try again next time
            logger.warning("matching index sync failed; retrying in %s s", interval, exc_info=True)
        time.sleep(interval)


def start_keeping_current() -> bool:
    """Start this process's sync thread (once per process); False when MATCHING_SYNC_SECONDS is 0."""
    interval = float(settings.MATCHING_SYNC_SECONDS)
    if interval <= 0 or _started.is_set():
        return False
    _started.set()
    threading.Thread(target=_keep_current, args=(interval,), name="matching-index-sync", daemon=True).start()
    return True


# --- worker signals ---------------------------------------------------------------------------------------
# The index lives where tasks run: in prefork children (worker_process_init), or in the worker itself with
# the solo and threads pools (which send no worker_process_init).


def _runs_tasks_in_main_process(worker: Any) -> bool:
    pool = getattr(worker, "pool_cls", None)
    module = pool if isinstance(pool, str) else getattr(pool, "__module__", "")
    return any(name in str(module) for name in ("solo", "thread"))


@signals.worker_init.connect
def _on_worker_init(sender: Any = None, **kwargs: Any) -> None:
    if _runs_tasks_in_main_process(sender):
        start_keeping_current()


@signals.worker_process_init.connect
def _on_worker_process_init(**kwargs: Any) -> None:
    _started.clear()  # a forked child does not inherit its parent's thread
    _stopping.clear()
    start_keeping_current()


@signals.worker_process_shutdown.connect
def _on_worker_process_shutdown(**kwargs: Any) -> None:
    withdraw()


@signals.worker_shutdown.connect
def _on_worker_shutdown(sender: Any = None, **kwargs: Any) -> None:
    if _started.is_set():
        withdraw()
