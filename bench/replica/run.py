#!/usr/bin/env python3
"""Reports from the streaming replica against the primary (baseline), the replica check's cost, how soon a
lagging or stopped replica is noticed. A real primary and hot standby from the embedded PostgreSQL binaries
(tests/core/pg_replication.py: a copy of ``--source-url``, a migrated database with its reference data).

    .venv/bin/python bench/replica/run.py [--source-url postgres://…/<a migrated db>]
        [--requests 40] [--rounds 5] [--months 60] [--fields 20]

In-process WSGI calls of ``GET /api/v1/stats/report`` as the market operator, alternating rounds (replica,
then primary: the same handler with DATABASE_REPLICA_MAX_LAG_SECONDS=-1, so the router picks the primary),
medians. Settings as production reads them: DATABASE_URL = the primary, DATABASE_REPLICA_URL = the standby.
Results in bench/replica/results/latest.{json,txt}.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

REPORT = "/api/v1/stats/report"
SOURCE_URL = "postgres://postgres@127.0.0.1:5432/bench_replica_source"
QUERY = "group_by=period,technology_field&period=year&date_from=2021-01&compare=true"


def say(text: str) -> None:
    print(text, flush=True)


def expect(condition: bool, message: object) -> None:
    if not condition:
        raise RuntimeError(message)


def fill_cells(months: int, fields: int, *, first_year: int = 2021) -> int:
    """One contract per month and technology field, folded into every grain like apps.stats does."""
    from apps.stats.dims import DIMS, GRAINS, Dim, cell_key
    from apps.stats.models import Cell
    from tests.stats.report_cells import BASE_DIMS

    sums: dict[tuple[Any, ...], list[Any]] = {}
    for m in range(months):
        month = date(first_year + m // 12, m % 12 + 1, 1)
        for f in range(1, fields + 1):
            values = {**BASE_DIMS, Dim.TECHNOLOGY_FIELD: f"{f:02d}"}
            amount = Decimal(1000 * (m + 1) + f)
            for grain in GRAINS:
                key = (grain.id, month, *cell_key(grain, values))
                entry = sums.setdefault(key, [0, Decimal(0)])
                entry[0] += 1
                entry[1] += amount
    Cell.objects.bulk_create(
        [
            Cell(
                grain=key[0],
                month=key[1],
                **dict(zip([d.value for d in DIMS], key[2:], strict=True)),
                contract_count=count,
                contract_amount=amount,
                technology_amount=amount,
                paid_amount=Decimal(0),
            )
            for key, (count, amount) in sums.items()
        ],
        batch_size=2000,
    )
    return len(sums)


def migrate_source(redis_url: str) -> None:
    """The default source database: created once, migrated (minutes the first time, seconds after)."""
    import subprocess

    from bench.database import admin_connection, django_env

    admin = admin_connection(SOURCE_URL)
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = 'bench_replica_source'")
        if cursor.fetchone() is None:
            cursor.execute("CREATE DATABASE bench_replica_source")
    admin.close()
    say("migrating the source database bench_replica_source (the first time takes minutes)…")
    env = django_env(SOURCE_URL, redis_url, name="replica")
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--source-url",
        default=SOURCE_URL,
        help="a migrated database with its reference data (default: created and migrated on first use)",
    )
    parser.add_argument("--requests", type=int, default=40, help="requests per round and side")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--months", type=int, default=60)
    parser.add_argument("--fields", type=int, default=20)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    args = parser.parse_args()

    from tests.core.pg_replication import DATABASE, StreamingPair

    if args.source_url == SOURCE_URL:
        migrate_source(args.redis_url)

    pair = StreamingPair()
    try:
        say("starting a primary (copy of the source) and a hot standby…")
        pair.start(copy_of=args.source_url)
        say("  " + ", ".join(f"{step} {seconds:.2f} s" for step, seconds in pair.timings.items()))
        from bench.database import django_env, setup_django

        env = django_env(pair.url(pair.primary_port), args.redis_url, name="replica")
        env.update(
            DATABASE_REPLICA_URL=pair.url(pair.standby_port, DATABASE),
            DJANGO_ALLOWED_HOSTS="testserver",
            DJANGO_SECURE_SSL_REDIRECT="false",
            DJANGO_STATIC_MANIFEST="false",
            THROTTLE_USER="100000000/day",
        )
        setup_django(env)
        return measure(args, pair)
    finally:
        pair.close()


def measure(args: argparse.Namespace, pair: Any) -> int:
    from django.conf import settings
    from django.core.handlers.wsgi import WSGIHandler
    from django.test import RequestFactory

    from apps.accounts.tokens import MarketRefreshToken
    from apps.core.replica import forget_replica_health, measure_replica
    from tests.factories import operator_user

    started = time.perf_counter()
    cells = fill_cells(args.months, args.fields)
    say(f"{cells:,} statistics cells written in {time.perf_counter() - started:.1f} s")
    operator = operator_user()
    token = str(MarketRefreshToken.for_user(operator).access_token)
    replayed = pair.wait_replayed(60)
    say(f"standby caught up {replayed:.3f} s after the last write")
    app = WSGIHandler()
    factory = RequestFactory()

    def call() -> tuple[str, float]:
        environ = factory._base_environ(
            PATH_INFO=REPORT, QUERY_STRING=QUERY, REQUEST_METHOD="GET", HTTP_AUTHORIZATION=f"Bearer {token}"
        )
        status: list[str] = []
        headers: list[Any] = []
        t = time.perf_counter()
        body = app(environ, lambda s, h, exc_info=None: (status.append(s), headers.extend(h)))
        b"".join(body)
        elapsed = time.perf_counter() - t
        expect(status[0].startswith("200"), status)
        return dict(headers)["X-Read-From"], elapsed

    def side(max_lag: float, expected: str) -> list[float]:
        settings.DATABASE_REPLICA_MAX_LAG_SECONDS = max_lag
        forget_replica_health()
        call()  # the check, and warm connections
        times = []
        for _ in range(args.requests):
            source, elapsed = call()
            expect(source == expected, (source, expected))
            times.append(elapsed)
        return times

    say(f"report latency: {args.rounds} rounds × {args.requests} requests per side, alternating")
    replica: list[float] = []
    primary: list[float] = []
    for r in range(args.rounds):
        replica_round, primary_round = side(30.0, "replica"), side(-1.0, "primary")
        replica += replica_round
        primary += primary_round
        say(
            f"  round {r + 1}: replica {statistics.median(replica_round) * 1000:.1f} ms, "
            f"primary {statistics.median(primary_round) * 1000:.1f} ms"
        )

    settings.DATABASE_REPLICA_MAX_LAG_SECONDS = 30.0
    checks = []
    for _ in range(50):
        t = time.perf_counter()
        health = measure_replica()
        checks.append(time.perf_counter() - t)
        expect(health.usable, health)

    # Lag: replay paused, a write on the primary; with the default check interval and a 1 s bound, how long
    # until the reports come from the primary.
    settings.DATABASE_REPLICA_MAX_LAG_SECONDS = 1.0
    settings.DATABASE_REPLICA_CHECK_SECONDS = 5.0
    forget_replica_health()
    expect(call()[0] == "replica", "the replica should answer")
    pair.standby_sql("SELECT pg_wal_replay_pause()")
    fill_cells(1, 1, first_year=2019)
    written = time.perf_counter()
    while call()[0] != "primary":
        time.sleep(0.05)
        expect(time.perf_counter() - written < 30, "lag never noticed")
    lag_noticed = time.perf_counter() - written
    pair.standby_sql("SELECT pg_wal_replay_resume()")
    resumed = time.perf_counter()
    while call()[0] != "replica":
        time.sleep(0.05)
        expect(time.perf_counter() - resumed < 30, "recovery never noticed")
    back = time.perf_counter() - resumed

    # Down: the standby stops; the next request fails over within itself, the ones after skip the replica.
    pair.stop(pair.standby_dir)
    source, failed_over = call()
    expect(source == "primary", source)
    # With the standby refusing connections, what a check costs (each request pays it once per interval).
    down_checks = []
    for _ in range(50):
        t = time.perf_counter()
        health = measure_replica()
        down_checks.append(time.perf_counter() - t)
        expect(health.reason == "down", health)

    med = statistics.median
    result = {
        "cells": cells,
        "query": f"{REPORT}?{QUERY}",
        "requests_per_side": args.requests * args.rounds,
        "report_ms": {
            "replica_median": round(med(replica) * 1000, 2),
            "primary_median_baseline": round(med(primary) * 1000, 2),
            "ratio_replica_over_primary": round(med(replica) / med(primary), 3),
        },
        "replica_check_ms_median": round(med(checks) * 1000, 2),
        "lag_noticed_after_s": {"value": round(lag_noticed, 2), "bound_s": 1.0, "check_interval_s": 5.0},
        "replica_used_again_after_resume_s": round(back, 2),
        "replica_stopped_ms": {
            "first_request_failed_over": round(failed_over * 1000, 1),
            "check_median_connection_refused": round(med(down_checks) * 1000, 2),
            "baseline_primary_median": round(med(primary) * 1000, 2),
        },
        "pair_setup_s": {step: round(seconds, 2) for step, seconds in pair.timings.items()},
    }
    lines = [
        "Read replica (bench/replica/run.py), same run, medians",
        f"report {REPORT}?{QUERY} over {cells:,} cells, {args.rounds} × {args.requests} requests per side",
        f"  from the replica     {result['report_ms']['replica_median']:8.2f} ms",
        f"  from the primary     {result['report_ms']['primary_median_baseline']:8.2f} ms  (baseline)",
        f"  ratio replica/primary {result['report_ms']['ratio_replica_over_primary']:.3f}",
        f"replica check (primary LSN + replica replay state): {result['replica_check_ms_median']:.2f} ms",
        f"lag noticed {lag_noticed:.2f} s after the write (bound 1 s, check every 5 s); replica read again "
        f"{back:.2f} s after replay resumed",
        f"standby stopped: first request {failed_over * 1000:.1f} ms (failed over within the request) vs primary "
        f"baseline {med(primary) * 1000:.2f} ms; a check against the stopped standby {med(down_checks) * 1000:.2f} ms",
        "pair setup: " + ", ".join(f"{k} {v} s" for k, v in result["pair_setup_s"].items()),
    ]
    say("\n".join(lines))
    out = ROOT / "bench" / "replica" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "latest.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    (out / "latest.txt").write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
