"""A failing receiver, with a real Celery worker delivering: retries after the configured backoff, every
attempt in the log, the subscription switched off after persistent failure with its admins told (in-app and
by e-mail, sent by the worker), then switched on again and the missed event redelivered.

The worker consumes the test's Redis broker in a thread of this process (celery.contrib.testing, as in
tests/notifications/test_worker.py): it starts in about a second where a worker process takes several,
and it shares this test's settings (tiny backoff, low failure threshold) and the locmem outbox.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from celery.contrib.testing.worker import start_worker
from celery.worker import WorkController
from django.core import mail

from apps.notifications.models import Notification
from apps.webhooks.models import Delivery, Subscription
from marketplace.celery import app as celery_app
from tests.factories import OrganizationFactory, member_of
from tests.webhooks.receiver import verify_webhook
from tests.workers import purge_queues

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

WAIT_SECONDS = 30


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    pytest.fail(f"waited {WAIT_SECONDS} s for {what}")


@pytest.fixture
def live_worker(settings: Any) -> Iterator[WorkController]:
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_WORKER_HIJACK_ROOT_LOGGER = False
    settings.WEBHOOKS_RETRY_SCHEDULE_SECONDS = [0.3, 0.6]
    settings.WEBHOOKS_DISABLE_AFTER_FAILURES = 5
    settings.WEBHOOKS_DISABLE_AFTER_SECONDS = 0
    settings.WEBHOOKS_RESPONSE_BODY_LIMIT = 1024
    assert celery_app.conf.broker_url.startswith("redis://")
    celery_app.loader.import_module("celery.contrib.testing.tasks")
    # Hand-overs left on the queue by earlier tests of the run would reach this worker first.
    purge_queues(settings.CELERY_BROKER_URL, ["celery"])
    with start_worker(celery_app, pool="solo", concurrency=1, perform_ping_check=True, shutdown_timeout=10) as worker:
        yield worker


def _status(pk: int) -> str:
    return Delivery.objects.get(pk=pk).status


def test_a_failing_receiver_is_retried_logged_switched_off_and_redelivered(live_worker, client_for, receiver):
    org = OrganizationFactory(name="柳州银行股份有限公司")
    admin = member_of(org, email="zhou.min@lzbank.example.cn")
    client = client_for(admin)
    created = client.post("/api/v1/webhooks/subscriptions", {"url": receiver.url("/bank")}, format="json").json()
    base = f"/api/v1/webhooks/subscriptions/{created['id']}"
    receiver.default_status = 503
    first = client.post(f"{base}/ping").json()
    wait_for(lambda: _status(first["id"]) == "failed", "the first delivery to run out of retries")
    one, two, three = receiver.at("/bank")
    assert {r.headers["webhook-id"] for r in (one, two, three)} == {first["event_id"]}
    assert [r.headers["webhook-attempt"] for r in (one, two, three)] == ["1", "2", "3"]
    # The retries waited the configured backoff.
    assert two.at - one.at >= 0.3 and three.at - two.at >= 0.6
    # Three failures of five allowed: still on.
    assert client.get(base).json()["consecutive_failures"] == 3
    assert client.get(base).json()["is_active"] is True

    log = client.get(f"/api/v1/webhooks/deliveries/{first['id']}").json()
    assert (log["status"], log["attempt_count"], log["last_status_code"]) == ("failed", 3, 503)
    assert [(a["number"], a["status_code"], a["succeeded"], a["error"]) for a in log["attempts"]] == [
        (1, 503, False, "HTTP 503"),
        (2, 503, False, "HTTP 503"),
        (3, 503, False, "HTTP 503"),
    ]
    assert all(a["duration_ms"] is not None for a in log["attempts"])
    # The receiver's long answer is kept truncated (1024 bytes).
    kept = log["attempts"][0]["response_body"]
    assert kept.startswith("服务暂不可用") and len(kept.encode()) <= 1024 + 3

    second = client.post(f"{base}/ping").json()
    wait_for(lambda: not Subscription.objects.get(pk=created["id"]).is_active, "the subscription switched off")
    wait_for(lambda: [m.to for m in mail.outbox] == [["zhou.min@lzbank.example.cn"]], "the admins' e-mail")
    subscription = client.get(base).json()
    assert (subscription["disabled_reason"], subscription["consecutive_failures"]) == ("failing", 5)
    assert _status(second["id"]) == "cancelled"
    assert len(receiver.at("/bank")) == 5
    note = Notification.objects.get(recipient=admin, kind="webhooks.subscription_disabled")
    assert receiver.url("/bank") in note.title + note.body
    assert client.post(f"/api/v1/webhooks/deliveries/{first['id']}/redeliver").status_code == 409

    # The receiver is fixed; the admin switches the subscription on and redelivers what it missed.
    receiver.default_status = 200
    on = client.patch(base, {"is_active": True}, format="json").json()
    assert (on["is_active"], on["consecutive_failures"], on["disabled_reason"]) == (True, 0, "")
    again = client.post(f"/api/v1/webhooks/deliveries/{first['id']}/redeliver").json()
    wait_for(lambda: _status(again["id"]) == "succeeded", "the redelivery")
    last = receiver.at("/bank")[-1]
    event = verify_webhook(created["secret"], last.headers, last.body)
    assert event["id"] == first["event_id"] and event["type"] == "webhook.ping"
    assert len(receiver.at("/bank")) == 6
