"""Liveness and readiness probes. Plain Django views: no auth, no throttling, no DRF."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)

# Seconds a load balancer or orchestrator is asked to wait before probing an unready instance again.
READYZ_RETRY_AFTER_SECONDS = 30


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _check_redis() -> None:
    from apps.core import redis_client

    redis_client.client().ping()


def _check_broker() -> None:
    from marketplace.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


CHECKS: dict[str, Callable[[], None]] = {
    "database": _check_database,
    "redis": _check_redis,
    "broker": _check_broker,
}


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    results: dict[str, dict[str, object]] = {}
    ready = True
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            check()
            results[name] = {"ok": True}
        except Exception as exc:  # a probe reports failures, it does not raise them
            ready = False
            results[name] = {"ok": False, "error": type(exc).__name__}
        results[name]["ms"] = round((time.perf_counter() - started) * 1000, 1)
    response = JsonResponse(
        {"status": "ready" if ready else "unavailable", "checks": results}, status=200 if ready else 503
    )
    if not ready:
        # A designed answer, not a server fault: one warning naming what failed, not Django's ERROR line
        # ("Service Unavailable") that log_response writes for every 5xx it has not seen logged.
        failing = ", ".join(f"{name} ({check['error']})" for name, check in results.items() if not check["ok"])
        logger.warning("not ready: %s", failing)
        response["Retry-After"] = str(READYZ_RETRY_AFTER_SECONDS)
        response._has_been_logged = True  # type: ignore[attr-defined]
    return response
