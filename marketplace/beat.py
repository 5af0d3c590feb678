"""Celery beat that schedules only while it holds a PostgreSQL advisory lock: one beat at a time.

Start as many beats as you like (one per machine, or two by mistake): each opens its own connection to the
application's database and asks for ``pg_try_advisory_lock(BEAT_LOCK_KEY)`` on it. The one that gets it
schedules; the others log that they wait and ask again every ``BEAT_LOCK_CHECK_SECONDS``. The lock belongs
to the holder's database session, so it goes when that process dies (PostgreSQL sees the connection close,
also after ``kill -9``) and a waiting beat takes over within one check interval. No renewal, no expiry to tune.

The holder checks at least every interval that its session still holds the lock (a database restart or a
dropped connection ends it); if not, it stops scheduling and competes again like a newcomer. Between the
loss and that check, two beats may both send a due task once: the scheduled tasks are idempotent.

Each beat keeps its own schedule file (``CELERY_BEAT_SCHEDULE_FILENAME``, in its own data folder): a beat
that takes over starts its interval entries afresh and fires its crontab entries at their next time.
"""

from __future__ import annotations

import logging
from typing import Any

import psycopg2
from celery.beat import PersistentScheduler
from django.conf import settings

logger = logging.getLogger(__name__)

# pg_try_advisory_lock key of the beat lock ("MKTBEAT1" as an integer); advisory locks are per database.
BEAT_LOCK_KEY = 0x4D4B544245415431


def _connect() -> Any:
    """A connection of this beat's own (not Django's, which may be closed between uses)."""
    from django.db import connections

    params = connections["default"].get_connection_params()
    params.pop("cursor_factory", None)
    connection = psycopg2.connect(
        **params,
        application_name="marketplace-beat",
        # Dead peers are noticed within about half a minute even without traffic.
        keepalives=1,
        keepalives_idle=10,
        keepalives_interval=5,
        keepalives_count=3,
    )
    connection.autocommit = True
    return connection


class LockedScheduler(PersistentScheduler):
    """``PersistentScheduler`` that sends nothing unless this process holds the beat lock."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._lock_connection: Any = None
        self._holds_lock = False
        self._announced_wait = False
        super().__init__(*args, **kwargs)

    @property
    def check_seconds(self) -> float:
        return float(settings.BEAT_LOCK_CHECK_SECONDS)

    def tick(self, *args: Any, **kwargs: Any) -> float:
        if not self._hold_lock():
            return self.check_seconds
        return min(super().tick(*args, **kwargs), self.check_seconds)

    def close(self) -> None:
        super().close()
        self._drop_connection()

    def _hold_lock(self) -> bool:
        try:
            if self._lock_connection is None:
                self._lock_connection = _connect()
            with self._lock_connection.cursor() as cursor:
                if self._holds_lock:
                    # Still ours? (A restarted server or a new session would not have it.)
                    cursor.execute(
                        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
                        " AND pid = pg_backend_pid() AND ((classid::bigint << 32) | objid::bigint) = %s",
                        [BEAT_LOCK_KEY],
                    )
                    held = bool(cursor.fetchone()[0])
                else:
                    cursor.execute("SELECT pg_try_advisory_lock(%s)", [BEAT_LOCK_KEY])
                    held = bool(cursor.fetchone()[0])
        except psycopg2.Error as exc:
            logger.warning("beat lock: database unreachable (%s); not scheduling", exc)
            self._drop_connection()
            held = False
        if held and not self._holds_lock:
            logger.info("beat lock acquired: this beat schedules")
            self._announced_wait = False
        elif self._holds_lock and not held:
            logger.error("beat lock lost: this beat stops scheduling until it holds the lock again")
        elif not held and not self._announced_wait:
            logger.info("beat lock held by another beat: waiting (checking every %s s)", self.check_seconds)
            self._announced_wait = True
        self._holds_lock = held
        return held

    def _drop_connection(self) -> None:
        if self._lock_connection is not None:
            try:
                self._lock_connection.close()
            except psycopg2.Error:
                logger.debug("closing the beat lock connection failed", exc_info=True)
        self._lock_connection = None
        self._holds_lock = False
