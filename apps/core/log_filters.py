"""Logging filters named in settings.LOGGING (imported while logging is configured: stdlib only)."""

from __future__ import annotations

import logging


class AsWarning(logging.Filter):
    """Records at ERROR or above become WARNING.

    For django.security.* loggers of refusals anyone can cause (too many fields or files, a body over
    the limit): Django logs them at ERROR, but they are the client's mistake, answered with a 4xx problem.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.ERROR:
            record.levelno = logging.WARNING
            record.levelname = logging.getLevelName(logging.WARNING)
        return True
