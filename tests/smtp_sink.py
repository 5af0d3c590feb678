"""A real SMTP server on 127.0.0.1 for tests whose e-mail is sent by another process (a Celery worker).

It speaks just enough SMTP for Django's smtp backend (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT),
keeps every accepted message, and can hang the first ``hang`` sessions without a greeting, so a test
can kill a sender in the middle of sending.
"""

from __future__ import annotations

import socket
import socketserver
import threading
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any


class SMTPSink:
    def __init__(self, *, hang: int = 0) -> None:
        self.messages: list[EmailMessage] = []
        self.hanging = 0
        self._hang_left = hang
        self._lock = threading.Lock()
        self._release = threading.Event()
        sink = self

        class Session(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                with sink._lock:
                    hang = sink._hang_left > 0
                    if hang:
                        sink._hang_left -= 1
                        sink.hanging += 1
                if hang:
                    sink._release.wait()
                    return
                self._reply("220 sink ESMTP")
                data: list[bytes] | None = None
                while line := self.rfile.readline():
                    if data is not None:
                        if line in (b".\r\n", b".\n"):
                            with sink._lock:
                                sink.messages.append(message_from_bytes(b"".join(data), policy=policy.default))  # type: ignore[arg-type]
                            data = None
                            self._reply("250 queued")
                        else:
                            data.append(line[1:] if line.startswith(b"..") else line)
                        continue
                    verb = line[:4].upper()
                    if verb == b"DATA":
                        data = []
                        self._reply("354 go on")
                    elif verb == b"QUIT":
                        self._reply("221 bye")
                        return
                    else:
                        self._reply("250 ok")

            def _reply(self, text: str) -> None:
                self.wfile.write(text.encode() + b"\r\n")

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self._server = Server(("127.0.0.1", 0), Session)
        self.port: int = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> SMTPSink:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._release.set()
        self._server.shutdown()
        self._server.server_close()

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def recipients(self) -> list[str]:
        with self._lock:
            return [str(m["To"]) for m in self.messages]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
