"""Exactly one Celery beat schedules, however many are started: two real ``celery beat`` processes started together
against the test database and Redis. One holds the PostgreSQL advisory lock and sends; the other waits and sends
nothing; after the holder is killed (SIGKILL, no goodbye) the other takes over within a check interval."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
from django.conf import settings

from tests.workers import ROOT, worker_database_url

pytestmark = [pytest.mark.celery_worker, pytest.mark.timeout(120)]

SENT = "Sending due task beat-lock-probe"
ACQUIRED = "beat lock acquired"
WAITING = "beat lock held by another beat"


def _wait_for(condition: Callable[[], bool], what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


@pytest.fixture
def start_beat(tmp_path: Path) -> Iterator[Callable[[str], tuple[subprocess.Popen[bytes], Path]]]:
    queue = f"beat-lock-probe-{os.getpid()}"
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    client.delete(queue)
    started: list[subprocess.Popen[bytes]] = []

    def start(name: str) -> tuple[subprocess.Popen[bytes], Path]:
        folder = tmp_path / name
        folder.mkdir()
        log = folder / "beat.log"
        env = {
            **os.environ,
            "DATABASE_URL": worker_database_url(),
            "BEAT_PROBE_QUEUE": queue,
            "BEAT_LOCK_CHECK_SECONDS": "0.5",
            "CELERY_BEAT_SCHEDULE_FILENAME": str(folder / "celerybeat-schedule"),
            "LOG_FORMAT": "text",
        }
        with log.open("wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "tests.core.beat_probe", "beat", "-l", "info"],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, as the scale-out runner starts it
            )
        started.append(process)
        return process, log

    start.queue_length = lambda: client.llen(queue)  # type: ignore[attr-defined]
    yield start
    for process in started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)  # nothing of theirs needs keeping
            process.wait(timeout=20)
    client.delete(queue)


@pytest.mark.django_db
def test_two_beats_one_schedules_and_the_other_takes_over_when_it_dies(start_beat):
    beats = [start_beat("beat1"), start_beat("beat2")]  # started together: either may win

    def texts() -> list[str]:
        return [log.read_text(errors="replace") for _, log in beats]

    _wait_for(lambda: any(SENT in t for t in texts()) and any(WAITING in t for t in texts()), "one beat to send")
    holder, waiting = (beats[0], beats[1]) if SENT in texts()[0] else (beats[1], beats[0])

    # Both run for a while: only the holder sends.
    sent_before = start_beat.queue_length()
    time.sleep(1.5)
    assert start_beat.queue_length() > sent_before
    waiting_text = waiting[1].read_text(errors="replace")
    assert SENT not in waiting_text and ACQUIRED not in waiting_text, waiting_text[-2000:]
    assert holder[0].poll() is None and waiting[0].poll() is None

    os.killpg(holder[0].pid, signal.SIGKILL)
    holder[0].wait(timeout=10)
    _wait_for(lambda: ACQUIRED in waiting[1].read_text(errors="replace"), "the other beat to take the lock", 20)
    after_takeover = start_beat.queue_length()
    _wait_for(lambda: SENT in waiting[1].read_text(errors="replace"), "the other beat to send")
    _wait_for(lambda: start_beat.queue_length() > after_takeover, "messages from the other beat")
