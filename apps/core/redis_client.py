"""One Redis client (and connection pool) per process and URL, for the code that talks to Redis directly.

The cache goes through Django's cache framework; a few places need Redis itself: the readiness check,
the metrics scrape (queue lengths when Redis is the broker) and the matching index registry. Each used to
open a new client and connection on every call (every probe, scrape and five-second sync); they share
a pooled client instead. redis-py's pool notices a fork and starts afresh in the child, and its default
retry reconnects a pooled connection that a Redis restart broke, so a shared client is as fresh as a new
one. ``timeout`` bounds connecting and each reply, so a down Redis costs a caller at most that.
"""

from __future__ import annotations

import functools

import redis
from django.conf import settings

DEFAULT_TIMEOUT_SECONDS = 2.0


@functools.cache
def _client(url: str, timeout: float) -> redis.Redis:
    return redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)


def client(url: str | None = None, *, timeout: float = DEFAULT_TIMEOUT_SECONDS) -> redis.Redis:
    """This process's client for ``url`` (default: ``settings.REDIS_URL``)."""
    return _client(url or settings.REDIS_URL, float(timeout))
