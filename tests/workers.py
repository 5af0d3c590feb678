"""Real Celery worker processes for tests: each its own interpreter, consuming a queue of the test's
broker, against the test's database (the worker sees only committed rows: use transactional tests).

The ``broker`` fixture runs a test once per broker: ``redis`` (the suite's Redis, the development
default) and ``rabbitmq`` (the production broker: the machine's RabbitMQ on 127.0.0.1:5672, in a
virtual host of this test database's own, or ``TEST_AMQP_URL``). Test modules import it:
``from tests.workers import broker_fixture  # noqa: F401``.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import redis
from django.conf import settings
from kombu import Connection

from marketplace.celery import AMQP_SCHEMES, broker_scheme

ROOT = Path(__file__).resolve().parents[1]


def worker_database_url() -> str:
    """The URL of the database this test runs against (pytest-django's test database)."""
    db = settings.DATABASES["default"]
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


BROKERS = ("redis", "rabbitmq")
RABBITMQ_HOST = "127.0.0.1:5672"


@functools.cache
def rabbitmq_url() -> str:
    """``TEST_AMQP_URL``, or a virtual host named after this test database on the machine's RabbitMQ (created
    once with rabbitmqctl), so that parallel test runs on one machine never share a queue."""
    if url := os.environ.get("TEST_AMQP_URL"):
        return url
    vhost = settings.DATABASES["default"]["NAME"]
    url = f"amqp://guest:guest@{RABBITMQ_HOST}/{vhost}"
    ctl = shutil.which("rabbitmqctl") or "/usr/sbin/rabbitmqctl"
    for args in (["add_vhost", vhost], ["set_permissions", "-p", vhost, "guest", ".*", ".*", ".*"]):
        done = subprocess.run([ctl, "-q", *args], capture_output=True, text=True, timeout=60, check=False)  # noqa: S603
        if done.returncode != 0 and "already_exists" not in done.stderr + done.stdout:
            pytest.fail(
                f"rabbitmqctl {' '.join(args)} failed ({done.returncode}): {done.stderr.strip()[-500:]}\n"
                f"RabbitMQ must run on {RABBITMQ_HOST} (`make services` starts it), or set TEST_AMQP_URL"
            )
    try:
        with Connection(url, connect_timeout=5) as connection:
            connection.ensure_connection(max_retries=1)
    except Exception as exc:
        pytest.fail(f"RabbitMQ at {url} does not answer ({exc}); `make services` starts it")
    return url


def _reset_broker_connections() -> None:
    """The test process publishes through pooled connections made for the broker URL of their time."""
    from marketplace.celery import app

    app._pool = None  # what Celery itself resets after a fork
    app.amqp._producer_pool = None


@pytest.fixture(params=BROKERS, name="broker")
def broker_fixture(request: pytest.FixtureRequest, settings: Any) -> Iterator[str]:
    """Runs the test against each broker: the test process publishes to it and ``celery_workers`` consume it."""
    use_broker(settings, request.param)
    yield request.param
    _reset_broker_connections()


def use_broker(settings: Any, name: str) -> None:
    """Switches this test (pytest-django's ``settings``) to the broker ``name``, one of BROKERS."""
    if name == "rabbitmq":
        settings.CELERY_BROKER_URL = rabbitmq_url()
    _reset_broker_connections()


def purge_queues(url: str, queues: Sequence[str]) -> None:
    """Deletes the messages waiting on ``queues`` (Redis lists or RabbitMQ queues)."""
    if broker_scheme(url) not in AMQP_SCHEMES:
        redis.Redis.from_url(url).delete(*queues)
        return
    with Connection(url, connect_timeout=5) as connection:
        for queue in queues:
            # A queue not declared yet has nothing to purge.
            with connection.channel() as channel, contextlib.suppress(*connection.channel_errors):
                channel.queue_purge(queue)


@contextmanager
def celery_workers(
    *,
    queues: Sequence[str],
    name: str,
    logs: Sequence[Path],
    env: Mapping[str, str] | None = None,
    purge: bool = True,
) -> Iterator[list[subprocess.Popen[bytes]]]:
    """One ``celery worker`` process per queue (solo pool), logging to ``logs``; stopped on exit.

    The workers use the test process's broker when it is RabbitMQ (the ``broker`` fixture), else the
    broker their environment gives (``REDIS_URL``). Messages left on the queues by an earlier,
    interrupted run are deleted first (unless ``purge`` is false), so they cannot reach these workers."""
    url = settings.CELERY_BROKER_URL
    if purge:
        purge_queues(url, queues)
    environment = {**os.environ, "DATABASE_URL": worker_database_url(), "DATABASE_CONN_MAX_AGE": "0"}
    if broker_scheme(url) in AMQP_SCHEMES:
        environment["CELERY_BROKER_URL"] = url
    environment.update(env or {})
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
        # A warm shutdown over RabbitMQ can take ten seconds closing the connection; a test has checked what
        # it needed by now, and a message a killed worker did not acknowledge is purged before the next one.
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=3)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
