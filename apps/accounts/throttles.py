"""Request rates per address and per account, counted in the Redis cache.

Every throttle here fails open: when Redis does not answer, the request is allowed, a warning is
logged (once per ``THROTTLE_FAIL_OPEN_LOG_SECONDS``, with how many requests went uncounted) and the
process counts it (:func:`fail_open_counts`). A Redis outage costs the rate limits for its duration,
not every API call: reads, logins and writes that need only PostgreSQL keep working. After a failure
Redis is not asked again for ``THROTTLE_FAIL_OPEN_RETRY_SECONDS``, so an unreachable host (connect
timeouts rather than refusals) does not add seconds to every request.

The client's address is ``REMOTE_ADDR``, which apps.core.middleware.TrustedProxyMiddleware takes from
``X-Forwarded-For`` only when the peer is a configured proxy (DRF's ``NUM_PROXIES`` is 0: DRF itself
never reads the header).
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import threading
import time
from collections import Counter
from typing import Any, cast

from django.conf import settings
from redis.exceptions import RedisError
from rest_framework.request import Request
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle

from apps.accounts.authentication import request_api_key
from apps.core.ratelimit import RateLimitState, record_rate_limit

logger = logging.getLogger(__name__)

# What a cache that cannot reach Redis raises: redis-py's errors, and socket errors from below it.
CACHE_UNAVAILABLE = (RedisError, OSError)

_lock = threading.Lock()
_counts: Counter[str] = Counter()  # per scope, since the process started
_state = {"skip_until": 0.0, "logged_at": float("-inf"), "unlogged": 0}


def fail_open_counts() -> dict[str, int]:
    """Requests allowed without counting because Redis was unavailable, per throttle scope."""
    with _lock:
        return dict(_counts)


def _redis_recently_failed() -> bool:
    return time.monotonic() < _state["skip_until"]


def _record_fail_open(scope: str, exc: BaseException | None) -> None:
    now = time.monotonic()
    with _lock:
        _counts[scope] += 1
        _state["unlogged"] += 1
        if exc is not None:
            _state["skip_until"] = now + settings.THROTTLE_FAIL_OPEN_RETRY_SECONDS
        if now - _state["logged_at"] < settings.THROTTLE_FAIL_OPEN_LOG_SECONDS:
            return
        unlogged, _state["unlogged"], _state["logged_at"] = _state["unlogged"], 0, now
        total = sum(_counts.values())
    logger.warning(
        "throttles fail open: the cache (Redis) is unavailable (%s); %d request(s) allowed uncounted "
        "since the last warning, %d in this process",
        type(exc).__name__ if exc is not None else "still down",
        unlogged,
        total,
    )


class FailOpenThrottleMixin:
    """Allows the request when the cache cannot be read or written (see the module docstring)."""

    scope: str | None

    def allow_request(self, request: Request, view: Any) -> bool:
        if _redis_recently_failed():
            _record_fail_open(self.scope or "", None)
            return True
        try:
            allowed: bool = super().allow_request(request, view)  # type: ignore[misc]
        except CACHE_UNAVAILABLE as exc:
            _record_fail_open(self.scope or "", exc)
            return True
        self._record_state(request, allowed)
        return allowed

    def _record_state(self, request: Request, allowed: bool) -> None:
        """What is left of this throttle's quota, for the RateLimit headers (apps.core.ratelimit)."""
        throttle = cast(Any, self)  # a SimpleRateThrottle (its counters are set in allow_request)
        quota, duration = getattr(throttle, "num_requests", None), getattr(throttle, "duration", None)
        if getattr(throttle, "key", None) is None or quota is None or duration is None:
            return  # this throttle did not count the request (another one does)
        history: list[float] = throttle.history
        duration = int(duration)
        reset = math.ceil(history[-1] + duration - throttle.now) if history else duration
        remaining = max(0, quota - len(history)) if allowed else 0
        state = RateLimitState(
            policy=self.scope or "",
            quota=int(quota),
            window=duration,
            remaining=remaining,
            reset=max(0, min(reset, duration)),
        )
        # A DRF request wraps Django's; the dashboard's login form passes Django's own.
        record_rate_limit(getattr(request, "_request", request), state)


# DRF's sliding window in one round trip: DRF reads the window's timestamps (a pickled list) and writes
# them back, two round trips and a list that grows with the rate. Here a sorted set per key, trimmed,
# counted and (when allowed) added to atomically by this script; it answers (allowed, requests in the
# window, the oldest one's time), which is all DRF's wait() and the RateLimit headers read.
_WINDOW_SCRIPT = """
local key = KEYS[1]
local now = tonumber(ARGV[1])
local duration = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - duration)
local count = redis.call('ZCARD', key)
local allowed = 0
if count < tonumber(ARGV[3]) then
    redis.call('ZADD', key, now, ARGV[4])
    redis.call('PEXPIRE', key, math.ceil(duration * 1000))
    count = count + 1
    allowed = 1
end
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
return {allowed, count, oldest[2] or false}
"""
_scripts: dict[int, Any] = {}


class _Window:
    """The part of DRF's ``history`` list that its ``wait()`` and ``_record_state`` read: length and oldest."""

    def __init__(self, count: int, oldest: float | None) -> None:
        self._count, self._oldest = count, oldest

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index: int) -> float:
        if index != -1 or self._oldest is None:
            raise IndexError(index)
        return self._oldest


