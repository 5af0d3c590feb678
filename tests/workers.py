"""Real Celery worker processes for tests: each its own interpreter, consuming a Redis queue, against
the test's database (the worker sees only committed rows: use transactional tests)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import redis
from django.conf import settings

ROOT = Path(__file__).resolve().parents[1]


def worker_database_url() -> str:
    """The URL of the database this test runs against (pytest-django's test database)."""
    db = settings.DATABASES["default"]
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@contextmanager
def celery_workers(
    *, queues: Sequence[str], name: str, logs: Sequence[Path], env: Mapping[str, str] | None = None
) -> Iterator[list[subprocess.Popen[bytes]]]:
    """One ``celery worker`` process per queue (solo pool), logging to ``logs``; stopped on exit.

    Messages left on the queues by an earlier, interrupted run are deleted first, so they cannot
    reach these workers."""
    redis.Redis.from_url(settings.CELERY_BROKER_URL).delete(*queues)
    environment = {**os.environ, "DATABASE_URL": worker_database_url(), "DATABASE_CONN_MAX_AGE": "0", **(env or {})}
    processes = []
    for i, (queue, log) in enumerate(zip(queues, logs, strict=True)):
        with log.open("wb") as out:
            processes.append(
                subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
                    [
                        sys.executable,
                        "-m",
                        "celery",
                        "-A",
                        "marketplace",
                        "worker",
                        "-Q",
                        queue,
                        "-n",
                        f"{name}{i}-{os.getpid()}@%h",
                        "--pool",
                        "solo",
                        "-l",
                        "info",
                        "--without-gossip",
                        "--without-mingle",
                        "--without-heartbeat",
                    ],
                    cwd=ROOT,
                    env=environment,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            )
    try:
        yield processes
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
