"""The statistics tasks: queued by the contracts services on commit, idempotent, and run by a real
Celery worker process over Redis (its own interpreter, against this test's database)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg2
import pytest
from django.conf import settings as django_settings
from django.db import connection

from apps.stats.models import Cell, RecomputeRun
from apps.stats.services import STATS_LOCK_KEY, stats_fold_contract, stats_recompute
from apps.stats.tasks import fold_contract, recompute
from tests.factories import operator_user
from tests.stats.fold_helpers import event, headline, make_world, pay, registered
from tests.workers import broker_fixture, celery_workers, worker_database_url  # noqa: F401 - the `broker` fixture

D = Decimal
WAIT_SECONDS = 90


@pytest.fixture
def world(db, settings, tmp_path):
    return make_world(settings, tmp_path)


@pytest.fixture
def operator(db):
    return operator_user()


@pytest.mark.django_db
def test_every_amount_event_and_payment_folds_on_commit(
    world, operator, celery_eager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        registration = registered(world, operator, on="2026-03-10")
    assert headline() == {date(2026, 3, 1): (1, D("600000.00"), D("600000.00"), D("0.00"))}
    with django_capture_on_commit_callbacks(execute=True):
        pay(world, registration.contract, "1000.00", on="2026-04-01")
        event(operator, registration, "change", on="2026-04-02", contract_amount=D("700000.00"))
    assert headline()[date(2026, 4, 1)] == (0, D("100000.00"), D("0.00"), D("1000.00"))
    # A replayed task (e.g. redelivered after a worker died) finds nothing to do.
    assert fold_contract.apply(kwargs={"contract_id": registration.contract_id}).get() is False
    result = recompute.apply().get()
    assert result["differences"] == 0
    assert RecomputeRun.objects.get(pk=result["run"]).cells == Cell.objects.count()


def test_the_tasks_have_stable_names_and_time_limits():
    assert fold_contract.name == "stats.fold_contract"
    assert recompute.name == "stats.recompute"
    assert fold_contract.time_limit and recompute.time_limit
    beat = django_settings.CELERY_BEAT_SCHEDULE["stats-recompute"]
    assert beat["task"] == "stats.recompute"


@pytest.fixture
def worker(broker: str, settings: Any, tmp_path: Path) -> Iterator[Path]:
    settings.CELERY_TASK_ALWAYS_EAGER = False
    log = tmp_path / "worker.log"
    with celery_workers(queues=["celery"], name="stats", logs=[log]):
        yield log


@pytest.mark.celery_worker
@pytest.mark.timeout(240)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_registration_reaches_the_cells_through_the_worker(worker, settings, tmp_path):
    world = make_world(settings, tmp_path)
    operator = operator_user()
    registration = registered(world, operator, on="2026-03-10")
    pay(world, registration.contract, "2500.00", on="2026-03-12")
    expected = {date(2026, 3, 1): (1, D("600000.00"), D("600000.00"), D("2500.00"))}
    deadline = time.monotonic() + WAIT_SECONDS
    while headline() != expected and time.monotonic() < deadline:
        time.sleep(0.5)
    assert headline() == expected, worker.read_text(errors="replace")[-3000:]
    log = worker.read_text(errors="replace")
    assert "stats.fold_contract" in log
    # The worker's incremental cells are what a full recompute finds.
    run = recompute.delay().get(timeout=WAIT_SECONDS)
    assert run["differences"] == 0


def _in_thread(target: Any) -> threading.Thread:
    def run() -> None:
        try:
            target()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.mark.timeout(120)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_folds_wait_for_a_recompute_and_concurrent_first_folds_count_once(settings, tmp_path):
    world = make_world(settings, tmp_path)
    registration = registered(world, operator_user(), on="2026-03-10")
    other = psycopg2.connect(worker_database_url())
    other.autocommit = True
    try:
        with other.cursor() as cursor:
            # What the recompute holds: the statistics lock, exclusively.
            cursor.execute("SELECT pg_advisory_lock(%s)", [STATS_LOCK_KEY])
            waiting = _in_thread(lambda: stats_fold_contract(contract_id=registration.contract_id))
            time.sleep(1.0)
            assert waiting.is_alive()
            assert not Cell.objects.exists()
            cursor.execute("SELECT pg_advisory_unlock(%s)", [STATS_LOCK_KEY])
            waiting.join(timeout=30)
        assert headline() == {date(2026, 3, 1): (1, D("600000.00"), D("600000.00"), D("0.00"))}
    finally:
        other.close()
    # Two first folds of a new contract at once: one creates its figures, the other folds again under
    # that row's lock and finds nothing left to do.
    second = registered(world, operator_user(), on="2026-04-10")
    threads = [_in_thread(lambda: stats_fold_contract(contract_id=second.contract_id)) for _ in range(4)]
    for thread in threads:
        thread.join(timeout=30)
    assert headline()[date(2026, 4, 1)] == (1, D("600000.00"), D("600000.00"), D("0.00"))
    assert stats_recompute().differences == 0