class SlidingWindowMixin:
    """``allow_request`` of DRF's SimpleRateThrottle (same window, same answers) in one Redis round trip."""

    cache: Any
    rate: str | None
    num_requests: Any
    duration: Any

    def allow_request(self, request: Request, view: Any) -> bool:
        throttle = cast(Any, self)
        client_of = getattr(getattr(self.cache, "_cache", None), "get_client", None)
        if client_of is None:  # not a Redis cache: DRF's own reads and writes
            return cast(bool, super().allow_request(request, view))  # type: ignore[misc]
        if self.rate is None:
            return True
        throttle.key = throttle.get_cache_key(request, view)
        if throttle.key is None:
            return True
        throttle.now = now = throttle.timer()
        client = client_of(write=True)
        script = _scripts.get(id(client))
        if script is None:
            script = _scripts[id(client)] = client.register_script(_WINDOW_SCRIPT)
        allowed, count, oldest = script(
            keys=[self.cache.make_key(throttle.key + ":w")],
            args=[repr(now), self.duration, self.num_requests, f"{now!r}:{os.urandom(6).hex()}"],
            client=client,
        )
        throttle.history = _Window(int(count), float(oldest) if oldest else None)
        return bool(allowed) or cast(bool, throttle.throttle_failure())


class AnonymousRateThrottle(FailOpenThrottleMixin, SlidingWindowMixin, AnonRateThrottle):
    """The ``anon`` rate, per client address."""


class FailedAttemptsThrottle(FailOpenThrottleMixin, SimpleRateThrottle):
    """Counts only refused attempts (a wrong password, a dead token), not successful logins.

    A script that logs in once per step must not be locked out by its own successes: ``allow_request``
    refuses once the failures of the window reach the rate but adds nothing; the view calls
    :meth:`record_failure` when it refuses the attempt (:class:`apps.accounts.apis.CountFailuresMixin`,
    the dashboard's login form). ``count_every_request`` restores DRF's behaviour (every request counts)
    for endpoints that succeed whatever is sent, such as the password reset request.
    """

    count_every_request = False
    num_requests: int  # set from the rate by SimpleRateThrottle.__init__
    duration: int

    def allow_request(self, request: Request, view: Any) -> bool:
        if self.count_every_request:
            return super().allow_request(request, view)
        if _redis_recently_failed():
            _record_fail_open(self.scope or "", None)
            return True
        try:
            if self.rate is None:
                return True
            self.key = self.get_cache_key(request, view)
            if self.key is None:
                return True
            self.history = self.cache.get(self.key, [])
            self.now = self.timer()
            while self.history and self.history[-1] <= self.now - self.duration:
                self.history.pop()
            allowed = len(self.history) < self.num_requests or self.throttle_failure()
        except CACHE_UNAVAILABLE as exc:
            _record_fail_open(self.scope or "", exc)
            return True
        # RateLimit headers: ``r`` is the refused attempts left in the window before this one.
        self._record_state(request, allowed)
        return allowed

    def record_failure(self, request: Request, view: Any) -> None:
        """Counts one refused attempt against the window."""
        if self.count_every_request or self.rate is None or _redis_recently_failed():
            return
        try:
            key = self.get_cache_key(request, view)
            if key is None:
                return
            now = self.timer()
            history = [t for t in self.cache.get(key, []) if t > now - self.duration]
            self.cache.set(key, [now, *history], self.duration)
        except CACHE_UNAVAILABLE:
            # The request was already counted as let through uncounted (allow_request); only wait
            # before asking Redis again.
            with _lock:
                _state["skip_until"] = time.monotonic() + settings.THROTTLE_FAIL_OPEN_RETRY_SECONDS


class LoginAddressThrottle(FailedAttemptsThrottle):
    """Refused logins and token refreshes per client address."""

    scope = "login_address"

    def get_cache_key(self, request: Request, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class RegisterThrottle(FailOpenThrottleMixin, SlidingWindowMixin, AnonRateThrottle):
    """Registrations share the login rate per address."""

    scope = "login_address"


class LoginAccountThrottle(FailedAttemptsThrottle):
    """Refused logins per account (the e-mail as sent, case-insensitive), from any address."""

    scope = "login_account"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        try:
            data = request.data
        except Exception:  # unparsable bodies are refused later by the view, with their own error
            return None
        email = data.get("email") if isinstance(data, dict) else None
        if not isinstance(email, str) or not email:
            return None
        # Hashed: an e-mail as typed may hold spaces, control characters or 250+ characters, which make
        # an invalid cache key (CacheKeyWarning); the digest is a short, safe key for the same account.
        ident = hashlib.sha256(email.strip().lower().encode("utf-8", "surrogatepass")).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": ident}


class PasswordResetAddressThrottle(LoginAddressThrottle):
    """A reset request always succeeds (202, no enumeration): every request counts, on the login counters."""

    count_every_request = True


class PasswordResetAccountThrottle(LoginAccountThrottle):
    count_every_request = True


class SignedInRateThrottle(FailOpenThrottleMixin, SlidingWindowMixin, UserRateThrottle):
    """The ``user`` rate for signed-in users and API keys only.

    DRF's UserRateThrottle also counts anonymous requests (by address), which AnonRateThrottle
    already does: every anonymous request paid for two counters in Redis.

    An API key counts against its own rate (``ApiKey.rate_limit_per_minute``, set by the operator) or the
    ``api_key`` rate, under the ``api_key`` scope and per key.
    """

    def allow_request(self, request: Request, view: Any) -> bool:
        key = request_api_key(request)
        if key is not None:
            self.scope = "api_key"
            self.rate = f"{key.rate_limit_per_minute}/min" if key.rate_limit_per_minute else self.get_rate()
            self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if not (request.user and request.user.is_authenticated):
            return None
        key = request_api_key(request)
        if key is not None:
            return self.cache_format % {"scope": "api_key", "ident": key.prefix}
        return super().get_cache_key(request, view)
