"""Statistics benchmark: full recompute, incremental fold and report queries over 10,000,000 contracts.

    .venv/bin/python bench/stats/run.py                       # 10,000,000 registered contracts
    .venv/bin/python bench/stats/run.py --reuse               # keep the generated database
    .venv/bin/python bench/stats/run.py --contracts 200000    # a small run (database bench_stats_200000)

Steps: generate (or reuse) a ``bench_stats*`` database (bench/stats/generate.py: contracts, deductions,
registrations, registration events and payments loaded with COPY); then, in a fresh process (so its
peak RSS is the measurement's), each figure beside a baseline measured in the same run:

- ``baseline GROUP BY``: the plain SQL a person would write over the same rows (amount events and
  payments joined to their contract, grouped by month and every cut, like grain 0), median of
  ``--runs`` after a warm-up run;
- ``stats_recompute(repair=True)``: the first run builds the state from empty (unrecorded: the warm-up),
  then median of ``--recompute-runs``; goal ≤ 1.0 × the baseline (issue 22; it was 1.5 ×);
- ``stats_fold_contract`` per new amount event (a change recorded through
  ``registration_record_event``) for ``--fold-events`` random registered contracts, p50/p99, beside one
  trivial single-row UPDATE in its own transaction; goal p50 < 5 ms;
- ``stats_report`` over a mix of report queries (``--report-repeats`` each), p50/p99 per kind and overall,
  beside the same cut as a plain GROUP BY on the raw rows for two kinds; goal p50 < 30 ms;
- rows and sizes of every table, cells per grain, peak RSS.

Results: bench/stats/results/latest.{txt,json,svg}. Exit status 1 when a run is invalid (the
recompute finds differences after a clean fold, a fold changes nothing for a new amount event, or a
replayed fold changes something), not when a goal is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

REPO_DIR = Path(__file__).resolve().parents[2]
if str(REPO_DIR) not in sys.path:
    sys.path.insert(0, str(REPO_DIR))

from bench.database import admin_connection, django_env, setup_django  # noqa: E402
from bench.stats import generate  # noqa: E402
from bench.stats.measure import Output  # noqa: E402

DEFAULT_CONTRACTS = 10_000_000
DATABASE_PREFIX = "bench_stats"
RESULTS_DIR = Path(__file__).resolve().parent / "results"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contracts", type=int, default=DEFAULT_CONTRACTS, help="registered contracts to generate")
    parser.add_argument("--seed", type=int, default=20261205, help="same seed and size, same data")
    parser.add_argument("--reuse", action="store_true", help="keep the database if it holds this size and seed")
    parser.add_argument("--database-url", help="default postgres://postgres@127.0.0.1:5432/bench_stats[_<n>]")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/8")
    parser.add_argument("--workers", type=int, default=2, help="generator processes")
    parser.add_argument("--runs", type=int, default=3, help="measured runs of the baseline GROUP BY (after a warm-up)")
    parser.add_argument("--recompute-runs", type=int, default=2, help="measured recomputes (after the first)")
    parser.add_argument(
        "--rounds", type=int, default=3, help="alternating baseline / recompute rounds (when both steps run)"
    )
    parser.add_argument("--fold-events", type=int, default=2000, help="new amount events folded one by one")
    parser.add_argument("--report-repeats", type=int, default=30, help="runs of each report query kind")
    parser.add_argument("--raw-report-runs", type=int, default=3, help="runs of each raw GROUP BY report baseline")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE the baseline and the grain-0 build")
    parser.add_argument(
        "--no-check", dest="check_after_fold", action="store_false", help="skip the recompute after the folds"
    )
    parser.add_argument("--work-mem", default="256MB", help="work_mem of the measuring sessions")
    parser.add_argument(
        "--only", help="comma-separated steps: baseline,recompute,fold,report (default all; sizes always)"
    )
    parser.add_argument("--results-dir", type=Path, default=RESULTS_DIR)
    parser.add_argument("--phase", choices=["all", "measure"], default="all", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def database_url(args: argparse.Namespace) -> str:
    if args.database_url:
        return str(args.database_url)
    name = DATABASE_PREFIX if args.contracts == DEFAULT_CONTRACTS else f"{DATABASE_PREFIX}_{args.contracts}"
    return f"postgres://postgres@127.0.0.1:5432/{name}"


def _env(args: argparse.Namespace) -> dict[str, str]:
    return django_env(database_url(args), args.redis_url, name="stats")


def _setup_django(args: argparse.Namespace) -> None:
    setup_django(_env(args))


# --- the database ---------------------------------------------------------------------------------


def read_meta(url: str) -> dict[str, Any] | None:
    import psycopg2

    try:
        conn = psycopg2.connect(url)
    except psycopg2.OperationalError:
        return None
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT to_regclass(%s)", [generate.META_TABLE])
            if cur.fetchone()[0] is None:
                return None
            cur.execute(f"SELECT value FROM {generate.META_TABLE} WHERE key = 'generated'")  # noqa: S608
            row = cur.fetchone()
            return row[0] if row else None
    finally:
        conn.close()


def migrate(args: argparse.Namespace) -> None:
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=REPO_DIR, env=_env(args), check=True
    )


def ensure_database(args: argparse.Namespace, out: Output) -> dict[str, Any]:
    """Reuse the database when it holds this size, seed and generator version; else drop, migrate, load."""
    import psycopg2

    url = database_url(args)
    name = url.rsplit("/", 1)[1]
    if not name.startswith(DATABASE_PREFIX):
        raise SystemExit(f"refusing to use {name}: only {DATABASE_PREFIX}* databases are dropped or created")
    meta = read_meta(url)
    wanted = {"version": generate.GENERATOR_VERSION, "contracts": args.contracts, "seed": args.seed}
    if args.reuse and meta and all(meta.get(k) == v for k, v in wanted.items()):
        out(f"reusing {name} (generated {meta['today']}, {meta['stats']['total_seconds']} s); migrating…")
        migrate(args)
        return meta
    if args.reuse:
        out(f"--reuse: {name} does not hold {wanted} (found {meta and {k: meta.get(k) for k in wanted}}); generating")
    admin = admin_connection(url)
    with admin.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cur.execute(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0")
    admin.close()
    out(f"migrating {name}…")
    migrate(args)
    _setup_django(args)
    from apps.contracts.selectors import market_today

    conn = psycopg2.connect(url)
    try:
        meta = generate.generate(
            conn, contracts=args.contracts, seed=args.seed, today=market_today(), workers=args.workers
        )
    finally:
        conn.close()
    stats = meta["stats"]
    rows = sum(stats["rows"].values())
    out(
        f"generated {args.contracts:,} contracts ({rows:,} rows) in {stats['total_seconds']:.0f} s: "
        f"{stats['contracts_per_second']:,} contracts/s, {stats['rows_per_second']:,} rows/s "
        f"(COPY {stats['copy_seconds']} s, indexes {stats['indexes_seconds']} s, "
        f"VACUUM ANALYZE {stats['vacuum_analyze_seconds']} s)"
    )
    return meta


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.phase == "measure":
        from bench.stats import measure

        return measure.run(args)
    out = Output()
    started = datetime.now().astimezone()
    out(f"stats benchmark {started:%Y-%m-%d %H:%M:%S %z} on {platform.node()} ({os.cpu_count()} CPUs)")
    meta = ensure_database(args, out)
    args.results_dir.mkdir(parents=True, exist_ok=True)
    (args.results_dir / "generation.json").write_text(json.dumps(meta, indent=1, default=str) + "\n")
    # A fresh process: its peak RSS is the measurement's, not the generator's.
    cmd = [sys.executable, __file__, "--phase", "measure", *_passthrough(argv)]
    code = subprocess.run(cmd, cwd=REPO_DIR, env=_env(args), check=False).returncode  # noqa: S603
    _purge_queue(args.redis_url)
    return code


def _passthrough(argv: list[str] | None) -> list[str]:
    given = list(sys.argv[1:] if argv is None else argv)
    return [a for a in given if a != "--reuse"]


def _purge_queue(redis_url: str) -> None:
    # Recording events enqueues stats.fold_contract; no worker consumes them here.
    import redis

    redis.Redis.from_url(redis_url).delete("celery")


if __name__ == "__main__":
    started_at = time.perf_counter()
    code = main()
    print(f"done in {time.perf_counter() - started_at:.0f} s")
    sys.exit(code)
