"""RabbitMQ, the production broker, hands a dead worker's task to the next worker at once (Redis would
wait for its visibility timeout, longer than the longest task: see tests/core/test_celery_settings.py)."""

from __future__ import annotations

import time
from datetime import date
from decimal import Decimal

import psycopg2
import pytest

from apps.core.models import Effect, EffectStatus
from apps.stats.services import STATS_LOCK_KEY
from apps.stats.tasks import fold_contract
from tests.factories import operator_user
from tests.stats.fold_helpers import headline, make_world, registered
from tests.workers import celery_workers, use_broker, worker_database_url

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.timeout(300),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def wait_for(condition, what: str, seconds: float = 60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.1)
    pytest.fail(f"waited {seconds} s for {what}")


def test_under_rabbitmq_a_task_whose_worker_was_killed_runs_at_once_on_the_next_worker(settings, tmp_path):
    use_broker(settings, "rabbitmq")
    settings.CELERY_TASK_ALWAYS_EAGER = False
    # The effects' sweeper stays out of it: the contract's own fold effect falls due only in an hour.
    settings.EFFECTS_HANDOVER_SECONDS = 3600
    env = {"EFFECTS_HANDOVER_SECONDS": "3600"}
    registration = registered(make_world(settings, tmp_path), operator_user(), on="2026-03-10")
    effect = Effect.objects.get(name="stats.fold_contract", kwargs__contract_id=registration.contract_id)
    holder = psycopg2.connect(worker_database_url())
    holder.autocommit = True
    try:
        with holder.cursor() as cursor:
            # The statistics lock, as the nightly recompute holds it: the fold waits for it.
            cursor.execute("SELECT pg_advisory_lock(%s)", [STATS_LOCK_KEY])
            # Starting purges the queue: the effect's own hand-over is gone, only the task below is left.
            with celery_workers(queues=["celery"], name="doomed", logs=[tmp_path / "first.log"], env=env) as (worker,):
                fold_contract.delay(contract_id=registration.contract_id)

                def waiting_inside_the_fold() -> bool:
                    cursor.execute(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                        "AND wait_event_type = 'Lock' AND wait_event = 'advisory'"
                    )
                    row = cursor.fetchone()
                    return bool(row and row[0] >= 1)

                wait_for(waiting_inside_the_fold, "the worker to wait inside the task")
                worker.kill()  # SIGKILL: the message is neither acknowledged nor rejected
                worker.wait(timeout=20)
                killed = time.monotonic()
            cursor.execute("SELECT pg_advisory_unlock(%s)", [STATS_LOCK_KEY])
    finally:
        holder.close()
    assert headline() == {}

    log = tmp_path / "second.log"
    with celery_workers(queues=["celery"], name="heir", logs=[log], env=env, purge=False):
        expected = {date(2026, 3, 1): (1, Decimal("600000.00"), Decimal("600000.00"), Decimal("0.00"))}
        wait_for(lambda: headline() == expected, "the heir to fold the contract")
        redelivered_after = time.monotonic() - killed
    assert "stats.fold_contract" in log.read_text(errors="replace")
    # No sweep handed anything over: the broker gave the dead worker's message to the heir.
    assert Effect.objects.get(pk=effect.pk).status == EffectStatus.PENDING
    assert redelivered_after < 60
