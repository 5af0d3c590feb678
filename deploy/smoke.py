#!/usr/bin/env python3
"""``make smoke``: boot the development launcher headless with its own embedded PostgreSQL and Redis,
check that it serves, kill its Celery worker and its Redis with SIGKILL and check that it restarts them
(Redis with its data, from the append-only file), then Ctrl-C it and check that nothing it started is
left running.

It always takes the embedded path: DATABASE_URL, REDIS_URL and the Celery URLs are removed from
the launcher's environment, and its data lives in a throwaway MARKET_VAR_DIR (var/smoke, wiped
first). Exit status 0 on success; otherwise the launcher's log tail is printed.

Environment: SMOKE_VAR_DIR (var/smoke), SMOKE_PORT (a free port), SMOKE_TIMEOUT (120 s to /readyz),
SMOKE_ALLOW_CHECK_ERRORS=1 (do not fail when `manage.py check` reports errors).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import psutil

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
CLEARED = ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "PORT", "HOST")


T = TypeVar("T")


class SmokeError(Exception):
    pass


def log(text: str) -> None:
    print(f"smoke | {text}", flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def get(url: str, timeout: float = 10) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - fixed http URL
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def processes_using(path: Path) -> list[psutil.Process]:
    """Server processes whose command line names a file under ``path`` (postgres -D, redis.conf, …)."""
    found = []
    needle = f"{path}/"
    ours = {os.getpid(), *(p.pid for p in psutil.Process().parents())}
    for proc in psutil.process_iter(["pid", "name", "cmdline"]):
        try:
            name = proc.info["name"] or ""
            if proc.pid in ours or not any(word in name for word in ("postgres", "redis", "python", "celery")):
                continue
            if any(needle in part for part in proc.info["cmdline"] or []):
                found.append(proc)
        except psutil.Error:
            continue
    return found


def kill_leftovers(var: Path) -> None:
    procs = processes_using(var)
    for proc in procs:
        log(f"killing a leftover process {proc.pid}: {' '.join(proc.cmdline())[:120]}")
        proc.kill()
    psutil.wait_procs(procs, timeout=10)


def snapshot(launcher: psutil.Process, var: Path) -> dict[int, tuple[float, str]]:
    """Everything the launcher started: its descendants plus the daemonised postgres tree."""
    procs = {launcher.pid: launcher}
    for proc in launcher.children(recursive=True):
        procs[proc.pid] = proc
    for proc in processes_using(var):
        procs[proc.pid] = proc
        for child in proc.children(recursive=True):
            procs[child.pid] = child
    result = {}
    for pid, proc in procs.items():
        try:
            result[pid] = (proc.create_time(), " ".join(proc.cmdline())[:100] or proc.name())
        except psutil.Error:
            continue
    return result


def still_running(recorded: dict[int, tuple[float, str]]) -> list[str]:
    alive = []
    for pid, (created, what) in recorded.items():
        try:
            proc = psutil.Process(pid)
            if proc.create_time() == created and proc.status() != psutil.STATUS_ZOMBIE:
                alive.append(f"{pid} {what}")
        except psutil.NoSuchProcess:
            continue
    return alive


def check_worker(var: Path, env: dict[str, str]) -> None:
    """The Celery worker answers a ping over the embedded Redis."""
    state = json.loads((var / "devserver.json").read_text())
    env = {**env, **state, "DJANGO_SECRET_KEY": (var / "secret_key").read_text().strip(), "DJANGO_DEBUG": "true"}
    code = "from marketplace.celery import app; import sys; sys.exit(0 if app.control.ping(timeout=2) else 1)"
    deadline = time.monotonic() + 30
    while True:
        if subprocess.run([PYTHON, "-c", code], cwd=ROOT, env=env, capture_output=True, check=False).returncode == 0:
            return
        if time.monotonic() > deadline:
            raise SmokeError("the Celery worker did not answer a ping in 30 s")
        time.sleep(1)


def wait_until(condition: Callable[[], T], what: str, seconds: float) -> T:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.25)
    raise SmokeError(f"waited {seconds:.0f} s for {what}")


def replaced(launcher: psutil.Process, old: psutil.Process, *words: str) -> psutil.Process:
    """Waits (60 s) for the launcher to start a new child like ``old``, which it killed."""
    found: list[psutil.Process] = []

    def new() -> bool:
        proc = started_child(launcher, *words)
        if proc is not None and proc.pid != old.pid:
            found.append(proc)
        return bool(found)

    wait_until(new, f"a new {' '.join(words)}", 60)
    return found[0]


def started_child(launcher: psutil.Process, *words: str) -> psutil.Process | None:
    """The launcher's own child whose name or command-line arguments include all ``words`` (whole words:
    the project's path may contain "celery")."""
    for proc in launcher.children():
        with contextlib.suppress(psutil.Error):
            found = {proc.name(), *proc.cmdline()}
            if all(word in found for word in words) and proc.status() != psutil.STATUS_ZOMBIE:
                return proc
    return None


