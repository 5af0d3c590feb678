"""The Celery application. Tasks live in each app's ``tasks.py`` and are found by autodiscovery.

Delivery guarantees (see docs/architecture.md, "Durable named effects"): tasks are acknowledged late
and rejected back to the queue when their worker dies, so a broker hands them out again. How soon
depends on the broker:

- Redis redelivers an unacknowledged message only after the visibility timeout, which must exceed the
  longest task time limit (else a long task still running is handed to a second worker). The settings
  derive it from ``CELERY_LONGEST_TASK_SECONDS``; the worker refuses to start if a registered task's
  time limit exceeds that constant.
- RabbitMQ redelivers as soon as the dead worker's connection closes, but cancels a consumer that holds
  a message longer than its ``consumer_timeout`` (30 min by default). Tasks whose time limit does not fit
  under ``CELERY_BROKER_CONSUMER_TIMEOUT`` are therefore acknowledged on receipt under RabbitMQ: a
  second concurrent run would be worse than the nightly re-run that replaces a lost one. So is
  ``core.run_effect``: the effects' sweeper re-runs a dead worker's effect once it is due, whereas
  RabbitMQ's instant redelivery would reach a non-atomic handler while the dead run's lease still holds
  its rows, and the effect would be marked done with that work skipped.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from celery import Celery, Task, signals

from apps.core import metrics

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")

app = Celery("marketplace")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

logger = logging.getLogger(__name__)

REDIS_SCHEMES = frozenset({"redis", "rediss", "redis+socket"})
# Acknowledged on receipt under RabbitMQ whatever its consumer timeout (see the module's docstring).
ACKED_ON_RECEIPT_UNDER_RABBITMQ = frozenset({"core.run_effect"})
AMQP_SCHEMES = frozenset({"amqp", "amqps", "pyamqp"})


def broker_scheme(url: str) -> str:
    return url.split("://", 1)[0].lower()


def project_tasks(celery_app: Celery = app) -> list[Task]:
    """The project's registered tasks (Celery's own ``celery.*`` tasks have no limits of ours)."""
    celery_app.loader.import_default_modules()  # autodiscovery, as the worker does it at start-up
    return [task for name, task in sorted(celery_app.tasks.items()) if not name.startswith("celery.")]


def longest_time_limit(celery_app: Celery = app) -> int:
    """The longest hard time limit of any registered task (the default limit for tasks without one)."""
    default = celery_app.conf.task_time_limit or 0
    return max(int(task.time_limit or default) for task in project_tasks(celery_app))


def tasks_outliving_consumer_timeout(celery_app: Celery = app) -> list[Task]:
    """Tasks a RabbitMQ broker would cancel mid-run if they were acknowledged late."""
    from django.conf import settings

    allowed = settings.CELERY_BROKER_CONSUMER_TIMEOUT - settings.CELERY_REDELIVERY_MARGIN_SECONDS
    default = celery_app.conf.task_time_limit or 0
    return [task for task in project_tasks(celery_app) if int(task.time_limit or default) > allowed]


def tasks_acked_on_receipt_under_rabbitmq(celery_app: Celery = app) -> list[Task]:
    early = {task.name for task in tasks_outliving_consumer_timeout(celery_app)} | ACKED_ON_RECEIPT_UNDER_RABBITMQ
    return [task for task in project_tasks(celery_app) if task.name in early]


@signals.worker_init.connect
def _check_delivery_settings(sender: Any = None, **kwargs: Any) -> None:
    """Runs in the worker after autodiscovery, before it consumes anything."""
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    longest = longest_time_limit()
    if longest > settings.CELERY_LONGEST_TASK_SECONDS:
        raise ImproperlyConfigured(
            f"a task's time limit ({longest} s) exceeds CELERY_LONGEST_TASK_SECONDS "
            f"({settings.CELERY_LONGEST_TASK_SECONDS} s): raise the constant, which sets Redis's visibility timeout"
        )
    if broker_scheme(app.conf.broker_url or "") in AMQP_SCHEMES:
        for task in tasks_acked_on_receipt_under_rabbitmq():
            task.acks_late = False
            logger.info(
                "%s (time limit %s s) is acknowledged on receipt under RabbitMQ (consumer_timeout %s s)",
                task.name,
                task.time_limit,
                settings.CELERY_BROKER_CONSUMER_TIMEOUT,
            )


# --- Metrics (apps.core.metrics) ------------------------------------------------------------------
# Task outcomes are counted in the process that runs the task. With PROMETHEUS_MULTIPROC_DIR set, the pool's
# children write to that directory and the worker's main process serves the sum on CELERY_METRICS_PORT.
metrics.connect_celery_signals()


@signals.worker_init.connect
def _empty_metrics_directory(sender: Any = None, **kwargs: Any) -> None:
    """Counts of a previous run of this worker (files left in the directory) would be added again."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory and os.environ.get("CELERY_METRICS_PORT"):
        os.makedirs(directory, exist_ok=True)
        for name in os.listdir(directory):
            if name.endswith(".db"):
                os.remove(os.path.join(directory, name))


@signals.worker_ready.connect
def _serve_worker_metrics(sender: Any = None, **kwargs: Any) -> Any:
    """The worker's main process serves the task metrics on CELERY_METRICS_PORT; returns the server (or None)."""
    port = int(os.environ.get("CELERY_METRICS_PORT") or 0)
    if not port:
        return None
    from prometheus_client import REGISTRY, CollectorRegistry, start_http_server
    from prometheus_client import multiprocess as prometheus_multiprocess

    registry = REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        prometheus_multiprocess.MultiProcessCollector(registry)
    server, _thread = start_http_server(port, addr=os.environ.get("CELERY_METRICS_ADDR", "0.0.0.0"), registry=registry)  # noqa: S104
    logger.info("task metrics on :%s/metrics", port)
    return server


@signals.worker_process_shutdown.connect
def _forget_child_metrics(pid: int | None = None, **kwargs: Any) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess as prometheus_multiprocess

        prometheus_multiprocess.mark_process_dead(pid or os.getpid())
