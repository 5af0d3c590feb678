"""Listings benchmark: search and filtered lists under concurrent load, beside a bare Django JSON view.

    .venv/bin/python bench/listings/run.py                       # 1,000,000 achievements, 100,000 demands
    .venv/bin/python bench/listings/run.py --reuse               # keep the generated database
    .venv/bin/python bench/listings/run.py --achievements 20000 --demands 2000 --duration-s 5

Steps: generate (or reuse) a ``bench_listings*`` database; count the queries of the list endpoints at
page sizes 10, 20 and 100; start gunicorn as in production with bench/listings/settings.py on
127.0.0.1; run every scenario at a fixed concurrency for a fixed time after a warm-up, with a listing
edited every --write-every-s seconds (each write invalidates the shared page cache of anonymous pages, as
owners' edits do in production); list scenarios browse pages 1-5 from several first pages, search scenarios
interleave the head texts one to one with a long tail of 3,000 texts typed once; the page cache's hit rate
(X-Listings-Cache) is reported per scenario, for head and tail URLs apart; EXPLAIN
(ANALYZE, BUFFERS) the slowest URL of each scenario; write results/latest.{txt,json,svg}. Exit status 1
when a request failed or a list's query count grew with the page size.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import runpy
import secrets
import sys
import threading
import time
import warnings
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from statistics import median
from typing import Any

REPO_DIR = Path(__file__).resolve().parents[2]
if str(REPO_DIR) not in sys.path:
    sys.path.insert(0, str(REPO_DIR))

from tqdm import tqdm  # noqa: E402

from bench.listings import generate, load, report, scenarios  # noqa: E402

DEFAULT_ACHIEVEMENTS = 1_000_000
DEFAULT_DEMANDS = 100_000
RESULTS_DIR = Path(__file__).resolve().parent / "results"
PAGE_SIZES = (10, 20, 100)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--achievements", type=int, default=DEFAULT_ACHIEVEMENTS)
    parser.add_argument("--demands", type=int, default=DEFAULT_DEMANDS)
    parser.add_argument("--organizations", type=int, default=400)
    parser.add_argument("--seed", type=int, default=20260101, help="same seed and sizes, same data")
    parser.add_argument("--reuse", action="store_true", help="keep the database if it holds this size and seed")
    parser.add_argument(
        "--database-url",
        help="default: postgres://postgres@127.0.0.1:5432/bench_listings (or bench_listings_<a>_<d> for other sizes)",
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--duration-s", type=float, default=20, help="measured seconds per scenario")
    parser.add_argument("--warmup-s", type=float, default=5, help="unrecorded seconds before each scenario")
    parser.add_argument(
        "--concurrency",
        type=int,
        default=os.cpu_count() or 2,
        help="keep-alive clients (default: one per core, which already keeps every core busy; more clients "
        "only queue, and each doubling of them doubles the latency at the same throughput)",
    )
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: deploy/gunicorn.conf.py's)")
    parser.add_argument("--threads", type=int, help="gunicorn threads per worker (default: the config's)")
    parser.add_argument("--gen-processes", type=int, default=os.cpu_count() or 2, help="generator processes")
    parser.add_argument("--only", help="comma-separated scenario names (bare always runs)")
    parser.add_argument(
        "--template-database",
        help="create the database as a copy of this migrated one without generated rows (skips slow migrations)",
    )
    parser.add_argument(
        "--write-every-s",
        type=float,
        default=5.0,
        help="edit a published listing this often during every scenario (0: never); each write invalidates the "
        "shared page cache, as owners' edits do in production",
    )
    parser.add_argument(
        "--no-match-counts", action="store_true", help="skip counting each search text's published matches"
    )
    parser.add_argument("--no-explain", action="store_true", help="skip EXPLAIN (ANALYZE, BUFFERS)")
    parser.add_argument("--results-dir", type=Path, default=RESULTS_DIR)
    return parser.parse_args(argv)


def database_url(args: argparse.Namespace) -> str:
    if args.database_url:
        return str(args.database_url)
    default_size = (args.achievements, args.demands) == (DEFAULT_ACHIEVEMENTS, DEFAULT_DEMANDS)
    name = "bench_listings" if default_size else f"bench_listings_{args.achievements}_{args.demands}"
    return f"postgres://postgres@127.0.0.1:5432/{name}"


def service_env(args: argparse.Namespace, url: str) -> dict[str, str]:
    """Production settings (DEBUG off) on loopback; throttling stays on, with a rate the load cannot reach."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "GUNICORN_", "CELERY_"))}
    env.update(
        {
            "DATABASE_URL": url,
            "REDIS_URL": args.redis_url,
            "CACHE_KEY_PREFIX": "bench_listings",
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_SECURE_SSL_REDIRECT": "0",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "THROTTLE_ANON": "1000000/s",
            "THROTTLE_USER": "1000000/s",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    return env


class Output:
    """Everything printed is also kept for results/latest.txt."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def __call__(self, text: str = "") -> None:
        tqdm.write(text)
        self.lines.append(text)


def ensure_database(args: argparse.Namespace, url: str, env: dict[str, str], out: Output) -> dict[str, Any]:
    wanted = {
        "version": generate.GENERATOR_VERSION,
        "achievements": args.achievements,
        "demands": args.demands,
        "organizations": args.organizations,
        "seed": args.seed,
    }
    meta = generate.read_meta(url)
    if args.reuse and meta and all(meta.get(k) == v for k, v in wanted.items()):
        out(f"reusing {generate.database_name(url)} (generated {meta['generated_at']}); migrating…")
        generate.migrate(url, env)
        return meta
    if args.reuse:
        found = {k: meta.get(k) for k in wanted} if meta else None
        out(f"--reuse: {generate.database_name(url)} holds {found}, not {wanted}: generating")
    meta = generate.generate(
        url,
        achievements=args.achievements,
        demands=args.demands,
        organizations=args.organizations,
        seed=args.seed,
        workers=args.gen_processes,
        env=env,
        template=args.template_database,
    )
    stats = meta["stats"]
    for kind in ("achievements", "demands"):
        rows, seconds = stats[kind]["rows"], stats[kind]["seconds"]
        out(f"generated {rows:,} {kind} in {seconds:.0f} s ({rows / max(seconds, 0.001):,.0f} rows/s, COPY incl.)")
    out(
        f"indexes rebuilt in {stats['indexes_seconds']:.0f} s, VACUUM ANALYZE {stats['vacuum_analyze_seconds']:.0f} s; "
        f"total {stats['total_seconds']:.0f} s; database {stats['database_bytes'] / 2**30:.2f} GiB"
    )
    return meta


# --- in-process measurements (Django test client against the same database) --------------------


def setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.listings.settings"
    import django

    django.setup()


def query_counts() -> tuple[dict[str, dict[int, int]], dict[str, dict[int, int]]]:
    """Queries per request and rows per page of each list, at every page size (pages built, not cached)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    with override_settings(LISTING_PAGE_CACHE_SECONDS=0):
        return _query_counts(Client, connection, CaptureQueriesContext)


def _query_counts(Client: Any, connection: Any, CaptureQueriesContext: Any) -> Any:  # noqa: N803

    client = Client(HTTP_HOST="127.0.0.1")
    ach, dem = "/api/v1/achievements", "/api/v1/demands"
    cases = {
        "achievements": scenarios.url(ach, []),
        "achievements filtered (industry)": scenarios.url(ach, scenarios.ACHIEVEMENT_FILTERS[1]),
        "achievements search (relevance)": scenarios.url(ach, [("q", "汽车")]),
        "achievements search (newest)": scenarios.url(ach, [("q", "汽车"), ("ordering", "-published_at")]),
        "demands": scenarios.url(dem, []),
        "demands search (relevance)": scenarios.url(dem, [("q", "汽车")]),
    }
    counts: dict[str, dict[int, int]] = {}
    rows: dict[str, dict[int, int]] = {}
    for name, path in cases.items():
        client.get(path)  # connection, caches: the first request of a process does more
        counts[name], rows[name] = {}, {}
        for size in PAGE_SIZES:
            sized = path.replace("page_size=20", f"page_size={size}")
            with CaptureQueriesContext(connection) as captured:
                response = client.get(sized)
            if response.status_code != 200:
                raise RuntimeError(f"{sized}: HTTP {response.status_code} {response.content[:300]!r}")
            counts[name][size] = len(captured.captured_queries)
            rows[name][size] = len(response.json()["results"])
    return counts, rows


def explain(path: str) -> tuple[str, float]:
    """EXPLAIN (ANALYZE, BUFFERS) of every SELECT the request runs (the page built, not read from the shared
    cache); the text and the largest execution time."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    with override_settings(LISTING_PAGE_CACHE_SECONDS=0), CaptureQueriesContext(connection) as captured:
        Client(HTTP_HOST="127.0.0.1").get(path)
    parts = [f"GET {path}", ""]
    slowest = 0.0
    for n, query in enumerate(captured.captured_queries, start=1):
        sql = query["sql"]
        parts.append(f"-- query {n} ({query['time']} s in the request)")
        parts.append(sql)
        if not sql.lstrip().upper().startswith("SELECT"):
            continue
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS, SETTINGS) " + sql)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        found = re.search(r"Execution Time: ([\d.]+) ms", plan)
        if found:
            slowest = max(slowest, float(found.group(1)))
        parts += ["", plan, ""]
    return "\n".join(parts) + "\n", slowest


def match_counts(table: str, texts: list[str]) -> dict[str, int | None]:
    """Published rows matching each search text (None when counting took over 20 s)."""
    from django.db import OperationalError, connection, transaction

    from apps.listings import search

    counts: dict[str, int | None] = {}
    for text in texts:
        words = search.query_text(text)
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET LOCAL statement_timeout = '20s'")
                cursor.execute(
                    f"SELECT count(*) FROM {table} WHERE status = 'published' "  # noqa: S608 — our table name
                    "AND search_vector @@ plainto_tsquery('simple', %s)",
                    [words],
                )
                counts[text] = int(cursor.fetchone()[0])
        except OperationalError:
            counts[text] = None
    return counts


def server_facts() -> dict[str, Any]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        version = cursor.fetchone()[0].split(" on ")[0]
        settings = {}
        for name in ("shared_buffers", "work_mem", "effective_cache_size", "random_page_cost", "jit"):
            cursor.execute(f"SHOW {name}")
            settings[name] = cursor.fetchone()[0]
        cursor.execute(
            "SELECT relname, pg_size_pretty(pg_total_relation_size(oid)) FROM pg_class "
            "WHERE relname IN ('listings_achievement', 'listings_demand', 'achievement_search', 'demand_search')"
        )
        sizes = dict(cursor.fetchall())
    return {"postgres": version, "postgres_settings": settings, "sizes": sizes}


# --- the load phase ----------------------------------------------------------------------------


def prepare_targets(server: load.Server, plan: list[scenarios.Scenario], out: Output) -> None:
    """Fetch every URL once: it must answer 200; whether it has rows decides if rows are expected under load."""
    for scenario in plan:
        for first in scenario.browse:
            path: str | None = first
            for page in range(1, scenario.pages + 1):
                if path is None:
                    break
                status, payload = load.fetch_json(server.base, path)
                if status != 200:
                    raise RuntimeError(f"{path}: HTTP {status} before the load started")
                label = f"page {page} of {first}"
                weight = 2 ** (scenario.pages - page)
                scenario.targets += [load.Target(path, label=label)] * weight
                path = scenarios.path_of(payload["next"]) if payload.get("next") else None
        if scenario.name == "ach_cursor_p2":
            for params in scenarios.CURSOR_SOURCES:
                first = scenarios.url("/api/v1/achievements", params)
                status, payload = load.fetch_json(server.base, first)
                if status == 200 and payload.get("next"):
                    label = f"page 2 of {first}"
                    scenario.targets.append(load.Target(scenarios.path_of(payload["next"]), label=label))
        empty = []
        probe = list({id(t): t for t in scenario.targets if not t.tail}.values())
        for target in report.progress(probe, detail=True, desc=f"probe {scenario.name}", unit="url", leave=False):
            status, payload = load.fetch_json(server.base, target.path)
            if status != 200:
                raise RuntimeError(f"{target.path}: HTTP {status} before the load started")
            target.expect_results = bool(payload["results"])
            if not target.expect_results:
                empty.append(target.label or target.path)
        if empty:
            note = f"{len(empty)} of {len(scenario.targets)} URLs have no rows at this size: {', '.join(empty[:6])}"
            scenario.notes.append(note)
            if scenario.kind != "search":
                out(f"warning: {scenario.name}: {note}")
    out(
        "targets per scenario (distinct URLs): "
        + ", ".join(f"{s.name} {len({t.path for t in s.targets})}" for s in plan if s.kind != "bare")
    )


class Writer:
    """Edits a published listing every ``every_s`` seconds while a scenario runs, as the market's owners do
    (an UPDATE that the listings' triggers count): a shared page cache must earn its hits between writes.
    The first write comes at the scenario's start, so no page cached while probing survives into it."""

    def __init__(self, url: str, every_s: float) -> None:
        import psycopg2

        self.every_s = every_s
        self.writes = 0
        self._stop = threading.Event()
        self._conn = psycopg2.connect(url)
        self._conn.autocommit = True
        with self._conn.cursor() as cur:
            ids: dict[str, list[int]] = {}
            for table in ("listings_achievement", "listings_demand"):
                cur.execute(f"SELECT id FROM {table} WHERE status = 'published' ORDER BY id DESC LIMIT 1000")  # noqa: S608
                ids[table] = [row[0] for row in cur.fetchall()]
        self._ids = ids
        self._rng = random.Random(7)
        self._thread: threading.Thread | None = None

    def _write(self) -> None:
        table = "listings_achievement" if self.writes % 2 == 0 else "listings_demand"
        with self._conn.cursor() as cur:
            cur.execute(
                f"UPDATE {table} SET updated_at = now() WHERE id = %s",  # noqa: S608 — our table names
                [self._rng.choice(self._ids[table])],
            )
        self.writes += 1

    def _loop(self) -> None:
        while True:
            self._write()
            if self._stop.wait(self.every_s):
                return

    def __enter__(self) -> Writer:
        self.writes = 0
        self._stop.clear()
        if self.every_s > 0:
            self._thread = threading.Thread(target=self._loop, daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join()

    def close(self) -> None:
        self._conn.close()


def run_scenario(server: load.Server, scenario: scenarios.Scenario, args: argparse.Namespace) -> load.Outcome:
    total = args.warmup_s + args.duration_s
    with report.progress(total=round(total), detail=True, desc=scenario.name.ljust(20), unit="s", leave=False) as bar:

        def progress(elapsed: float) -> None:
            bar.n = min(round(elapsed), round(total))
            bar.refresh()

        return load.run_load(
            server.port,
            scenario.targets,
            concurrency=args.concurrency,
            warmup_s=args.warmup_s,
            duration_s=args.duration_s,
            progress=progress,
        )


def cache_figures(scenario: scenarios.Scenario, outcome: load.Outcome) -> dict[str, Any]:
    """Share of requests answered from the shared page cache, overall and for head and tail URLs."""
    figures: dict[str, Any] = {}
    for part, samples in (
        ("all", outcome.samples),
        ("head", [s for s in outcome.samples if not scenario.targets[s.target].tail]),
        ("tail", [s for s in outcome.samples if scenario.targets[s.target].tail]),
    ):
        if not samples:
            continue
        hits = sum(1 for s in samples if s.cache == "HIT")
        misses = sum(1 for s in samples if s.cache == "MISS")
        figures[part] = {
            "requests": len(samples),
            "hits": hits,
            "misses": misses,
            "hit_rate": round(hits / len(samples), 3),
            "p50_hit_ms": round(median([s.ms for s in samples if s.cache == "HIT"]), 2) if hits else None,
            "p50_miss_ms": round(median([s.ms for s in samples if s.cache != "HIT"]), 2)
            if len(samples) > hits
            else None,
        }
    return figures


def per_target(scenario: scenarios.Scenario, outcome: load.Outcome) -> list[dict[str, Any]]:
    """Figures per distinct URL; the long tail of searches as one summary row."""
    by_path: dict[str, list[float]] = defaultdict(list)
    tail: list[float] = []
    for sample in outcome.samples:
        target = scenario.targets[sample.target]
        (tail if target.tail else by_path[target.path]).append(sample.ms)
    rows = []
    distinct = {t.path: t for t in scenario.targets if not t.tail}
    tail_urls = len({t.path for t in scenario.targets if t.tail})
    if tail_urls:
        rows.append(
            {
                "path": f"({tail_urls} long-tail search URLs)",
                "label": "tail",
                "requests": len(tail),
                "p50_ms": round(median(tail), 2) if tail else None,
                "max_ms": round(max(tail), 2) if tail else None,
                "has_rows": None,
            }
        )
    for path, target in distinct.items():
        values = by_path.get(path, [])
        rows.append(
            {
                "path": target.path,
                "label": target.label,
                "requests": len(values),
                "p50_ms": round(median(values), 2) if values else None,
                "max_ms": round(max(values), 2) if values else None,
                "has_rows": target.expect_results,
            }
        )
    return rows


@dataclass
class LoadPhase:
    outcomes: dict[str, load.Outcome]
    recycled: dict[str, int]  # gunicorn workers booted during each scenario (max_requests recycling)
    writes: dict[str, int]  # listings edited during each scenario (Writer)
    workers: int
    threads: int


def gunicorn_config(env: dict[str, str]) -> dict[str, Any]:
    """The settings deploy/gunicorn.conf.py gives in the service's environment (what gunicorn will use)."""
    saved = dict(os.environ)
    try:
        os.environ.clear()
        os.environ.update(env)
        return runpy.run_path(str(REPO_DIR / "deploy" / "gunicorn.conf.py"))
    finally:
        os.environ.clear()
        os.environ.update(saved)


def load_phase(args: argparse.Namespace, env: dict[str, str], plan: list[scenarios.Scenario], out: Output) -> LoadPhase:
    server = load.Server(env, workers=args.workers, threads=args.threads)
    writer = Writer(env["DATABASE_URL"], args.write_every_s)
    config = gunicorn_config(env)
    phase = LoadPhase(
        outcomes={},
        recycled={},
        writes={},
        workers=args.workers or int(config["workers"]),
        threads=args.threads or int(config["threads"]),
    )
    try:
        server.start()
        prepare_targets(server, plan, out)
        out()
        out(
            f"load: {args.concurrency} keep-alive clients, {args.warmup_s:g} s warm-up + {args.duration_s:g} s per "
            f"scenario; gunicorn {phase.workers} workers × {phase.threads} threads on {server.base}; "
            + (f"a listing edited every {args.write_every_s:g} s" if args.write_every_s > 0 else "no writes")
        )
        for scenario in report.progress(plan, desc="scenarios", unit="scenario"):
            boots = server.count_in_log("Booting worker")
            with writer:
                phase.outcomes[scenario.name] = run_scenario(server, scenario, args)
            phase.writes[scenario.name] = writer.writes
            phase.recycled[scenario.name] = server.count_in_log("Booting worker") - boots
    except BaseException:
        tqdm.write(server.tail())
        raise
    finally:
        server.cleanup()
        writer.close()
    return phase


def scenario_rows(plan: list[scenarios.Scenario], phase: LoadPhase) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    bare_p50 = bare_rps = None
    for scenario in plan:
        outcome = phase.outcomes[scenario.name]
        stats = report.summarize([s.ms for s in outcome.samples], outcome.measured_seconds)
        if scenario.name == "bare":
            bare_p50, bare_rps = stats["p50_ms"], stats["rps"]
        goal = scenario.goal
        rps_ratio = round(stats["rps"] / bare_rps, 3) if bare_rps else None
        speed_goal = scenarios.SPEED_GOAL_RPS_RATIO if scenario.kind != "bare" else None
        rows.append(
            {
                "name": scenario.name,
                "description": scenario.description,
                **stats,
                "errors": sum(outcome.errors.values()),
                "error_kinds": outcome.errors,
                "error_examples": outcome.error_examples,
                "ratio_to_bare_p50": round(stats["p50_ms"] / bare_p50, 2) if bare_p50 else None,
                "goal": str(goal) if goal else None,
                "goal_met": (stats[f"{goal.metric}_ms"] < goal.limit_ms) if goal else None,
                # Issue 22: requests per second at least this share of the bare view's in the same run.
                "ratio_to_bare_rps": rps_ratio,
                "speed_goal": f"req/s ≥ {speed_goal:g}× bare" if speed_goal else None,
                "speed_goal_met": (rps_ratio is not None and rps_ratio >= speed_goal) if speed_goal else None,
                "workers_recycled": phase.recycled.get(scenario.name, 0),
                "writes": phase.writes.get(scenario.name, 0),
                "cache": cache_figures(scenario, outcome),
                "notes": scenario.notes,
                "urls": len(scenario.targets),
                "targets": per_target(scenario, outcome),
            }
        )
    return rows


def search_breakdown(rows: list[dict[str, Any]], out: Output, *, no_counts: bool = False) -> None:
    """Per search text: published matches and p50, by how common the text's words are."""
    texts = [text for text, _kind in scenarios.SEARCH_QUERIES]
    kinds = dict(scenarios.SEARCH_QUERIES)
    for name, table in (("ach_search", "listings_achievement"), ("dem_search", "listings_demand")):
        row = next((r for r in rows if r["name"] == name), None)
        if row is None:
            continue
        matches = {} if no_counts else match_counts(table, texts)
        by_kind: dict[str, list[float]] = defaultdict(list)
        head = [t for t in row["targets"] if t["label"] != "tail"]
        for target in head:
            text = target["label"].rsplit(" [", 1)[0]
            target["matches"] = matches.get(text)
            if target["p50_ms"] is not None:
                by_kind[kinds[text]].append(target["p50_ms"])
        row["p50_by_kind_ms"] = {kind: round(median(values), 1) for kind, values in by_kind.items()}
        out()
        out(
            f"{name}: median of the per-text p50 by kind: "
            + ", ".join(f"{kind} {value} ms" for kind, value in row["p50_by_kind_ms"].items())
        )
        out(f"{name}: slowest texts (p50 ms, published matches):")
        for target in sorted(head, key=lambda t: -(t["p50_ms"] or 0))[:10]:
            text = target["label"].rsplit(" [", 1)[0]
            out(f"  {target['p50_ms']:>8.1f}  {target['matches']!s:>8}  {text} [{kinds[text]}]")


def explain_slowest(rows: list[dict[str, Any]], results_dir: Path, out: Output) -> dict[str, dict[str, Any]]:
    for old in results_dir.glob("explain-*.txt"):
        old.unlink()
    out()
    out("EXPLAIN (ANALYZE, BUFFERS) of each scenario's slowest URL (after the load, warm cache):")
    explained: dict[str, dict[str, Any]] = {}
    for row in rows:
        if row["name"].startswith("bare"):
            continue
        slowest = max((t for t in row["targets"] if t["label"] != "tail"), key=lambda t: t["p50_ms"] or 0)
        text, execution_ms = explain(slowest["path"])
        file = results_dir / f"explain-{row['name']}.txt"
        file.write_text(text, encoding="utf-8")
        explained[row["name"]] = {"path": slowest["path"], "p50_ms": slowest["p50_ms"], "execution_ms": execution_ms}
        out(f"  {row['name']:<20} {execution_ms:>9.1f} ms in PostgreSQL  {file.name}  {slowest['path']}")
    return explained


def main(argv: list[str] | None = None) -> int:
    warnings.filterwarnings("ignore", message="No directory at")  # whitenoise: no collectstatic here
    args = parse_args(argv)
    out = Output()
    url = database_url(args)
    env = service_env(args, url)
    started = datetime.now().astimezone()
    out(f"listings benchmark {started:%Y-%m-%d %H:%M:%S %z} on {platform.node()} ({os.cpu_count()} CPUs)")
    meta = ensure_database(args, url, env, out)
    setup_django(env)
    facts = server_facts()
    out(
        f"data: {meta['achievements']:,} achievements, {meta['demands']:,} demands, {meta['organizations']} "
        f"organisations in {generate.database_name(url)}; {facts['postgres']}; "
        + ", ".join(f"{k}={v}" for k, v in facts["postgres_settings"].items())
    )
    out("sizes (table+TOAST+indexes / GIN index): " + ", ".join(f"{k} {v}" for k, v in sorted(facts["sizes"].items())))

    counts, page_rows = query_counts()
    constant = all(len(set(by_size.values())) == 1 for by_size in counts.values())
    out()
    out("queries per list request (Django test client, same database, anonymous reader):")
    out(report.query_count_table(counts))

    plan = scenarios.plan(datetime.now(generate.TZ).date())
    if args.only:
        wanted = {"bare", "bare_end", *args.only.split(",")}
        plan = [s for s in plan if s.name in wanted]
    phase = load_phase(args, env, plan, out)
    rows = scenario_rows(plan, phase)

    out()
    out(report.table(rows))
    out(
        "(×bare p50: scenario p50 / bare view p50 of this run; gunicorn workers recycled (max_requests) per "
        "scenario: " + ", ".join(f"{r['name']} {r['workers_recycled']}" for r in rows if r["workers_recycled"]) + ")"
    )
    out()
    out(
        "shared page cache (X-Listings-Cache) per scenario: hit rate overall / head URLs / long-tail URLs; "
        "p50 of hits and misses"
    )
    for row in rows:
        cache = row["cache"]
        if not any(part["hits"] or part["misses"] for part in cache.values()):
            continue
        parts = " / ".join(f"{part} {cache[part]['hit_rate']:.0%}" for part in ("all", "head", "tail") if part in cache)
        out(
            f"  {row['name']:<20} hits {parts}; p50 hit {cache['all']['p50_hit_ms']} ms, "
            f"miss {cache['all']['p50_miss_ms']} ms; {row['writes']} writes during the scenario"
        )
    for row in rows:
        for note in row["notes"]:
            out(f"note {row['name']}: {note}")
        if row["errors"]:
            out(f"ERRORS {row['name']}: {row['error_kinds']} e.g. {row['error_examples'][:2]}")
    search_breakdown(rows, out, no_counts=args.no_match_counts)

    args.results_dir.mkdir(parents=True, exist_ok=True)
    explained = {} if args.no_explain else explain_slowest(rows, args.results_dir, out)

    out()
    out(
        "goals: "
        + "; ".join(f"{r['name']} {r['goal']}: {'ok' if r['goal_met'] else 'MISSED'}" for r in rows if r["goal"])
        + "; "
        + "; ".join(
            f"{r['name']} {r['speed_goal']}: {'ok' if r['speed_goal_met'] else 'MISSED'}"
            for r in rows
            if r.get("speed_goal")
        )
    )
    out(f"list query count constant in the page size: {'yes' if constant else 'NO'}")

    bare_p50 = rows[0]["p50_ms"] if rows and rows[0]["name"] == "bare" else None
    results = {
        "started_at": started.isoformat(),
        "host": {"node": platform.node(), "cpus": os.cpu_count(), "python": platform.python_version(), **facts},
        "data": meta,
        "load": {
            "concurrency": args.concurrency,
            "warmup_s": args.warmup_s,
            "duration_s": args.duration_s,
            "gunicorn_workers": phase.workers,
            "gunicorn_threads": phase.threads,
            "write_every_s": args.write_every_s,
        },
        "scenarios": rows,
        "query_counts": counts,
        "page_rows": page_rows,
        "query_count_constant": constant,
        "explain": explained,
    }
    (args.results_dir / "latest.json").write_text(
        json.dumps(results, ensure_ascii=False, indent=1, default=str) + "\n", encoding="utf-8"
    )
    subtitle = (
        f"{meta['achievements']:,} achievements, {meta['demands']:,} demands; {args.concurrency} clients; "
        f"bare view p50 {bare_p50} ms; {started:%Y-%m-%d %H:%M}"
    )
    (args.results_dir / "latest.svg").write_text(
        report.svg_chart(
            rows,
            title="Listings API latency on loopback (p50 / p99)",
            subtitle=subtitle,
            goal_lines=[(50, "search p50 goal 50 ms"), (100, "list p99 goal 100 ms")],
        ),
        encoding="utf-8",
    )
    out(f"results: {args.results_dir / 'latest.json'}, latest.svg, latest.txt")
    (args.results_dir / "latest.txt").write_text("\n".join(out.lines) + "\n", encoding="utf-8")
    failed = any(r["errors"] for r in rows) or not constant
    return 1 if failed else 0


if __name__ == "__main__":
    started_at = time.perf_counter()
    code = main()
    print(f"done in {time.perf_counter() - started_at:.0f} s")
    sys.exit(code)
