"""One time zone and one timestamp format on every log line, whichever process writes it.

Django (requests, the ORM), gunicorn (its own lines and the access log), the Celery worker and beat
(they configure logging from settings.LOGGING, see django-guid's Celery integration) and the dev
launcher (deploy/devserver.py) all stamp lines in UTC, ISO 8601 with milliseconds and the offset:
``2026-12-07T20:00:53.123+00:00``. Before, Django wrote Asia/Shanghai time without an offset (Django sets
the process time zone to TIME_ZONE), gunicorn's master the machine's zone and its workers Shanghai's,
and the launcher the machine's local time.

No Django imports here (settings import it); gunicorn's logger class is marketplace/gunicorn_logging.py.
"""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime

from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

TEXT_FORMAT = "%(asctime)s %(levelname)s [%(correlation_id)s] %(name)s: %(message)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s %(correlation_id)s %(celery_parent_id)s"
JSON_RENAMES = {"asctime": "time", "levelname": "level", "correlation_id": "request_id"}


def log_timestamp(created: float) -> str:
    """The one stamp: UTC, ISO 8601, milliseconds, explicit offset."""
    return datetime.fromtimestamp(created, tz=UTC).isoformat(timespec="milliseconds")


class _UTCTime:
    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802 (logging's name)
        return log_timestamp(record.created)


class TextFormatter(_UTCTime, logging.Formatter):
    """``LOG_FORMAT=text`` (development)."""


class JSONFormatter(_UTCTime, _JsonFormatter):
    """``LOG_FORMAT=json`` (production): one JSON object per line, ``time`` in the one format."""


def log_format_from_environment() -> str:
    """``text`` or ``json``: LOG_FORMAT, else text in debug and JSON otherwise (as settings.LOG_FORMAT)."""
    chosen = os.environ.get("LOG_FORMAT", "").strip().lower()
    if chosen in {"text", "json"}:
        return chosen
    debug = os.environ.get("DJANGO_DEBUG", "").strip().lower() in {"1", "true", "yes", "on"}
    return "text" if debug else "json"
