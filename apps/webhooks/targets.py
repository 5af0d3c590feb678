"""Where a webhook may be sent, and the one HTTP request that sends it (stdlib only: no redirects, pinned IP).

Server-side request forgery: a subscription's URL is chosen by an integrator, so the market must not be
made to post to its own network. A target whose host resolves to any address that is not globally
routable (private, loopback, link-local such as the cloud metadata service 169.254.169.254, shared,
reserved, multicast) is refused unless ``WEBHOOKS_ALLOW_PRIVATE_TARGETS`` is on (tests, development).
The check runs when the URL is saved and again at every attempt, and the request connects to the very
address that was checked (no second DNS lookup a rebinding attacker could answer differently).
Redirects are not followed: a 3xx is a failed attempt.
Plain ``http`` is accepted only for private targets with the setting on; everything else needs ``https``.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.utils.translation import gettext as _


class TargetRefusedError(Exception):
    """The URL may not be called; ``str(exc)`` says why, for the integrator."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    address: str


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def resolve_target(url: str, *, allow_private: bool) -> Target:
    """The checked target of ``url``; raises :class:`TargetRefusedError` with the reason."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise TargetRefusedError(_("This is not a valid URL.")) from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise TargetRefusedError(_("The URL must start with https://."))
    if parts.username or parts.password:
        raise TargetRefusedError(_("The URL must not contain a user name or password."))
    host = parts.hostname
    if not host:
        raise TargetRefusedError(_("The URL has no host."))
    port = port or (443 if scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise TargetRefusedError(_("The host name of the URL does not resolve.")) from None
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses:
        raise TargetRefusedError(_("The host name of the URL does not resolve."))
    private = [a for a in addresses if not _is_public(a)]
    if private and not allow_private:
        raise TargetRefusedError(_("The URL points to a private, loopback or link-local address."))
    if scheme == "http" and not (allow_private and len(private) == len(addresses)):
        raise TargetRefusedError(_("The URL must start with https://."))
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(scheme=scheme, host=host, port=port, path=path, address=addresses[0])


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout, context=ssl.create_default_context())
        self._address = target.address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        # The certificate is checked against the URL's host name, not the address connected to.
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Answer:
    status: int | None
    body: str
    duration_ms: int
    error: str


def post(target: Target, *, body: bytes, headers: dict[str, str], timeout: float, body_limit: int) -> Answer:
    """POST ``body`` to ``target``; never raises for what the network or the receiver does."""
    connection_class = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(target, timeout)
    started = time.monotonic()
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        response = connection.getresponse()
        raw = response.read(body_limit)
        return Answer(
            status=response.status,
            body=raw.decode("utf-8", errors="replace"),
            duration_ms=round((time.monotonic() - started) * 1000),
            error="",
        )
    except (OSError, http.client.HTTPException) as exc:
        return Answer(
            status=None,
            body="",
            duration_ms=round((time.monotonic() - started) * 1000),
            error=(f"{type(exc).__name__}: {exc}")[:500],
        )
    finally:
        connection.close()
