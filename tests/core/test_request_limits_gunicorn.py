"""The request limits through the production server: gunicorn with deploy/gunicorn.conf.py, over a socket.

Gunicorn lets request lines up to 8,190 bytes through, so Django answers a URL over 4,096 bytes with its
414 problem document; only past gunicorn's own limit does gunicorn's HTML page appear.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.smtp_sink import free_port
from tests.workers import ROOT, worker_database_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    port = free_port()
    log = tmp_path / "gunicorn.log"
    environment = {
        **os.environ,
        "DATABASE_URL": worker_database_url(),
        "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY") or "request-limits-test",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "LOG_FORMAT": "text",
        "WEB_CONCURRENCY": "1",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
    }
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py"],
            cwd=ROOT,
            env=environment,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if _request(port, "GET", "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.3)
        yield port, log
    finally:
        process.terminate()
        process.wait(timeout=30)


def _request(port: int, method: str, url: str, body: bytes | None = None) -> tuple[int, str, bytes]:
    """Status, content type and body. The request is sent from a thread while the answer is read: the
    server answers a body over the limit without reading it, and then closes the connection."""
    head = f"{method} {url} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
    if body is not None:
        head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
    raw = head.encode() + b"\r\n" + (body or b"")
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:

        def send() -> None:
            with contextlib.suppress(OSError):  # the server may stop reading once it has answered
                sock.sendall(raw)

        sender = threading.Thread(target=send, daemon=True)
        sender.start()
        response = http.client.HTTPResponse(sock)
        response.begin()
        content = response.read()
        sender.join(timeout=30)
        return response.status, response.getheader("Content-Type", ""), content


def test_limits_answer_problem_documents_through_gunicorn(server):
    port, log = server
    cases = {
        "long url": ("GET", "/api/v1/reference/countries?q=" + "a" * 5000, None, 414, "uri_too_long"),
        "fields": ("GET", "/api/v1/reference/countries?" + "&".join(["a=1"] * 1001), None, 400, "too_many_fields"),
        "body": ("POST", "/api/v1/auth/register", b'{"p": "' + b"x" * (6 * 1024 * 1024) + b'"}', 413, None),
        "nesting": ("POST", "/api/v1/auth/register", b"[" * 1000 + b"]" * 1000, 400, "parse_error"),
    }
    for name, (method, url, body, status, code) in cases.items():
        got_status, content_type, content = _request(port, method, url, body)
        assert (name, got_status, content_type) == (name, status, "application/problem+json"), content[:300]
        assert json.loads(content)["code"] == (code or "request_too_large")
    # Past gunicorn's own limit (8,190 bytes) gunicorn answers before Django can.
    status, _, _ = _request(port, "GET", "/?" + "a" * 9000)
    assert status == 414
    time.sleep(0.5)  # the worker's last log lines
    logged = log.read_text()
    # The log holds the worker's own lines: the refusals are there, as warnings.
    refusals = [line for line in logged.splitlines() if "django.security.TooManyFieldsSent" in line]
    assert refusals and all(" WARNING " in line for line in refusals), logged
    assert " ERROR " not in logged and "Traceback" not in logged, logged
