"""GET /metrics: request counts by route, Celery outcomes, queue depth, the effect outbox and matching lag.

Counters live in this process's registry (the test process serves the requests), so each test compares a
scrape before and after what it does.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import redis
from django.conf import settings as django_settings
from django.db import transaction
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families
from rest_framework.test import APIClient

from apps.core.effects import effect
from apps.core.models import Effect

pytestmark = pytest.mark.django_db

TOKEN = "metrics-test-token-0123456789"


@pytest.fixture
def scrape(settings):
    settings.METRICS_TOKEN = TOKEN
    client = APIClient()

    def read() -> dict[tuple[str, frozenset], float]:
        response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
        assert response.status_code == 200, response.content
        assert response["Content-Type"].startswith("text/plain")
        samples = {}
        for family in text_string_to_metric_families(response.content.decode()):
            for sample in family.samples:
                samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
        return samples

    return read


def value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_requests_are_counted_by_route_pattern_method_and_status(scrape):
    before = scrape()
    client = APIClient()
    for _ in range(3):
        assert client.get("/healthz").status_code == 200
    assert client.get("/api/v1/achievements/987654").status_code == 404
    assert client.get("/no/such/page/4711").status_code == 404
    after = scrape()

    assert (
        value(after, "market_http_requests_total", route="healthz", method="GET", status="200")
        - value(before, "market_http_requests_total", route="healthz", method="GET", status="200")
        == 3
    )
    detail = {
        dict(labels)["route"]
        for (name, labels), count in after.items()
        if name == "market_http_requests_total" and dict(labels)["status"] == "404" and count
    }
    # The pattern, not the path: ids and unknown URLs create no series of their own.
    assert "api/v1/achievements/<int:pk>" in detail
    assert "<unmatched>" in detail
    assert not any("987654" in route or "4711" in route for route in detail)
    latency_count = value(after, "market_http_request_duration_seconds_count", route="healthz", method="GET")
    assert (
        latency_count - value(before, "market_http_request_duration_seconds_count", route="healthz", method="GET") == 3
    )
    assert value(after, "market_http_request_duration_seconds_sum", route="healthz", method="GET") > value(
        before, "market_http_request_duration_seconds_sum", route="healthz", method="GET"
    )


def test_the_token_is_required(settings):
    client = APIClient()
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer anything").status_code == 404  # off without a token
    settings.METRICS_TOKEN = TOKEN
    missing = client.get("/metrics")
    assert missing.status_code == 401
    assert missing["WWW-Authenticate"].startswith("Bearer")
    assert b"market_" not in missing.content
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong-token").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Basic {TOKEN}").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 200


def test_outbox_age_and_matching_lag_reflect_pending_effects(scrape):
    before = scrape()
    assert value(before, "market_metrics_source_up", source="database") == 1
    assert value(before, "market_metrics_source_up", source="matching") == 1
    assert ("market_matching_index_version", frozenset()) in before

    with transaction.atomic():
        effect("notifications.send_emails", notification_ids=[1])
        effect("matching.listings_changed", kind="achievement", listing_ids=[1, 2])
    Effect.objects.filter(name="notifications.send_emails").update(
        created_at=timezone.now() - timedelta(minutes=30), due_at=timezone.now() - timedelta(minutes=5)
    )
    Effect.objects.filter(name="matching.listings_changed").update(created_at=timezone.now() - timedelta(minutes=7))
    after = scrape()

    assert value(after, "market_effects", status="pending") == value(before, "market_effects", status="pending") + 2
    assert 30 * 60 <= value(after, "market_effects_outbox_age_seconds") < 31 * 60
    assert value(after, "market_effects_overdue") >= 1
    assert 7 * 60 <= value(after, "market_matching_lag_seconds") < 8 * 60
    assert value(after, "market_matching_pending_effects") == 1

    Effect.objects.update(status="done", done_at=timezone.now())
    done = scrape()
    assert value(done, "market_effects", status="pending") == 0
    assert value(done, "market_effects_outbox_age_seconds") == 0
    assert value(done, "market_matching_lag_seconds") == 0


def test_queue_depth_is_read_from_the_broker(scrape, settings):
    queue = "metrics.test"
    settings.CELERY_TASK_ROUTES = {**django_settings.CELERY_TASK_ROUTES, "metrics.test_task": {"queue": queue}}
    client = redis.Redis.from_url(django_settings.CELERY_BROKER_URL)
    client.delete(queue)
    try:
        assert value(scrape(), "market_celery_queue_length", queue=queue) == 0
        client.lpush(queue, *[f'{{"n": {n}}}' for n in range(5)])
        client.lpush(f"{queue}\x06\x163", '{"priority": 3}')  # kombu's list for priority 3
        after = scrape()
        assert value(after, "market_celery_queue_length", queue=queue) == 6
        assert ("market_celery_queue_length", frozenset({("queue", "celery")})) in after
        assert value(after, "market_metrics_source_up", source="broker") == 1
    finally:
        client.delete(queue, f"{queue}\x06\x163")
        client.close()


def test_an_unreachable_broker_is_reported_not_fatal(scrape, settings):
    from marketplace.celery import app

    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # Celery reads its configuration through Django's
    assert app.conf.broker_url == "redis://127.0.0.1:1/0"
    samples = scrape()
    assert value(samples, "market_metrics_source_up", source="broker") == 0
    assert value(samples, "market_metrics_source_up", source="database") == 1


def test_celery_task_outcomes_are_counted(scrape, celery_eager):
    from apps.core.tasks import purge_idempotency_keys as idempotency_purge

    before = scrape()
    idempotency_purge.delay()
    idempotency_purge.delay()
    after = scrape()
    name = idempotency_purge.name
    assert (
        value(after, "market_celery_tasks_total", task=name, outcome="success")
        - value(before, "market_celery_tasks_total", task=name, outcome="success")
        == 2
    )
    assert (
        value(after, "market_celery_task_duration_seconds_count", task=name)
        - value(before, "market_celery_task_duration_seconds_count", task=name)
        == 2
    )


def test_a_failed_task_is_counted_as_a_failure(scrape, settings):
    from marketplace.celery import app

    @app.task(name="metrics.test_failing", bind=False)
    def failing() -> None:
        raise ValueError("boom")

    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.CELERY_TASK_EAGER_PROPAGATES = False
    try:
        before = scrape()
        result = failing.delay()
        assert result.failed()
        after = scrape()
    finally:
        app.tasks.pop("metrics.test_failing", None)
    assert (
        value(after, "market_celery_tasks_total", task="metrics.test_failing", outcome="failure")
        - value(before, "market_celery_tasks_total", task="metrics.test_failing", outcome="failure")
        == 1
    )


def test_the_grafana_dashboard_charts_only_metrics_the_service_exports(settings):
    import json
    import re
    from pathlib import Path

    settings.METRICS_TOKEN = TOKEN
    text = APIClient().get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").content.decode()
    exported = set()
    for family in text_string_to_metric_families(text):
        suffixes = {"counter": ["_total"], "histogram": ["_bucket", "_count", "_sum"]}.get(family.type, [""])
        exported.update(family.name + suffix for suffix in suffixes)

    dashboard = json.loads((Path(__file__).resolve().parents[2] / "deploy" / "grafana" / "market.json").read_text())
    expressions = [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
    assert len(dashboard["panels"]) >= 10
    used = {name for expr in expressions for name in re.findall(r"\bmarket_[a-z_]+", expr)}
    assert used - exported == set()
    # every metric the service exports has a panel
    charted = {re.sub(r"_(total|bucket|count|sum)$", "", name) for name in used}
    own = {re.sub(r"_(total|bucket|count|sum)$", "", name) for name in exported if name.startswith("market_")}
    assert own - charted == set()
    assert len({panel["id"] for panel in dashboard["panels"]}) == len(dashboard["panels"])


def test_queue_depth_under_rabbitmq(settings):
    """RabbitMQ answers a passive declare with the queue's message count; an undeclared queue is empty."""
    import kombu

    from apps.core.metrics import queue_lengths
    from marketplace.celery import app

    url = "amqp://guest:guest@127.0.0.1:5672//"
    queue = kombu.Queue("metrics.test.rabbit", durable=False, auto_delete=False)
    with kombu.Connection(url) as conn:
        bound = queue(conn.default_channel)
        bound.declare()
        bound.purge()
        producer = conn.Producer()
        for n in range(4):
            producer.publish({"n": n}, routing_key=queue.name, exchange="")
        settings.CELERY_BROKER_URL = url
        assert app.conf.broker_url == url
        try:
            assert queue_lengths([queue.name, "metrics.test.never-declared"]) == {
                queue.name: 4,
                "metrics.test.never-declared": 0,
            }
        finally:
            bound.delete()


