"""The client's address behind proxies: ``X-Forwarded-For`` counts only when the peer is one of
``TRUSTED_PROXIES``. Over HTTP against the live server (the peer is 127.0.0.1)."""

from __future__ import annotations

from typing import Any

import pytest

from apps.core.middleware import forwarded_client
from tests.core.test_degraded import call

LIVE = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def wrong_login(base: str, n: int, forwarded_for: str) -> int:
    """A wrong password for a new e-mail each time: only the per-address throttle can stop it."""
    status, _headers, _body = call(
        "POST",
        f"{base}/api/v1/auth/token",
        body={"email": f"guess{n}@example.cn", "password": "not-the-password"},
        headers={"X-Forwarded-For": forwarded_for},
    )
    return status


@LIVE
def test_without_a_trusted_proxy_a_varied_forwarded_for_does_not_escape_the_login_throttle(live_server: Any, settings):
    settings.TRUSTED_PROXIES = []
    codes = [wrong_login(live_server.url, n, f"198.51.100.{n}") for n in range(40)]
    assert set(codes[:30]) == {401}
    assert codes[30:] == [429] * 10


@LIVE
def test_behind_a_trusted_proxy_each_forwarded_client_is_throttled_on_its_own(
    live_server: Any, settings, throttle_rates
):
    settings.TRUSTED_PROXIES = ["127.0.0.0/8", "::1/128"]
    throttle_rates(login_address="5/min")
    first = [wrong_login(live_server.url, n, "203.0.113.7") for n in range(6)]
    assert first == [401] * 5 + [429]
    # Another client behind the same proxy has its own count.
    assert [wrong_login(live_server.url, n, "203.0.113.8") for n in range(5)] == [401] * 5
    # What the first client writes to the left of the proxy's entry changes nothing: it is still throttled.
    assert wrong_login(live_server.url, 99, "10.9.8.7, 203.0.113.7") == 429


@pytest.mark.parametrize(
    ("peer", "header", "trusted", "client"),
    [
        ("127.0.0.1", "203.0.113.7", [], "127.0.0.1"),  # no proxy configured: the header is ignored
        ("192.0.2.10", "203.0.113.7", ["127.0.0.1/32"], "192.0.2.10"),  # the peer is no proxy of ours
        ("127.0.0.1", "203.0.113.7", ["127.0.0.1/32"], "203.0.113.7"),
        ("127.0.0.1", "6.6.6.6, 203.0.113.7", ["127.0.0.1/32"], "203.0.113.7"),  # forged leftmost entry
        ("127.0.0.1", "203.0.113.7, 10.0.0.2", ["127.0.0.1/32", "10.0.0.0/8"], "203.0.113.7"),  # two proxies
        ("127.0.0.1", "nonsense, 203.0.113.7", ["127.0.0.1/32"], "203.0.113.7"),
        ("127.0.0.1", "203.0.113.7, nonsense", ["127.0.0.1/32"], "127.0.0.1"),  # the proxy vouched for garbage
        ("::1", "2001:db8::5", ["::1/128"], "2001:db8::5"),
        ("127.0.0.1", "203.0.113.7:51000", ["127.0.0.1/32"], "203.0.113.7"),
    ],
)
def test_forwarded_client(peer, header, trusted, client):
    assert forwarded_client(peer, header, trusted) == client