def ready(base: str) -> bool:
    try:
        return get(f"{base}/readyz", timeout=3)[0] == 200
    except (urllib.error.URLError, OSError):
        return False


def check_supervision(launcher: psutil.Process, var: Path, env: dict[str, str], base: str) -> None:
    """SIGKILL the worker's main process, then the embedded Redis: each comes back, the data too."""
    import redis

    worker = started_child(launcher, "celery", "worker")
    if worker is None:
        raise SmokeError("no Celery worker among the launcher's children")
    worker.kill()
    log(f"killed the Celery worker's main process {worker.pid} (SIGKILL)")
    heir = replaced(launcher, worker, "celery", "worker")
    check_worker(var, env)
    wait_until(lambda: ready(base), "/readyz 200 after the worker's restart", 60)
    log(f"the launcher started a new worker ({heir.pid}); it answers a ping; /readyz 200")

    client = redis.Redis(unix_socket_path=str(var / "redis" / "redis.sock"), db=15, socket_timeout=5)
    marker = f"written {time.time()}"
    client.set("smoke:survives-a-kill", marker)
    if client.info("persistence").get("aof_enabled") != 1:
        raise SmokeError("the embedded Redis keeps no append-only file")
    time.sleep(1.5)  # appendfsync everysec
    server = started_child(launcher, "redis-server")
    if server is None:
        raise SmokeError("no redis-server among the launcher's children")
    server.kill()
    log(f"killed the embedded Redis {server.pid} (SIGKILL)")
    restarted = replaced(launcher, server, "redis-server")

    def kept() -> bool:
        try:
            return client.get("smoke:survives-a-kill") == marker.encode()
        except redis.RedisError:
            return False

    wait_until(kept, "the restarted Redis to have the key written before the kill", 30)
    client.close()
    wait_until(lambda: ready(base), "/readyz 200 after Redis's restart", 60)
    check_worker(var, env)
    log(f"the launcher restarted Redis ({restarted.pid}) with its data; /readyz 200; the worker answers a ping")


