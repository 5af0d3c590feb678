"""With SENTRY_DSN set, an unhandled view error reaches the DSN's server, without personal data.

The "Sentry server" is a local HTTP sink (a thread of this test); the service runs in a fresh interpreter
that reads SENTRY_DSN from its environment like production does.
"""

from __future__ import annotations

import gzip
import http.server
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SECRET_BEARER = "secret-bearer-token-must-not-leave"
SECRET_COOKIE = "sessionid=secret-session-must-not-leave"

SCRIPT = f"""
import django, sentry_sdk
django.setup()
from django.conf import settings
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
settings.ROOT_URLCONF = "tests.core.sentry_urls"
client = Client(raise_request_exception=False)
response = client.get("/sentry-probe/7?email=zhao.min@example.cn", HTTP_AUTHORIZATION="Bearer {SECRET_BEARER}",
                      HTTP_COOKIE="{SECRET_COOKIE}")
print("status", response.status_code)
sentry_sdk.flush(timeout=10)
"""


class Sink(http.server.BaseHTTPRequestHandler):
    received: list[bytes] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        Sink.received.append(body)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: object) -> None:
        pass


def test_an_unhandled_view_error_is_sent_to_the_dsn_without_personal_data():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Sink)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Sink.received = []
    try:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "marketplace.settings",
            "SENTRY_DSN": f"http://publickey@127.0.0.1:{server.server_address[1]}/42",
            "SENTRY_ENVIRONMENT": "test",
        }
        result = subprocess.run(  # noqa: S603
            [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )
    finally:
        server.shutdown()
        server.server_close()
    assert result.returncode == 0, result.stderr
    assert "status 500" in result.stdout
    events = []
    for envelope in Sink.received:
        for line in envelope.splitlines():
            try:
                item = json.loads(line)
            except ValueError:
                continue
            if isinstance(item, dict) and "exception" in item:
                events.append(item)
    assert len(events) == 1, Sink.received
    event = events[0]
    assert event["exception"]["values"][-1]["type"] == "SentryProbeError"
    assert event["environment"] == "test"
    assert "sentry-probe" in json.dumps(event.get("request", {})) + str(event.get("transaction")), event
    everything = b"\n".join(Sink.received).decode()
    assert SECRET_BEARER not in everything
    assert "secret-session-must-not-leave" not in everything
    assert "user" not in event or "ip_address" not in event.get("user", {})


def test_without_a_dsn_nothing_is_initialised():
    """The test process's settings have no SENTRY_DSN: the SDK stays off (no client, no patching of Django)."""
    import sentry_sdk
    from django.conf import settings

    assert settings.SENTRY_DSN == ""
    assert sentry_sdk.get_client().is_active() is False
