"""The service under test (gunicorn as in production, on 127.0.0.1) and a light HTTP/1.1 load generator.

The load generator is asyncio with raw keep-alive connections: a fixed number of clients, each sending
its next request as soon as the previous answer is read, for a fixed time after a warm-up. It reads
only what it needs (status line, Content-Length, body), so it costs the server's two cores little.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_DIR = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


class Server:
    """gunicorn with deploy/gunicorn.conf.py, the benchmark's settings module, on a free loopback port."""

    def __init__(self, env: dict[str, str], *, workers: int | None, threads: int | None) -> None:
        self.port = free_port()
        self.env = {**env, "GUNICORN_BIND": f"{HOST}:{self.port}", "DJANGO_SETTINGS_MODULE": "bench.listings.settings"}
        if workers:
            self.env["WEB_CONCURRENCY"] = str(workers)
        if threads:
            self.env["GUNICORN_THREADS"] = str(threads)
        self.log = tempfile.NamedTemporaryFile(prefix="bench-listings-gunicorn-", suffix=".log", delete=False)  # noqa: SIM115
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self, timeout: float = 300) -> None:  # a busy 2-core machine boots 5 workers slowly
        self.process = subprocess.Popen(  # noqa: S603 — our own gunicorn, our own config
            [str(Path(sys.executable).parent / "gunicorn"), "-c", "deploy/gunicorn.conf.py"],
            cwd=REPO_DIR,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}:\n{self.tail()}")
            try:
                with urllib.request.urlopen(f"{self.base}/healthz", timeout=2) as response:  # noqa: S310 — loopback
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"gunicorn did not answer /healthz within {timeout}s:\n{self.tail()}")

    def worker_count(self) -> int:
        """Worker processes now (the master's children); it recycles them after max_requests."""
        if self.process is None:
            return 0
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return len(children.read_text().split()) if children.exists() else 0

    def tail(self, lines: int = 40) -> str:
        self.log.flush()
        text = Path(self.log.name).read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def count_in_log(self, needle: str) -> int:
        self.log.flush()
        with open(self.log.name, encoding="utf-8", errors="replace") as handle:
            return sum(1 for line in handle if needle in line)

    def stop(self) -> None:
        """SIGTERM to the master we started (it stops its workers), SIGKILL to it if it lingers."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def cleanup(self) -> None:
        self.stop()
        self.log.close()
        os.unlink(self.log.name)


@dataclass
class Target:
    """One URL of a scenario and what a right answer looks like."""

    path: str
    expect_results: bool = True  # the answer's ``results`` must not be empty
    label: str = ""  # e.g. the search text, for per-query figures
    tail: bool = False  # one of many rarely repeated URLs (the long tail of searches): summarised, not listed


@dataclass
class Sample:
    target: int
    started: float
    ms: float
    cache: str = ""  # the page cache's X-Listings-Cache header: HIT, MISS, or "" when not cached at all


@dataclass
class Outcome:
    samples: list[Sample] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    error_examples: list[str] = field(default_factory=list)
    measured_seconds: float = 0.0

    def error(self, kind: str, example: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1
        if len(self.error_examples) < 5:
            self.error_examples.append(example[:300])


Check = Callable[[Target, int, bytes], str | None]


def check_listing_page(target: Target, status: int, body: bytes) -> str | None:
    """None when the answer is a 200 with a ``results`` list (non-empty where the target expects rows)."""
    if status != 200:
        return f"HTTP {status}"
    try:
        payload = json.loads(body)
    except ValueError:
        return "not JSON"
    results = payload.get("results") if isinstance(payload, dict) else None
    if not isinstance(results, list):
        return "no results list"
    if target.expect_results and not results:
        return "empty results"
    return None


CACHE_HEADER = "x-listings-cache"


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool, str]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    if "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        parts = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip().split(b";")[0], 16)
            chunk = await reader.readexactly(size + 2)
            if size == 0:
                break
            parts.append(chunk[:-2])
        body = b"".join(parts)
    else:
        body = await reader.read()
        headers["connection"] = "close"
    return status, body, headers.get("connection", "").lower() == "close", headers.get(CACHE_HEADER, "")


async def _client(
    port: int,
    targets: list[Target],
    offset: int,
    warm_until: float,
    stop_at: float,
    outcome: Outcome,
    check: Check,
) -> None:
    reader, writer = await asyncio.open_connection(HOST, port)
    index = offset
    try:
        while True:
            now = time.perf_counter()
            if now >= stop_at:
                break
            target_index = index % len(targets)
            index += 1
            target = targets[target_index]
            request = (
                f"GET {target.path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nAccept: application/json\r\n"
                "User-Agent: bench-listings\r\n\r\n"
            ).encode()
            started = time.perf_counter()
            try:
                writer.write(request)
                status, body, close, cache = await _read_response(reader)
            except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
                if started >= warm_until:
                    outcome.error(type(exc).__name__, f"{target.path}: {exc}")
                writer.close()
                reader, writer = await asyncio.open_connection(HOST, port)
                continue
            finished = time.perf_counter()
            if close:
                writer.close()
                reader, writer = await asyncio.open_connection(HOST, port)
            if started < warm_until:
                continue
            outcome.samples.append(Sample(target_index, started, (finished - started) * 1000, cache))
            problem = check(target, status, body)
            if problem:
                outcome.error(problem, f"{target.path}: {problem}: {body[:200]!r}")
    finally:
        writer.close()


async def _tick(begin: float, progress: Callable[[float], None]) -> None:
    while True:
        await asyncio.sleep(0.5)
        progress(time.perf_counter() - begin)


async def _run(
    port: int,
    targets: list[Target],
    *,
    concurrency: int,
    warmup_s: float,
    duration_s: float,
    check: Check,
    progress: Callable[[float], None] | None,
) -> Outcome:
    outcome = Outcome()
    begin = time.perf_counter()
    warm_until = begin + warmup_s
    stop_at = warm_until + duration_s
    spread = max(1, len(targets) // concurrency)
    ticker = asyncio.create_task(_tick(begin, progress)) if progress else None
    try:
        await asyncio.gather(
            *(_client(port, targets, i * spread, warm_until, stop_at, outcome, check) for i in range(concurrency))
        )
    finally:
        if ticker:
            ticker.cancel()
    # Requests in flight at the deadline finish after it: measure up to the last one's end.
    last = max((s.started + s.ms / 1000 for s in outcome.samples), default=stop_at)
    outcome.measured_seconds = max(last, stop_at) - warm_until
    return outcome


def run_load(
    port: int,
    targets: list[Target],
    *,
    concurrency: int,
    warmup_s: float,
    duration_s: float,
    check: Check = check_listing_page,
    progress: Callable[[float], None] | None = None,
) -> Outcome:
    """``concurrency`` keep-alive clients for ``warmup_s`` (not recorded) then ``duration_s`` seconds."""
    return asyncio.run(
        _run(
            port,
            targets,
            concurrency=concurrency,
            warmup_s=warmup_s,
            duration_s=duration_s,
            check=check,
            progress=progress,
        )
    )


def fetch_json(base: str, path: str) -> tuple[int, Any]:
    request = urllib.request.Request(base + path, headers={"Accept": "application/json"})  # noqa: S310 — loopback
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 — loopback
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, None
