"""A real HTTP receiver for webhook tests: a threaded ``http.server`` on 127.0.0.1 (random port) in the
test process, recording every request and answering with the status codes the test asks for.

``verify_webhook`` is the receiver snippet of docs/webhooks.md itself, loaded from the page, so the tests
check deliveries with exactly the algorithm integrators are told to use.
"""

from __future__ import annotations

import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

DOC = Path(__file__).resolve().parents[2] / "docs" / "webhooks.md"


def documented_verifier() -> Callable[..., dict[str, Any]]:
    """The ``verify_webhook`` function of the Python snippet in docs/webhooks.md."""
    text = DOC.read_text(encoding="utf-8")
    match = re.search(r"<!-- receiver-snippet -->\s*```python\n(.*?)```", text, re.S)
    assert match, "docs/webhooks.md lost its receiver snippet"
    namespace: dict[str, Any] = {}
    exec(compile(match.group(1), str(DOC), "exec"), namespace)  # noqa: S102 - our own documentation's code
    return namespace["verify_webhook"]


verify_webhook = documented_verifier()


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float  # time.monotonic() on arrival


class Receiver:
    """Collects deliveries; ``answers`` are the status codes to send next (then ``default_status``)."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.answers: deque[int] = deque()
        self.default_status = 200
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver._lock:
                    receiver.received.append(
                        Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body, time.monotonic())
                    )
                    status = receiver.answers.popleft() if receiver.answers else receiver.default_status
                    receiver._arrived.notify_all()
                reply = b"ok" if status < 300 else ("服务暂不可用 " * 400).encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/plain; charset=utf-8")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str = "/hooks") -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}{path}"

    def start(self) -> Receiver:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)

    def at(self, path: str) -> list[Received]:
        with self._lock:
            return [r for r in self.received if r.path == path]

    def wait_for(self, count: int, *, path: str, timeout: float = 20) -> list[Received]:
        """Block until ``count`` requests reached ``path`` (for a worker in another thread or process)."""
        with self._arrived:
            self._arrived.wait_for(lambda: len([r for r in self.received if r.path == path]) >= count, timeout)
            return [r for r in self.received if r.path == path]
