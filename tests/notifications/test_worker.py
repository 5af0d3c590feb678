"""E-mail goes out through a real Celery worker consuming from the broker, not through eager mode.

The worker runs in a thread of this process (celery.contrib.testing), so it shares the locmem
outbox and the test database settings; it talks to the broker (Redis, then RabbitMQ: the ``broker``
fixture) and to the result backend in REDIS_URL.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from celery import signals
from celery.contrib.testing.worker import start_worker
from celery.worker import WorkController
from django.core import mail

from apps.core.models import Effect
from apps.notifications.models import Notification
from apps.notifications.services import notify
from marketplace.celery import app as celery_app
from tests.factories import UserFactory
from tests.workers import broker_fixture, purge_queues  # noqa: F401 - the `broker` fixture

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

WAIT_SECONDS = 20


@pytest.fixture
def live_worker(broker: str, settings: Any) -> Iterator[WorkController]:
    settings.CELERY_TASK_ALWAYS_EAGER = False
    # Keep pytest's and Django's logging as they are: the worker must not take over the root logger.
    settings.CELERY_WORKER_HIJACK_ROOT_LOGGER = False
    assert celery_app.conf.task_always_eager is False
    assert celery_app.conf.broker_url.startswith({"redis": "redis://", "rabbitmq": "amqp://"}[broker])
    # start_worker's ping check round-trips the `celery.ping` task through the broker before yielding.
    celery_app.loader.import_module("celery.contrib.testing.tasks")
    # Hand-overs left on the queue by earlier tests of the run would reach this worker first.
    purge_queues(settings.CELERY_BROKER_URL, ["celery"])
    # Leaving the block stops the worker and joins its thread; start_worker raises if it does not exit.
    with start_worker(celery_app, pool="solo", concurrency=1, perform_ping_check=True, shutdown_timeout=10) as worker:
        yield worker


@pytest.fixture
def task_runs() -> Iterator[list[dict[str, Any]]]:
    runs: list[dict[str, Any]] = []

    def record(sender: Any = None, task_id: str | None = None, task: Any = None, retval: Any = None, **kwargs: Any):
        runs.append(
            {
                "name": task.name,
                "eager": bool(task.request.is_eager),
                "thread": threading.current_thread(),
                "retval": retval,
            }
        )

    signals.task_postrun.connect(record, weak=False)
    yield runs
    signals.task_postrun.disconnect(record)


# Redis only: with RabbitMQ an in-thread worker did not always stop within its shutdown timeout on a
# loaded machine; the real worker processes (tests/workers.py) cover RabbitMQ.
@pytest.mark.parametrize("broker", ["redis"], indirect=True)
def test_the_worker_emails_a_notification_after_commit(live_worker, task_runs):
    recipient = UserFactory(email="chen.jing@example.cn")

    # Outside any transaction: notify's own atomic block commits, so its on-commit hook hands the effect over.
    (notification,) = notify(
        recipients=[recipient],
        kind="match_found",
        title="您的技术需求有了新的匹配成果",
        body="柳州市科技大市场为您匹配到 3 项成果。",
    )

    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        emailed = Notification.objects.filter(pk=notification.pk, emailed_at__isnull=False).exists()
        # The task's postrun signal comes a moment after the e-mail: wait for it too.
        finished = any(run["name"] == "core.run_effect" for run in task_runs)
        if emailed and finished and any(m.to == ["chen.jing@example.cn"] for m in mail.outbox):
            break
        time.sleep(0.05)
    else:
        pytest.fail(f"The worker did not e-mail notification {notification.pk} within {WAIT_SECONDS} s.")

    (message,) = [m for m in mail.outbox if m.to == ["chen.jing@example.cn"]]
    assert message.subject == "您的技术需求有了新的匹配成果"
    assert message.body == "柳州市科技大市场为您匹配到 3 项成果。"

    # The e-mail is the named effect notifications.send_emails, run by the worker's core.run_effect.
    sends = [run for run in task_runs if run["name"] == "core.run_effect"]
    assert len(sends) == 1
    assert sends[0]["retval"] is True
    assert Effect.objects.get(name="notifications.send_emails").status == "done"
    assert sends[0]["eager"] is False
    assert sends[0]["thread"] is not threading.current_thread()
    assert sends[0]["retval"] == 1
