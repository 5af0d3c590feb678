"""Gunicorn's error and access logs in the service's formats and time stamps (marketplace/log_format.py).

``logger_class`` in deploy/gunicorn.conf.py and ``--logger-class`` in deploy/devserver.py. Loaded by
gunicorn's master before any Django setup: no Django imports.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from gunicorn.glogging import Logger

from marketplace.log_format import (
    JSON_FIELDS,
    JSON_RENAMES,
    TEXT_FORMAT,
    JSONFormatter,
    TextFormatter,
    log_format_from_environment,
    log_timestamp,
)


class _Defaults(logging.Filter):
    """Gunicorn's records carry no request id: the fields the shared formats name are filled in empty."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name in ("correlation_id", "celery_parent_id"):
            if not hasattr(record, name):
                setattr(record, name, "-" if name == "correlation_id" else None)
        return True


class GunicornLogger(Logger):
    """Gunicorn's error and access logs in the formats and time stamps of the rest of the service
    (``logger_class`` in deploy/gunicorn.conf.py, ``--logger-class`` in deploy/devserver.py)."""

    def _set_handler(self, log: logging.Logger, output: Any, fmt: Any, stream: Any = None) -> None:
        formatter: logging.Formatter
        if log_format_from_environment() == "json":
            formatter = JSONFormatter(JSON_FIELDS, rename_fields=JSON_RENAMES, json_ensure_ascii=False)
        else:
            formatter = TextFormatter(TEXT_FORMAT)
        super()._set_handler(log, output, formatter, stream)
        for handler in log.handlers:
            if getattr(handler, "_gunicorn", False) and not any(isinstance(f, _Defaults) for f in handler.filters):
                handler.addFilter(_Defaults())

    def now(self) -> str:
        """``%(t)s`` in an access log format: the same stamp as every other line."""
        return f"[{log_timestamp(datetime.now(tz=UTC).timestamp())}]"
