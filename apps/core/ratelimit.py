"""``RateLimit`` and ``RateLimit-Policy`` response headers (draft-ietf-httpapi-ratelimit-headers-10).

Each throttle that counted a request records its policy and what is left on the request
(:func:`record_rate_limit`); :class:`RateLimitHeadersMiddleware` writes them on the response, 429s
included::

    RateLimit-Policy: "api_key";q=600;w=60
    RateLimit: "api_key";r=598;t=57

``q`` is the quota (requests) per window ``w`` (seconds); ``r`` the requests left and ``t`` the seconds
until the oldest counted request leaves the window (the throttles use a sliding window). A throttle that
could not count (Redis unavailable: throttles fail open) records nothing, so the headers are absent
rather than wrong.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse

ATTRIBUTE = "rate_limits"


@dataclass(frozen=True)
class RateLimitState:
    policy: str  # the throttle's scope: anon, user, api_key, login_address, login_account
    quota: int
    window: int  # seconds
    remaining: int
    reset: int  # seconds


def record_rate_limit(request: HttpRequest, state: RateLimitState) -> None:
    states: list[RateLimitState] = getattr(request, ATTRIBUTE, None) or []
    states = [s for s in states if s.policy != state.policy] + [state]
    setattr(request, ATTRIBUTE, states)


def rate_limit_headers(states: list[RateLimitState]) -> dict[str, str]:
    if not states:
        return {}
    return {
        "RateLimit-Policy": ", ".join(f'"{s.policy}";q={s.quota};w={s.window}' for s in states),
        "RateLimit": ", ".join(f'"{s.policy}";r={s.remaining};t={s.reset}' for s in states),
    }


class RateLimitHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        for name, value in rate_limit_headers(getattr(request, ATTRIBUTE, None) or []).items():
            response[name] = value
        return response
