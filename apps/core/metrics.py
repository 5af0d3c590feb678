"""Prometheus metrics at ``GET /metrics`` (bearer token ``METRICS_TOKEN``; see deploy/README.md, "Metrics").

Counted as they happen, in the process that sees them:

- ``market_http_requests_total{route,method,status}`` and ``market_http_request_duration_seconds{route,method}``
  by :class:`MetricsMiddleware`. ``route`` is the URL pattern the request resolved to
  (``api/v1/listings/achievements/<int:pk>``), never the raw path, so ids and junk URLs do not create series;
  a request no pattern matched is ``<unmatched>``.
- ``market_celery_tasks_total{task,outcome}`` (``success``, ``failure``, ``retry``) and
  ``market_celery_task_duration_seconds{task}`` from Celery's signals, in the worker process that ran the task.

Read from the data stores at scrape time (:class:`StoreCollector`, each source with a short timeout; a source
that cannot be read reports ``market_metrics_source_up{source} 0`` instead of failing the scrape):

- ``market_celery_queue_length{queue}``: messages waiting in each Celery queue (Redis ``LLEN``, RabbitMQ a
  passive ``queue.declare``);
- ``market_effects{status}`` (pending, failed), ``market_effects_outbox_age_seconds`` (now minus the oldest
  pending effect's creation: how long the oldest promise has waited) and ``market_effects_overdue`` (pending
  effects past their hand-over time: the sweeper or the workers are behind);
- ``market_replica_usable``, ``market_replica_lag_seconds`` and ``market_replica_max_lag_seconds`` (0, NaN
  without a read replica; :mod:`apps.core.replica`, which also counts ``market_replica_reads_total{source,reason}``);
- ``market_matching_*`` from :mod:`apps.matching.metrics` (registered with :func:`register_source`, as the
  matching shard queues are with :func:`register_queues`: core imports no app above it).

Processes: gunicorn runs several workers and a Celery worker several children. With
``PROMETHEUS_MULTIPROC_DIR`` set (a writable, per-host directory emptied at start: deploy/gunicorn.conf.py
does it for the web server) every process writes its counters there and a scrape adds them up; without it
each process reports only its own counts (fine for one process, wrong behind gunicorn).
"""

from __future__ import annotations

import hmac
import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from apps.core.replica import replica_metrics

logger = logging.getLogger(__name__)

# Multiprocess mode writes a file per process and metric there from the first count: the directory must exist.
if _multiproc_dir := os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.makedirs(_multiproc_dir, exist_ok=True)

# No "_created" series per labelled child: they double the series count and multiprocess mode has none.
disable_created_metrics()

UNMATCHED_ROUTE = "<unmatched>"
# Seconds the scrape waits for Redis or RabbitMQ before reporting the source down.
SOURCE_TIMEOUT_SECONDS = 2

