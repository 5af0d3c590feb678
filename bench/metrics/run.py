#!/usr/bin/env python3
"""What the metrics cost: requests/s of small endpoints with and without ``MetricsMiddleware`` in the same
run (alternating rounds, medians), and the time of a ``GET /metrics`` scrape with its data-store reads.

    .venv/bin/python bench/metrics/run.py [--requests 2000] [--rounds 7] [--database-url URL]

In-process WSGI calls (no sockets: the middleware's share is what is measured). Runs once with counters in
process memory and once in multiprocess mode (PROMETHEUS_MULTIPROC_DIR, as behind gunicorn), each in a fresh
interpreter. Baseline = the same handler without the middleware.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

PATHS = ["/healthz", "/api/v1/"]
TOKEN = "bench-only"  # noqa: S105


def measure(args: argparse.Namespace) -> dict[str, object]:
    from bench.database import django_env, setup_django

    env = django_env(args.database_url, args.redis_url, name="metrics")
    env.update(
        DJANGO_ALLOWED_HOSTS="testserver",
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_STATIC_MANIFEST="false",
        THROTTLE_ANON="100000000/day",
        METRICS_TOKEN=TOKEN,
    )
    setup_django(env)
    from django.conf import settings
    from django.core.handlers.wsgi import WSGIHandler
    from django.test import RequestFactory, override_settings

    def handler(with_metrics: bool) -> WSGIHandler:
        chain = [m for m in settings.MIDDLEWARE if with_metrics or m != "apps.core.metrics.MetricsMiddleware"]
        with override_settings(MIDDLEWARE=chain):
            return WSGIHandler()

    handlers = {"with": handler(True), "without": handler(False)}
    factory = RequestFactory()

    def call(app: WSGIHandler, path: str, **extra: str) -> int:
        environ = factory._base_environ(PATH_INFO=path, REQUEST_METHOD="GET", **extra)
        status: list[str] = []
        body = app(environ, lambda s, h, exc_info=None: status.append(s))
        b"".join(body)
        if hasattr(body, "close"):
            body.close()
        return int(status[0].split()[0])

    results: dict[str, object] = {}
    for path in PATHS:
        for app in handlers.values():  # warm up: imports, connections, first-request work
            for _ in range(50):
                if (status := call(app, path)) != 200:
                    raise SystemExit(f"{path} answered {status}")
        rates: dict[str, list[float]] = {"with": [], "without": []}
        for round_ in range(args.rounds):
            order = ["with", "without"] if round_ % 2 == 0 else ["without", "with"]
            for name in order:
                app = handlers[name]
                started = time.perf_counter()
                for _ in range(args.requests):
                    if call(app, path) != 200:
                        raise SystemExit(f"{path} failed during the measurement")
                rates[name].append(args.requests / (time.perf_counter() - started))
        med = {name: statistics.median(values) for name, values in rates.items()}
        results[path] = {
            "req_per_s_with": round(med["with"], 1),
            "req_per_s_without": round(med["without"], 1),
            "overhead_us_per_request": round((1 / med["with"] - 1 / med["without"]) * 1e6, 1),
            "overhead_pct": round((med["without"] / med["with"] - 1) * 100, 2),
        }
    scrape_ms = []
    for _ in range(args.scrapes):
        started = time.perf_counter()
        if call(handlers["with"], "/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}") != 200:
            raise SystemExit("/metrics failed")
        scrape_ms.append((time.perf_counter() - started) * 1000)
    results["scrape_ms_median"] = round(statistics.median(scrape_ms), 2)
    results["scrape_ms_max"] = round(max(scrape_ms), 2)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000, help="requests per round and variant")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--scrapes", type=int, default=20)
    parser.add_argument(
        "--database-url", default=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/marketplace")
    )
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/14"))
    parser.add_argument("--child", choices=["memory", "multiprocess"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args)))
        return 0
    report = {}
    for mode in ("memory", "multiprocess"):
        env = dict(os.environ)
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        with tempfile.TemporaryDirectory(prefix="bench-metrics-") as directory:
            if mode == "multiprocess":
                env["PROMETHEUS_MULTIPROC_DIR"] = directory
            out = subprocess.run(  # noqa: S603
                [sys.executable, __file__, "--child", mode, *sys.argv[1:]],
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
        if out.returncode:
            print(out.stderr, file=sys.stderr)
            return 1
        report[mode] = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"{'mode':13} {'path':10} {'req/s with':>11} {'without':>9} {'µs/request':>11} {'overhead':>9}")
    for mode, figures in report.items():
        for path in PATHS:
            row = figures[path]
            print(
                f"{mode:13} {path:10} {row['req_per_s_with']:>11.1f} {row['req_per_s_without']:>9.1f} "
                f"{row['overhead_us_per_request']:>11.1f} {row['overhead_pct']:>8.2f}%"
            )
        print(
            f"{mode:13} GET /metrics scrape: median {figures['scrape_ms_median']} ms, max {figures['scrape_ms_max']} ms"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