def test_counts_of_several_processes_are_added_up(tmp_path, monkeypatch):
    """Behind gunicorn each worker writes its counts to PROMETHEUS_MULTIPROC_DIR; a scrape adds them up, and
    gunicorn's start (deploy/gunicorn.conf.py) empties the directory."""
    import os
    import runpy
    import subprocess
    import sys
    from pathlib import Path

    from prometheus_client import generate_latest

    from apps.core.metrics import scrape_registry

    directory = tmp_path / "prometheus"
    root = Path(__file__).resolve().parents[2]
    code = (
        "import sys; from apps.core import metrics; "
        "metrics.HTTP_REQUESTS.labels('healthz', 'GET', '200').inc(int(sys.argv[1])); "
        "metrics.CELERY_TASKS.labels('core.effects_sweep', 'success').inc()"
    )
    for count in (3, 4):  # two "workers", each its own process
        subprocess.run(  # noqa: S603
            [sys.executable, "-c", code, str(count)],
            cwd=root,
            env={**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(directory)},
            check=True,
            timeout=60,
        )
    assert len(list(directory.glob("*.db"))) >= 2
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(directory))
    samples = {}
    for family in text_string_to_metric_families(generate_latest(scrape_registry()).decode()):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    assert value(samples, "market_http_requests_total", route="healthz", method="GET", status="200") == 7
    assert value(samples, "market_celery_tasks_total", task="core.effects_sweep", outcome="success") == 2

    conf = runpy.run_path(str(root / "deploy" / "gunicorn.conf.py"))
    conf["on_starting"](None)
    assert list(directory.glob("*.db")) == []