def main() -> int:
    var = Path(os.environ.get("SMOKE_VAR_DIR", "var/smoke"))
    var = (var if var.is_absolute() else ROOT / var).resolve()
    port = int(os.environ.get("SMOKE_PORT") or free_port())
    timeout = float(os.environ.get("SMOKE_TIMEOUT", "120"))
    base = f"http://127.0.0.1:{port}"

    kill_leftovers(var)
    shutil.rmtree(var, ignore_errors=True)
    var.mkdir(parents=True)
    log_path = var.parent / f"{var.name}.log"
    env = {k: v for k, v in os.environ.items() if k not in CLEARED}
    env.update(MARKET_VAR_DIR=str(var), PORT=str(port), HOST="127.0.0.1", PYTHONUNBUFFERED="1")

    log(f"starting the launcher on port {port}, data in {var}, log in {log_path}")
    started = time.monotonic()
    with log_path.open("wb") as log_file:
        launcher = subprocess.Popen(
            [PYTHON, str(ROOT / "deploy" / "devserver.py")],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, like a terminal's foreground job
        )
    recorded: dict[int, tuple[float, str]] = {}
    failure: str | None = None
    try:
        # 1. ready
        while True:
            if launcher.poll() is not None:
                raise SmokeError(f"the launcher exited early (rc={launcher.returncode})")
            try:
                status, body = get(f"{base}/readyz", timeout=3)
            except (urllib.error.URLError, OSError):
                status, body = 0, b""
            if status == 200:
                break
            if time.monotonic() - started > timeout:
                raise SmokeError(f"/readyz not 200 after {timeout:.0f} s (last: {status} {body[:300]!r})")
            time.sleep(0.25)
        ready_after = time.monotonic() - started
        log(f"/readyz 200 after {ready_after:.1f} s")

        # 2. pages
        for path in ("/healthz", "/api/v1/schema/", "/api/v1/docs/", "/api/v1/redoc/"):
            status, body = get(base + path)
            if status != 200 or not body:
                raise SmokeError(f"GET {path} -> {status} {body[:300]!r}")
            log(f"GET {path} -> 200 ({len(body)} bytes)")
        status, _ = get(f"{base}/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui.css")
        if status != 200:
            raise SmokeError(f"static file (whitenoise) -> {status}")
        log("GET a static file -> 200")
        # The statistics dashboard is server-rendered: its login page and its own stylesheet.
        status, body = get(f"{base}/stats/login/")
        match = re.search(rb'href="(/static/stats/dashboard[^"]*\.css)"', body)
        if status != 200 or match is None:
            raise SmokeError(f"GET /stats/login/ -> {status} {body[:300]!r}")
        status, _ = get(base + match.group(1).decode())
        if status != 200:
            raise SmokeError(f"the dashboard's stylesheet -> {status}")
        log("GET /stats/login/ and its stylesheet -> 200")

        # 3. background processes
        check_worker(var, env)
        log("Celery worker answers a ping")
        check_supervision(psutil.Process(launcher.pid), var, env, base)
        launcher_log = log_path.read_text(errors="replace")
        for name in ("web", "worker", "beat"):
            if f"{name} started" not in launcher_log:
                raise SmokeError(f"the launcher did not start {name}")
        for line in ("worker exited (rc=-9)", "redis stopped"):
            if line not in launcher_log:
                raise SmokeError(f"the launcher did not log {line!r}")
        if "system checks FAILED" in launcher_log and os.environ.get("SMOKE_ALLOW_CHECK_ERRORS") != "1":
            raise SmokeError("manage.py check reported errors (SMOKE_ALLOW_CHECK_ERRORS=1 to ignore)")
        if "load_demo_data failed" in launcher_log:
            log("WARNING: load_demo_data failed (see the log)")
    except SmokeError as exc:
        failure = str(exc)
    finally:
        # 4. Ctrl-C and a clean exit
        if launcher.poll() is None:
            try:
                recorded = snapshot(psutil.Process(launcher.pid), var)
            except psutil.Error:
                recorded = {}
            stop_started = time.monotonic()
            os.killpg(launcher.pid, signal.SIGINT)
            try:
                launcher.wait(60)
                log(f"launcher stopped {time.monotonic() - stop_started:.1f} s after SIGINT (rc={launcher.returncode})")
                if launcher.returncode != 0 and failure is None:
                    failure = f"the launcher exited with {launcher.returncode} after SIGINT"
            except subprocess.TimeoutExpired:
                failure = failure or "the launcher did not exit within 60 s of SIGINT"
                os.killpg(launcher.pid, signal.SIGKILL)
                launcher.wait()
        time.sleep(0.5)
        leftovers = still_running(recorded) + [
            f"{p.pid} {' '.join(p.cmdline())[:100]}" for p in processes_using(var) if p.pid not in recorded
        ]
        if leftovers:
            failure = failure or "processes left running after the launcher exited:\n  " + "\n  ".join(leftovers)
            kill_leftovers(var)
        elif recorded:
            log(f"all {len(recorded)} processes it started are gone")
        for leftover in (var / "redis" / "redis.sock", var / "postgres" / ".s.PGSQL.5432", var / "devserver.json"):
            if leftover.exists() and failure is None:
                failure = f"{leftover} still exists after shutdown"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            failure = failure or f"port {port} still accepts connections"
        except OSError:
            pass

    if failure:
        log(f"FAILED: {failure}")
        log(f"last lines of {log_path}:")
        print("\n".join(log_path.read_text(errors="replace").splitlines()[-80:]), flush=True)
        return 1
    log(f"OK in {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
