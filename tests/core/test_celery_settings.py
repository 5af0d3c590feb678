"""The Celery settings agree with the registered tasks: a long task is never handed to a second worker
while it still runs, and a dead worker's task goes back to the queue under either broker."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from marketplace.celery import (
    _check_delivery_settings,
    app,
    longest_time_limit,
    project_tasks,
    tasks_outliving_consumer_timeout,
)
from tests.workers import ROOT


def test_the_declared_longest_time_limit_is_the_longest_registered_one():
    limits = {task.name: task.time_limit for task in project_tasks()}
    assert all(limits.values()), [name for name, limit in limits.items() if not limit]
    assert settings.CELERY_LONGEST_TASK_SECONDS == longest_time_limit() == limits["stats.recompute"] == 4 * 3600


def test_redis_redelivers_only_after_the_longest_task_could_have_ended_and_not_much_later():
    assert settings.CELERY_BROKER_URL.startswith("redis://")
    timeout = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert app.conf.broker_transport_options["visibility_timeout"] == timeout
    longest = longest_time_limit()
    assert longest < timeout <= longest + 600
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True


def _settings_with(**environ: str) -> dict[str, object]:
    code = (
        "import json; from django.conf import settings; "
        "print(json.dumps({k: getattr(settings, k) for k in ('CELERY_BROKER_URL', 'CELERY_BROKER_TRANSPORT_OPTIONS',"
        " 'CELERY_RESULT_BACKEND', 'CELERY_TASK_ACKS_LATE', 'CELERY_TASK_REJECT_ON_WORKER_LOST')}))"
    )
    done = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "marketplace.settings", **environ},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_with_rabbitmq_the_broker_confirms_each_message_and_results_stay_in_redis():
    amqp = "amqp://guest:guest@127.0.0.1:5672//"
    found = _settings_with(CELERY_BROKER_URL=amqp, REDIS_URL="redis://127.0.0.1:6379/3")
    assert found["CELERY_BROKER_URL"] == amqp
    assert found["CELERY_BROKER_TRANSPORT_OPTIONS"] == {"confirm_publish": True}  # no visibility_timeout
    assert found["CELERY_RESULT_BACKEND"] == "redis://127.0.0.1:6379/3"
    assert found["CELERY_TASK_ACKS_LATE"] is True
    assert found["CELERY_TASK_REJECT_ON_WORKER_LOST"] is True


@pytest.fixture
def restore_acks_late():
    before = {task.name: task.acks_late for task in project_tasks()}
    yield
    for task in project_tasks():
        task.acks_late = before[task.name]


def test_under_rabbitmq_tasks_longer_than_its_consumer_timeout_are_acknowledged_on_receipt(settings, restore_acks_late):
    # RabbitMQ's default consumer_timeout, 30 min: the broker would cancel a longer task mid-run and
    # hand its message to a second worker.
    settings.CELERY_BROKER_URL = "amqp://guest:guest@127.0.0.1:5672//"
    settings.CELERY_BROKER_CONSUMER_TIMEOUT = 1800
    _check_delivery_settings()
    early = {task.name for task in project_tasks() if not task.acks_late}
    assert early == {task.name for task in tasks_outliving_consumer_timeout()} | {"core.run_effect"}
    assert {"stats.recompute", "matching.rebuild", "custody.remind_annuities"} <= early
    assert app.tasks["core.effects_sweep"].acks_late is True
    assert app.tasks["notifications.send_emails"].acks_late is True


def test_under_rabbitmq_with_a_long_consumer_timeout_every_task_but_the_effect_runner_is_acknowledged_late(
    settings, restore_acks_late
):
    settings.CELERY_BROKER_URL = "amqp://guest:guest@127.0.0.1:5672//"
    settings.CELERY_BROKER_CONSUMER_TIMEOUT = settings.CELERY_LONGEST_TASK_SECONDS + 600
    _check_delivery_settings()
    # Effects come back through the sweeper, after the dead run's leases have expired.
    assert {task.name for task in project_tasks() if not task.acks_late} == {"core.run_effect"}


def test_a_worker_refuses_to_start_when_a_task_outlives_the_declared_longest_limit(settings):
    settings.CELERY_LONGEST_TASK_SECONDS = 3600
    with pytest.raises(ImproperlyConfigured, match="exceeds CELERY_LONGEST_TASK_SECONDS"):
        _check_delivery_settings()