HTTP_REQUESTS = Counter(
    "market_http_requests", "HTTP requests answered, by URL route, method and status.", ["route", "method", "status"]
)
HTTP_LATENCY = Histogram(
    "market_http_request_duration_seconds",
    "Time from the request entering Django to its response leaving, by URL route and method.",
    ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
CELERY_TASKS = Counter("market_celery_tasks", "Celery task runs by task name and outcome.", ["task", "outcome"])
CELERY_TASK_DURATION = Histogram(
    "market_celery_task_duration_seconds",
    "Run time of Celery tasks by task name.",
    ["task"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0, 300.0, 1800.0, 3600.0),
)


def route_of(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None or not match.route:
        return UNMATCHED_ROUTE
    return str(match.route)


class MetricsMiddleware:
    """Counts every response by route, method and status and observes its latency. Outermost but one (after
    the request id), so the refusals of the other middleware (414, 503, redirects) are counted too."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        elapsed = time.perf_counter() - started
        route = route_of(request)
        method = request.method if request.method in KNOWN_METHODS else "other"
        HTTP_REQUESTS.labels(route, method, str(response.status_code)).inc()
        HTTP_LATENCY.labels(route, method).observe(elapsed)
        return response


KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


# --- Celery -------------------------------------------------------------------------------------

_task_started: dict[str, float] = {}


def _task_name(sender: Any) -> str:
    return str(getattr(sender, "name", None) or sender or "unknown")


def on_task_prerun(sender: Any = None, task_id: str | None = None, **_kwargs: Any) -> None:
    if task_id:
        _task_started[task_id] = time.perf_counter()


def on_task_postrun(sender: Any = None, task_id: str | None = None, **_kwargs: Any) -> None:
    started = _task_started.pop(task_id, None) if task_id else None
    if started is not None:
        CELERY_TASK_DURATION.labels(_task_name(sender)).observe(time.perf_counter() - started)


def on_task_success(sender: Any = None, **_kwargs: Any) -> None:
    CELERY_TASKS.labels(_task_name(sender), "success").inc()


def on_task_failure(sender: Any = None, **_kwargs: Any) -> None:
    CELERY_TASKS.labels(_task_name(sender), "failure").inc()


def on_task_retry(sender: Any = None, **_kwargs: Any) -> None:
    CELERY_TASKS.labels(_task_name(sender), "retry").inc()


def connect_celery_signals() -> None:
    from celery import signals

    signals.task_prerun.connect(on_task_prerun, weak=False, dispatch_uid="market_metrics_prerun")
    signals.task_postrun.connect(on_task_postrun, weak=False, dispatch_uid="market_metrics_postrun")
    signals.task_success.connect(on_task_success, weak=False, dispatch_uid="market_metrics_success")
    signals.task_failure.connect(on_task_failure, weak=False, dispatch_uid="market_metrics_failure")
    signals.task_retry.connect(on_task_retry, weak=False, dispatch_uid="market_metrics_retry")


# --- Read at scrape time --------------------------------------------------------------------------


_queue_providers: list[Callable[[], Iterable[str]]] = []
_sources: dict[str, Callable[[], Iterator[Metric]]] = {}


def register_queues(provider: Callable[[], Iterable[str]]) -> None:
    """An app names the Celery queues it sends to (matching: its shard queues); their length is reported."""
    if provider not in _queue_providers:
        _queue_providers.append(provider)


def register_source(name: str, read: Callable[[], Iterator[Metric]]) -> None:
    """An app adds metrics read at scrape time (matching: its index lag); a failing source is reported down."""
    _sources[name] = read


def celery_queues() -> list[str]:
    """The queues the project's tasks are sent to: the default one, routed ones, the ones apps registered."""
    queues = {str(getattr(settings, "CELERY_TASK_DEFAULT_QUEUE", "celery"))}
    for route in getattr(settings, "CELERY_TASK_ROUTES", {}).values():
        if isinstance(route, dict) and route.get("queue"):
            queues.add(str(route["queue"]))
    for provider in _queue_providers:
        queues.update(provider())
    return sorted(queues)


def queue_lengths(queues: Iterable[str]) -> dict[str, int]:
    from marketplace.celery import AMQP_SCHEMES, app, broker_scheme

    url = app.conf.broker_url or ""
    if broker_scheme(url) in AMQP_SCHEMES:
        lengths = {}
        with app.connection_for_read() as conn:
            conn.ensure_connection(max_retries=1, timeout=SOURCE_TIMEOUT_SECONDS)
            channel: Any = conn.default_channel
            for queue in queues:
                try:
                    lengths[queue] = int(channel.queue_declare(queue=queue, passive=True).message_count)
                except conn.channel_errors:  # not declared yet: nothing was ever sent to it
                    lengths[queue] = 0
                    channel = conn.channel()
        return lengths
    from apps.core import redis_client

    client = redis_client.client(url, timeout=SOURCE_TIMEOUT_SECONDS)
    # kombu's Redis transport keeps a queue as a list, with a list per priority step besides the base one
    # ("<queue>\x06\x16<priority>"); messages without a priority are in the base list.
    steps = app.conf.broker_transport_options.get("priority_steps", [0, 3, 6, 9])
    sep = app.conf.broker_transport_options.get("sep", "\x06\x16")
    pipe = client.pipeline()
    for queue in queues:
        pipe.llen(queue)
        for step in steps:
            if step:
                pipe.llen(f"{queue}{sep}{step}")
    results = iter(pipe.execute())
    return {queue: sum(next(results) for _ in range(1 + sum(1 for s in steps if s))) for queue in queues}


def _effects_metrics() -> Iterator[Metric]:
    from django.db import connection

    from apps.core.models import EffectStatus

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT status, count(*) FROM core_effect WHERE status <> %s GROUP BY status", [EffectStatus.DONE]
        )
        counts = dict(cursor.fetchall())
        cursor.execute(
            "SELECT coalesce(extract(epoch FROM statement_timestamp() - min(created_at)), 0),"
            " count(*) FILTER (WHERE due_at < statement_timestamp())"
            " FROM core_effect WHERE status = %s",
            [EffectStatus.PENDING],
        )
        age, overdue = cursor.fetchone()
    by_status = GaugeMetricFamily("market_effects", "Effects not done, by status.", labels=["status"])
    for status in (EffectStatus.PENDING, EffectStatus.FAILED):
        by_status.add_metric([str(status)], counts.get(status, 0))
    yield by_status
    yield GaugeMetricFamily(
        "market_effects_outbox_age_seconds", "Seconds since the oldest pending effect was recorded.", value=float(age)
    )
    yield GaugeMetricFamily(
        "market_effects_overdue", "Pending effects past their hand-over time.", value=float(overdue)
    )


def _queue_metrics() -> Iterator[Metric]:
    family = GaugeMetricFamily("market_celery_queue_length", "Messages waiting in a Celery queue.", labels=["queue"])
    for queue, length in queue_lengths(celery_queues()).items():
        family.add_metric([queue], length)
    yield family


class StoreCollector(Collector):
    """What the data stores say at scrape time; each source is read on its own and may fail alone."""

    def collect(self) -> Iterable[Metric]:
        up = GaugeMetricFamily("market_metrics_source_up", "1 if the scrape could read the source.", labels=["source"])
        scrape = GaugeMetricFamily(
            "market_metrics_source_seconds", "Seconds the scrape took to read the source.", labels=["source"]
        )
        sources = {"database": _effects_metrics, "broker": _queue_metrics, "replica": replica_metrics, **_sources}
        for name, read in sources.items():
            started = time.perf_counter()
            try:
                metrics = list(read())
            except Exception as exc:  # a scrape reports an unreadable source, it does not fail
                logger.warning("metrics: %s unreadable (%s)", name, type(exc).__name__)
                up.add_metric([name], 0)
            else:
                up.add_metric([name], 1)
                yield from metrics
            scrape.add_metric([name], time.perf_counter() - started)
        yield up
        yield scrape


class _DefaultRegistry(Collector):
    def collect(self) -> Iterable[Metric]:
        return REGISTRY.collect()


def scrape_registry() -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_DefaultRegistry())
    registry.register(StoreCollector())
    return registry


def token_ok(request: HttpRequest, token: str) -> bool:
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())


@never_cache
@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    """The metrics in Prometheus' text format. 404 while ``METRICS_TOKEN`` is unset (the endpoint is off),
    401 without the token as a bearer credential."""
    token = settings.METRICS_TOKEN
    if not token:
        return HttpResponse(status=404)
    if not token_ok(request, token):
        response = HttpResponse(status=401)
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(generate_latest(scrape_registry()), content_type=CONTENT_TYPE_LATEST)
