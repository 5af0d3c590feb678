"""Request middleware of the whole service: the client's address behind trusted proxies, and a 503
instead of a 500 when the database does not answer.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from rest_framework.response import Response as DRFResponse

from apps.core.errors import database_unavailable_response, is_database_unavailable, problem_for_status

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(cidrs: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(cidr.strip(), strict=False) for cidr in cidrs if cidr.strip())


def _parse(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    address = address.strip()
    if address.startswith("[") and "]" in address:  # "[2001:db8::1]:443"
        address = address[1 : address.index("]")]
    elif address.count(":") == 1:  # "203.0.113.7:51000"
        address = address.split(":", 1)[0]
    try:
        return ipaddress.ip_address(address)
    except ValueError:
        return None


def forwarded_client(peer: str, forwarded_for: str, trusted: Iterable[str]) -> str:
    """The client's address: ``peer`` unless it is a trusted proxy, then the nearest untrusted address
    in ``X-Forwarded-For`` (read right to left: each trusted proxy appends the address it saw).

    A client can write anything into the header; only the entries added by our own proxies are
    believed, so a forged leftmost entry never becomes the address a throttle counts.
    """
    networks = _networks(tuple(trusted))
    peer_ip = _parse(peer)
    if not networks or peer_ip is None or not any(peer_ip in net for net in networks):
        return peer
    client = peer_ip
    for entry in reversed(forwarded_for.split(",")):
        hop = _parse(entry)
        if hop is None:  # garbage from before our proxies: the last address they vouched for stands
            break
        client = hop
        if not any(hop in net for net in networks):
            break
    return str(client)


class TrustedProxyMiddleware:
    """Puts the client's address (see :func:`forwarded_client`) in ``REMOTE_ADDR``, the proxy's in
    ``PEER_ADDR``: throttles, audit records and logs all read one address. ``TRUSTED_PROXIES`` is empty
    by default, so ``X-Forwarded-For`` is ignored unless the deployment names its proxies."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        peer = request.META.get("REMOTE_ADDR", "")
        request.META["PEER_ADDR"] = peer
        trusted = settings.TRUSTED_PROXIES
        forwarded_for = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if trusted and forwarded_for:
            request.META["REMOTE_ADDR"] = forwarded_client(peer, forwarded_for, trusted)
        return self.get_response(request)


class DatabaseUnavailableMiddleware:
    """Plain Django views (admin, dashboard, probes) answer 503 with ``Retry-After`` when PostgreSQL is
    unreachable, like the API's exception handler does for DRF views."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_database_unavailable(exception):
            return None
        return database_unavailable_response(request, exception)


def _pages_for_people(path: str) -> bool:
    """The admin and the statistics dashboard: HTML applications whose error pages stay HTML."""
    return path.startswith((f"/{settings.ADMIN_URL}", "/stats/"))


class ProblemResponseMiddleware:
    """Error pages Django makes itself become the API's problem document (application/problem+json).

    ``handler404`` and friends answer problems only with DEBUG off: with DEBUG on (``make run``) Django
    answers an unrouted URL (``/api/v1/demands/``, ``/api/v1/demands/abc``) with its HTML technical page
    listing every route, and a plain view's refused method (``POST /healthz``) with an empty 405 in any
    mode. Every HTML error response outside the admin and the dashboard is answered as a problem instead
    (``Allow`` kept), in every mode. DRF views make their own problems (apps.core.errors) and are left
    alone. Listed after CommonMiddleware, which still turns a 404 into its APPEND_SLASH redirect.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code < 400
            or isinstance(response, DRFResponse)
            or not response.get("Content-Type", "").startswith("text/html")
            or _pages_for_people(request.path)
        ):
            return response
        problem = problem_for_status(request, response.status_code)
        if problem is None:
            return response
        if response.has_header("Allow"):
            problem["Allow"] = response["Allow"]
        problem._has_been_logged = True  # type: ignore[attr-defined]  # Django logged the original response
        return problem


def _readable(path: str) -> bool:
    """Whether ``path`` is routed to a view that answers GET."""
    try:
        match = resolve(path)
    except Resolver404:
        return False
    view_class = getattr(match.func, "cls", None) or getattr(match.func, "view_class", None)
    return view_class is not None and callable(getattr(view_class, "get", None))


def created_location(path: str, data: object) -> str | None:
    """Where a record created by POST ``path`` is read: ``path/<id>`` when that URL answers GET (a listing,
    a deal, an attachment …), else the collection ``path`` itself when it answers GET (rows that live only
    in their parent's list: payments, deductions, activities, scores, legal events …), else the parent record
    whose answer shows it (an expert's conflicts, a pool's capital, a milestone's deposits)."""
    path = path.rstrip("/")
    record_id = data.get("id") if isinstance(data, dict) else None
    if isinstance(record_id, int | str) and str(record_id) and _readable(f"{path}/{record_id}"):
        return f"{path}/{record_id}"
    if _readable(path):
        return path
    parent = path.rsplit("/", 1)[0]
    # A record's own URL (/api/v1/<collection>/<id>…), never a bare collection prefix such as /api/v1/finance.
    return parent if parent.count("/") > 3 and _readable(parent) else None


class CreatedLocationMiddleware:
    """Every 201 answers ``Location``. A view that knows better sets it itself (a bid created under its
    challenge lives at /bids/<id>); otherwise :func:`created_location` finds it from the created record's
    ``id``. tests/core/test_created_location.py walks the schema's 201 operations."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == 201 and not response.has_header("Location") and request.path.startswith("/api/"):
            location = created_location(request.path, getattr(response, "data", None))
            if location is not None:
                response["Location"] = location
        return response