def test_the_worker_serves_its_task_metrics_on_its_port(monkeypatch):
    """CELERY_METRICS_PORT: the worker's main process (at worker_ready) serves the task counts over HTTP."""
    import socket
    import urllib.request

    from apps.core import metrics
    from marketplace.celery import _serve_worker_metrics

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("CELERY_METRICS_PORT", str(port))
    monkeypatch.setenv("CELERY_METRICS_ADDR", "127.0.0.1")
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    server = _serve_worker_metrics()
    try:
        metrics.on_task_retry(sender=type("Task", (), {"name": "metrics.test_worker_port"})())
        text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
    finally:
        server.shutdown()
        server.server_close()
    samples = {
        (s.name, frozenset(s.labels.items())): s.value for f in text_string_to_metric_families(text) for s in f.samples
    }
    assert value(samples, "market_celery_tasks_total", task="metrics.test_worker_port", outcome="retry") == 1
    monkeypatch.delenv("CELERY_METRICS_PORT")
    assert _serve_worker_metrics() is None


def test_the_served_index_version_is_reported_beside_the_newest(scrape):
    """A process that serves the match index reports the version it serves; the newest is read from the log."""
    from apps.matching import index_state

    index_state.reset_local()
    index_state.local_index()
    samples = scrape()
    newest = value(samples, "market_matching_index_version")
    assert ("market_matching_served_version", frozenset()) in samples
    assert value(samples, "market_matching_served_version") == newest == index_state.current_version()
    index_state.reset_local()
