"""The measuring phase of bench/stats/run.py (a fresh process: its peak RSS is the measurement's).

Every figure has its baseline measured in the same run, on the same rows; see run.py's docstring.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import ROUND_DOWN, Decimal
from statistics import median
from typing import Any

from tqdm import tqdm

from bench.listings.report import percentile, progress, svg_chart

# Issue 22: the full recompute takes no longer than the plain GROUP BY of the same run (it was 1.5×).
RECOMPUTE_GOAL_RATIO = 1.0
FOLD_GOAL_MS = 5.0
REPORT_GOAL_MS = 30.0
STEPS = ("baseline", "recompute", "fold", "report")
SOURCE_TABLES = (
    "contracts_contract",
    "contracts_deduction",
    "contracts_registration",
    "contracts_registrationevent",
    "contracts_payment",
)
STATS_TABLES = ("stats_contractfigures", "stats_cell", "stats_recomputerun")


class Output:
    """Everything printed is also kept for results/latest.txt."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def __call__(self, text: str = "") -> None:
        tqdm.write(text)
        self.lines.append(text)


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 3)


def _summary(values_ms: list[float]) -> dict[str, float]:
    ordered = sorted(values_ms)
    return {
        "n": len(ordered),
        "p50_ms": round(percentile(ordered, 0.5), 3),
        "p90_ms": round(percentile(ordered, 0.9), 3),
        "p99_ms": round(percentile(ordered, 0.99), 3),
        "max_ms": round(ordered[-1], 3) if ordered else float("nan"),
    }


def _session(cursor: Any, args: argparse.Namespace) -> None:
    cursor.execute("SELECT set_config('work_mem', %s, false)", [args.work_mem])


# --- the server's CPU time ----------------------------------------------------------------------


def backend_cpu_s() -> float | None:
    """CPU seconds the PostgreSQL backend of Django's connection has used so far (user + system, from
    /proc: the server runs on this machine), or None when that is not readable. Wall time on a shared
    two-core machine mostly measures the neighbours; the backend's CPU time does not."""
    from django.db import connection

    connection.ensure_connection()
    pid = getattr(connection, "_bench_backend_pid", None)
    if pid is None:
        with connection.cursor() as cur:
            cur.execute("SELECT pg_backend_pid()")
            pid = cur.fetchone()[0]
        connection._bench_backend_pid = pid  # type: ignore[attr-defined]
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _cpu_delta(before: float | None) -> float | None:
    after = backend_cpu_s()
    return None if before is None or after is None else after - before


# --- SQL statement timing (the recompute's phases, without touching its code) ----------------------

_PHASES = (
    ("CREATE TEMP TABLE stats_rc ON", "build grain 0"),
    ("SET LOCAL default_statistics_target", "analyze grain 0"),
    ("INSERT INTO stats_rc", "build coarser grains"),
    ("CREATE TEMP TABLE stats_rc_suspects", "compare"),
    ("CREATE TEMP TABLE stats_rc_diff", "compare"),
    ("SELECT (SELECT count(*) FROM stats_rc)", "count"),
    ("DELETE FROM stats_cell", "repair cells"),
    ("CREATE TEMP TABLE stats_rc_figures", "repair figures"),
)


@contextmanager
def statement_clock(cpu_phases: dict[str, float] | None = None) -> Iterator[dict[str, float]]:
    """Seconds per recompute phase, from Django's execute wrapper around every statement (and the
    backend's CPU seconds per phase into ``cpu_phases`` when given)."""
    from django.db import connection

    phases: dict[str, float] = {}

    def wrapper(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        cpu = backend_cpu_s() if cpu_phases is not None else None
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            text = " ".join(str(sql).split())
            label = next((name for prefix, name in _PHASES if text.startswith(prefix)), "other")
            phases[label] = phases.get(label, 0.0) + time.perf_counter() - started
            spent = _cpu_delta(cpu) if cpu_phases is not None else None
            if cpu_phases is not None and spent is not None:
                cpu_phases[label] = cpu_phases.get(label, 0.0) + spent

    with connection.execute_wrapper(wrapper):
        yield phases


# --- baseline: the GROUP BY a person would write -------------------------------------------------


def baseline_sql(kinds: tuple[str, ...]) -> tuple[str, list[Any]]:
    """Amount events and payments joined to their contract, grouped by month and every cut column."""
    dims = (
        "c.type, c.legacy_class, c.technology_field_id, c.ip_type, c.programme_class, c.seller_entity_type_id, "
        "c.buyer_entity_type_id, c.seller_country_id, c.seller_region_id, c.buyer_country_id, c.buyer_region_id, "
        "c.deal_id"
    )
    sql = f"""
        CREATE TEMP TABLE bench_baseline ON COMMIT DROP AS
        SELECT date_trunc('month', f.day)::date AS month, {dims},
               sum(f.n) AS contract_count, sum(f.ca) AS contract_amount, sum(f.ta) AS technology_amount,
               sum(f.pa) AS paid_amount
        FROM (
            SELECT contract_id, effective_on AS day,
                   CASE kind WHEN 'registered' THEN 1 WHEN 'annulment' THEN -1 ELSE 0 END AS n,
                   contract_amount_delta AS ca, technology_amount_delta AS ta, 0::numeric AS pa
            FROM contracts_registrationevent WHERE kind = ANY(%s)
            UNION ALL
            SELECT contract_id, paid_on, 0, 0, 0, amount FROM contracts_payment
        ) f JOIN contracts_contract c ON c.id = f.contract_id
        GROUP BY 1, {dims}"""  # noqa: S608
    return sql, [list(kinds)]


def _baseline_once(args: argparse.Namespace, label: str, out: Output) -> dict[str, Any]:
    """One run of the plain GROUP BY in its own transaction: wall seconds, backend CPU seconds, groups."""
    from django.db import connection, transaction

    from apps.stats.folding import AMOUNT_KINDS

    sql, params = baseline_sql(tuple(sorted(AMOUNT_KINDS)))
    load = _load()
    with transaction.atomic(), connection.cursor() as cur:
        _session(cur, args)
        cpu = backend_cpu_s()
        started = time.perf_counter()
        cur.execute(sql, params)
        cur.execute("SELECT count(*) FROM bench_baseline")
        rows = cur.fetchone()[0]
        seconds = time.perf_counter() - started
        cpu_s = _cpu_delta(cpu)
    cpu_text = f", backend CPU {cpu_s:.2f} s" if cpu_s is not None else ""
    out(f"  baseline GROUP BY {label}: {seconds:.2f} s{cpu_text}, {rows:,} groups; load {load}")
    return {"seconds": round(seconds, 3), "cpu_s": _round(cpu_s), "groups": rows, "load_before": load}


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _median_or_none(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return round(median(known), 3) if known else None


def _baseline_summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    found = {
        "runs_s": [r["seconds"] for r in runs],
        "median_s": round(median(r["seconds"] for r in runs), 3),
        "cpu_runs_s": [r["cpu_s"] for r in runs],
        "cpu_median_s": _median_or_none([r["cpu_s"] for r in runs]),
        "groups": runs[-1]["groups"],
    }
    if "round_ratios" in runs[-1]:
        found["round_ratios"] = runs[-1]["round_ratios"]
    return found


def run_baseline(args: argparse.Namespace, out: Output) -> dict[str, Any]:
    runs = []
    for n in progress(range(args.runs + 1), desc="baseline GROUP BY", unit="run"):
        figures = _baseline_once(args, f"run {n}{' (warm-up)' if not n else ''}", out)
        if n:  # the first run warms the caches
            runs.append(figures)
    return _baseline_summary(runs)


# --- the full recompute --------------------------------------------------------------------------


def _recompute_once(label: str, out: Output) -> dict[str, Any]:
    from apps.stats.services import stats_recompute

    load = _load()
    cpu_phases: dict[str, float] = {}
    cpu = backend_cpu_s()
    with statement_clock(cpu_phases) as phases:
        started = time.perf_counter()
        run = stats_recompute(repair=True)
        seconds = time.perf_counter() - started
    cpu_s = _cpu_delta(cpu)
    # What no statement accounts for: mostly the COMMIT (deferred FK checks of the rows written).
    phases["commit and the rest"] = seconds - sum(phases.values())
    figures = {
        "seconds": round(seconds, 3),
        "cpu_s": _round(cpu_s),
        "phases_s": {k: round(v, 3) for k, v in phases.items()},
        "phases_cpu_s": {k: round(v, 3) for k, v in cpu_phases.items()},
        "cells": run.cells,
        "differences": run.differences,
        "repaired": run.repaired,
        "contracts": run.contracts,
        "load_before": load,
    }
    phase_text = ", ".join(f"{k} {v:.1f} s" for k, v in phases.items())
    cpu_text = f", backend CPU {cpu_s:.2f} s" if cpu_s is not None else ""
    out(
        f"  recompute {label}: {seconds:.2f} s{cpu_text} ({phase_text}); {run.cells:,} cells, "
        f"{run.differences:,} differences"
        f"{' repaired' if run.repaired else ''}; load {load}"
    )
    return figures


def run_alternating(args: argparse.Namespace, out: Output) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The baseline GROUP BY and the steady recompute in the same process, one after the other: a
    warm-up of each (not recorded), then ``--rounds`` rounds of one run each, the order flipped every
    round so that neither always runs on the caches the other left. Ratios per round are kept."""
    _baseline_once(args, "warm-up", out)
    _recompute_once("warm-up", out)
    base_runs: list[dict[str, Any]] = []
    runs: list[dict[str, Any]] = []
    ratios: list[dict[str, float | None]] = []
    for n in progress(range(args.rounds), desc="baseline / recompute rounds", unit="round"):
        if n % 2 == 0:
            base = _baseline_once(args, f"round {n + 1}", out)
            run = _recompute_once(f"round {n + 1}", out)
        else:
            run = _recompute_once(f"round {n + 1}", out)
            base = _baseline_once(args, f"round {n + 1}", out)
        base_runs.append(base)
        runs.append(run)
        wall = run["seconds"] / base["seconds"]
        cpu = run["cpu_s"] / base["cpu_s"] if run["cpu_s"] is not None and base["cpu_s"] else None
        ratios.append({"wall": round(wall, 3), "cpu": _round(cpu)})
        cpu_text = f", backend CPU {cpu:.2f}×" if cpu is not None else ""
        out(f"  round {n + 1}: recompute / GROUP BY {wall:.2f}× wall{cpu_text}")
    base_runs[-1]["round_ratios"] = ratios
    return base_runs, runs


def explain_recompute(args: argparse.Namespace, results_dir: Any, out: Output) -> dict[str, float]:
    """EXPLAIN (ANALYZE, BUFFERS) of the baseline and of the recompute's grain-0 build (files in results/)."""
    from django.db import connection, transaction

    from apps.stats import services
    from apps.stats.dimension_sql import dimension_params
    from apps.stats.folding import AMOUNT_KINDS

    found: dict[str, float] = {}
    base_sql, base_params = baseline_sql(tuple(sorted(AMOUNT_KINDS)))
    grain0 = services._grain0_sql()
    params = {"kinds": services._AMOUNT_KINDS, **dimension_params()}
    for name, sql, sql_params in (("baseline", base_sql, base_params), ("recompute-grain0", grain0, params)):
        with transaction.atomic(), connection.cursor() as cur:
            _session(cur, args)
            statement = cur.mogrify(sql, sql_params).decode()
            cur.execute("EXPLAIN (ANALYZE, BUFFERS, SETTINGS) " + statement)
            text = "\n".join(row[0] for row in cur.fetchall())
        (results_dir / f"explain-{name}.txt").write_text(statement + "\n\n" + text + "\n", encoding="utf-8")
        execution = next((line for line in text.splitlines() if "Execution Time" in line), "")
        found[name] = float(execution.split(":")[1].split()[0]) / 1000 if execution else float("nan")
        out(f"  EXPLAIN ANALYZE {name}: {found[name]:.1f} s → results/explain-{name}.txt")
    return found


# --- the incremental fold ------------------------------------------------------------------------


def run_fold(args: argparse.Namespace, meta: dict[str, Any], out: Output) -> dict[str, Any]:
    from django.db import connection, transaction

    from apps.accounts.models import User
    from apps.contracts.models import Registration
    from apps.contracts.selectors import market_today
    from apps.contracts.services import registration_record_event
    from apps.stats.services import stats_fold_contract

    operator = User.objects.get(pk=meta["operator_id"])
    rng = random.Random(args.seed + 7)
    warmup = min(50, max(5, args.fold_events // 10))
    wanted = args.fold_events + warmup
    candidates = rng.sample(range(1, meta["contracts"] + 1), min(meta["contracts"], wanted * 2))
    registrations = list(
        Registration.objects.filter(contract_id__in=candidates, status="registered").order_by("?")[:wanted]
    )
    with connection.cursor() as cur:
        cur.execute("SELECT id FROM stats_cell TABLESAMPLE SYSTEM (1) LIMIT 10000")
        cell_ids = [row[0] for row in cur.fetchall()]
    fold_ms: list[float] = []
    replay_ms: list[float] = []
    update_ms: list[float] = []
    record_ms: list[float] = []
    invalid: list[str] = []
    cent = Decimal("0.01")
    for n, registration in enumerate(progress(registrations, desc="fold per event", unit="event")):
        factor = Decimal(rng.randint(80, 125)) / 100
        new_contract = (registration.recognised_contract_amount * factor).quantize(cent, ROUND_DOWN)
        ratio = registration.recognised_technology_amount / registration.recognised_contract_amount
        new_technology = min((new_contract * ratio).quantize(cent, ROUND_DOWN), new_contract)
        kind = "amount_correction" if n % 5 == 4 else "change"
        started = time.perf_counter()
        registration_record_event(
            actor=operator,
            registration=registration,
            kind=kind,
            effective_on=None if kind == "amount_correction" else market_today(),
            contract_amount=max(new_contract, cent),
            technology_amount=new_technology,
            note="bench",
        )
        recorded = time.perf_counter() - started
        started = time.perf_counter()
        changed = stats_fold_contract(contract_id=registration.contract_id)
        folded = time.perf_counter() - started
        started = time.perf_counter()
        replay_changed = stats_fold_contract(contract_id=registration.contract_id)
        replayed = time.perf_counter() - started
        # The baseline: one trivial single-row UPDATE in its own transaction, on the same connection.
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute("UPDATE stats_cell SET contract_count = contract_count WHERE id = %s", [rng.choice(cell_ids)])
        updated = time.perf_counter() - started
        if not changed and factor != 1:
            invalid.append(f"fold of contract {registration.contract_id} after a {kind} changed nothing")
        if replay_changed:
            invalid.append(f"replayed fold of contract {registration.contract_id} changed cells")
        if n >= warmup:
            fold_ms.append(folded * 1000)
            replay_ms.append(replayed * 1000)
            update_ms.append(updated * 1000)
            record_ms.append(recorded * 1000)
    fold = _summary(fold_ms)
    update = _summary(update_ms)
    out(
        f"  fold per event: p50 {fold['p50_ms']:.2f} ms, p99 {fold['p99_ms']:.2f} ms over {fold['n']} events "
        f"(after {warmup} warm-up); replay p50 {_summary(replay_ms)['p50_ms']:.2f} ms; "
        f"baseline UPDATE p50 {update['p50_ms']:.2f} ms, p99 {update['p99_ms']:.2f} ms"
    )
    return {
        "fold": fold,
        "replay": _summary(replay_ms),
        "baseline_update": update,
        "record_event": _summary(record_ms),
        "warmup_events": warmup,
        "invalid": invalid[:20],
        "invalid_count": len(invalid),
    }


# --- report queries ------------------------------------------------------------------------------


def report_kinds(today: date) -> list[tuple[str, Callable[[random.Random], dict[str, Any]]]]:
    """Report requests as people make them; each call draws its window (and filters) anew."""
    last_year = today.year - 1

    def year_window(rng: random.Random) -> dict[str, Any]:
        year = rng.randint(last_year - 4, last_year)
        return {"date_from": date(year, 1, 1), "date_to": date(year, 12, 1)}

    return [
        ("headline by year", lambda rng: {"group_by": ["period"], "period": "year"}),
        (
            "type by quarter",
            lambda rng: {
                "group_by": ["period", "contract_type"],
                "period": "quarter",
                "date_from": date(today.year - rng.randint(1, 3), 1, 1),
            },
        ),
        ("field, year with YoY", lambda rng: {"group_by": ["technology_field"], **year_window(rng)}),
        ("flow (output × absorption)", lambda rng: {"group_by": ["seller_zone", "buyer_zone"], **year_window(rng)}),
        (
            "output by area and entity",
            lambda rng: {
                "group_by": ["seller_area", "seller_entity_type"],
                "filters": {"seller_zone": [rng.choice(["city", "province"])]},
                **year_window(rng),
            },
        ),
        (
            "absorption by area in Guangxi",
            lambda rng: {"group_by": ["buyer_area"], "filters": {"buyer_area": ["45"]}, **year_window(rng)},
        ),
        ("by broker", lambda rng: {"group_by": ["broker"], **year_window(rng)}),
        (
            "monthly, type and field filtered",
            lambda rng: {
                "group_by": ["period"],
                "period": "month",
                "date_from": date(today.year - 2, 1, 1),
                "filters": {
                    "contract_type": [rng.choice(["development", "service", "licence"])],
                    "technology_field": [rng.choice(["01", "03", "10"])],
                },
            },
        ),
        (
            "class, local sellers to ASEAN/abroad",
            lambda rng: {
                "group_by": ["legacy_class"],
                "filters": {"seller_zone": ["city"], "buyer_zone": ["asean", "abroad"]},
                **year_window(rng),
            },
        ),
        ("IP × programme", lambda rng: {"group_by": ["ip_type", "programme_class"], **year_window(rng)}),
        (
            "deep: field × buyer zone, programme filter (grain 0)",
            lambda rng: {
                "group_by": ["technology_field", "buyer_zone"],
                "filters": {"programme_class": rng.sample(["national", "ministry", "provincial"], 2)},
                **year_window(rng),
            },
        ),
        (
            "deep: broker × type, seller entity filter (grain 0)",
            lambda rng: {
                "group_by": ["broker", "contract_type"],
                "filters": {"seller_entity_type": [rng.choice(["022", "021", "100"])]},
                **year_window(rng),
            },
        ),
    ]


# The same cuts straight from the source rows, for two kinds (why rollups exist).
RAW_HEADLINE_SQL = """
    SELECT date_trunc('year', day) AS period, sum(n), sum(ca), sum(ta), sum(pa) FROM (
        SELECT effective_on AS day, CASE kind WHEN 'registered' THEN 1 WHEN 'annulment' THEN -1 ELSE 0 END AS n,
               contract_amount_delta AS ca, technology_amount_delta AS ta, 0::numeric AS pa
        FROM contracts_registrationevent WHERE kind = ANY(%(kinds)s)
        UNION ALL SELECT paid_on, 0, 0, 0, amount FROM contracts_payment
    ) f GROUP BY 1"""
RAW_TYPE_QUARTER_SQL = """
    SELECT date_trunc('quarter', f.day) AS period, c.type, sum(n), sum(ca), sum(ta), sum(pa) FROM (
        SELECT contract_id, effective_on AS day,
               CASE kind WHEN 'registered' THEN 1 WHEN 'annulment' THEN -1 ELSE 0 END AS n,
               contract_amount_delta AS ca, technology_amount_delta AS ta, 0::numeric AS pa
        FROM contracts_registrationevent WHERE kind = ANY(%(kinds)s) AND effective_on >= %(since)s
        UNION ALL SELECT contract_id, paid_on, 0, 0, 0, amount FROM contracts_payment WHERE paid_on >= %(since)s
    ) f JOIN contracts_contract c ON c.id = f.contract_id GROUP BY 1, 2"""


def run_report(args: argparse.Namespace, meta: dict[str, Any], out: Output) -> dict[str, Any]:
    from django.db import connection

    from apps.accounts.models import User
    from apps.stats.folding import AMOUNT_KINDS
    from apps.stats.selectors import stats_report

    operator = User.objects.get(pk=meta["operator_id"])
    today = date.fromisoformat(meta["today"])
    kinds = report_kinds(today)
    rng = random.Random(args.seed + 11)
    for _name, make in kinds:  # warm-up: imports, labels, the cells' pages
        stats_report(actor=operator, **make(rng))
    per_kind: dict[str, list[float]] = {name: [] for name, _make in kinds}
    grains: dict[str, int] = {}
    rows: dict[str, int] = {}
    # The grain-0 fallbacks are slow by design; fewer of them keep the run short without hiding them.
    deep_repeats = max(3, args.report_repeats // 5)
    plan = [
        (name, make)
        for name, make in kinds
        for _ in range(deep_repeats if name.startswith("deep") else args.report_repeats)
    ]
    rng.shuffle(plan)
    for name, make in progress(plan, desc="report queries", unit="query"):
        request = make(rng)
        started = time.perf_counter()
        report = stats_report(actor=operator, **request)
        per_kind[name].append((time.perf_counter() - started) * 1000)
        grains[name] = report.grain
        rows[name] = max(rows.get(name, 0), len(report.rows))
    summaries = {
        name: {**_summary(values), "grain": grains[name], "rows_max": rows[name]} for name, values in per_kind.items()
    }
    overall = _summary([v for values in per_kind.values() for v in values])
    for name, summary in summaries.items():
        out(
            f"  report {name:<52} grain {summary['grain']}: p50 {summary['p50_ms']:7.2f} ms, "
            f"p99 {summary['p99_ms']:7.2f} ms, ≤{summary['rows_max']} rows"
        )
    out(f"  report overall: p50 {overall['p50_ms']:.2f} ms, p99 {overall['p99_ms']:.2f} ms over {overall['n']}")

    raw: dict[str, Any] = {}
    params: dict[str, Any] = {"kinds": sorted(AMOUNT_KINDS), "since": date(today.year - 3, 1, 1)}
    for name, sql in (("headline by year", RAW_HEADLINE_SQL), ("type by quarter", RAW_TYPE_QUARTER_SQL)):
        times = []
        for _ in range(args.raw_report_runs):
            with connection.cursor() as cur:
                _session(cur, args)
                started = time.perf_counter()
                cur.execute(sql, params)
                cur.fetchall()
                times.append((time.perf_counter() - started) * 1000)
        raw[name] = {"runs_ms": [round(t, 1) for t in times], "median_ms": round(median(times), 1)}
        out(f"  raw GROUP BY for '{name}': median {median(times):,.0f} ms of {len(times)} runs")
    return {"kinds": summaries, "overall": overall, "raw_group_by": raw}


# --- sizes ---------------------------------------------------------------------------------------


def sizes() -> dict[str, Any]:
    from django.db import connection

    found: dict[str, Any] = {"tables": {}}
    with connection.cursor() as cur:
        for table in (*SOURCE_TABLES, *STATS_TABLES):
            query = f"SELECT count(*), pg_total_relation_size(%s), pg_relation_size(%s) FROM {table}"  # noqa: S608
            cur.execute(query, [table, table])
            rows, total, heap = cur.fetchone()
            found["tables"][table] = {"rows": rows, "total_bytes": total, "heap_bytes": heap}
        cur.execute("SELECT grain, count(*) FROM stats_cell GROUP BY grain ORDER BY grain")
        found["cells_per_grain"] = {str(grain): count for grain, count in cur.fetchall()}
        cur.execute("SELECT pg_database_size(current_database())")
        found["database_bytes"] = cur.fetchone()[0]
        cur.execute("SELECT kind, count(*) FROM contracts_registrationevent GROUP BY kind ORDER BY 2 DESC")
        found["events_by_kind"] = dict(cur.fetchall())
    return found


def code_versions() -> dict[str, str]:
    """Short SHA-256 and mtime of the statistics code measured (it changes while helpers work on it)."""
    import hashlib
    from pathlib import Path

    app = Path(__file__).resolve().parents[2] / "apps" / "stats"
    found = {}
    for name in ("services.py", "dimension_sql.py", "folding.py", "selectors.py", "selectors/__init__.py"):
        path = app / name
        if not path.exists():  # selectors became a package
            continue
        stamp = datetime.fromtimestamp(path.stat().st_mtime).astimezone().strftime("%H:%M:%S")
        found[f"apps/stats/{name}"] = f"{hashlib.sha256(path.read_bytes()).hexdigest()[:12]} ({stamp})"
    return found


def server_facts() -> dict[str, Any]:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SHOW server_version")
        version = cur.fetchone()[0]
        settings = {}
        for name in (
            "shared_buffers", "work_mem", "maintenance_work_mem", "max_parallel_workers_per_gather",
            "effective_cache_size", "jit", "synchronous_commit",
        ):  # fmt: skip
            cur.execute(f"SHOW {name}")
            settings[name] = cur.fetchone()[0]
    return {"postgres": f"PostgreSQL {version}", "postgres_settings": settings}


# --- output --------------------------------------------------------------------------------------


def _gib(n: int) -> str:
    return f"{n / 1024**3:.2f} GiB" if n >= 1024**3 else f"{n / 1024**2:.0f} MiB"


def figures_table(results: dict[str, Any]) -> tuple[list[str], list[dict[str, Any]]]:
    """The summary lines, and the rows of the chart (ms, p50 / p99 bars)."""
    header = ("figure", "value", "baseline (same run)", "ratio", "goal", "")
    lines: list[tuple[str, ...]] = [header]
    chart: list[dict[str, Any]] = []
    base = results.get("baseline")
    rec = results.get("recompute")
    if base:
        chart.append(
            {"name": "baseline GROUP BY", "p50_ms": base["median_s"] * 1000, "p99_ms": max(base["runs_s"]) * 1000}
        )
    if rec and rec.get("initial"):
        lines.append(("initial build (empty state)", f"{rec['initial']['seconds']:.2f} s", "", "", "", ""))
        chart.append(
            {"name": "initial build (empty state)", "p50_ms": rec["initial"]["seconds"] * 1000, "p99_ms": float("nan")}
        )
    if rec and rec.get("runs"):
        ratio = rec["median_s"] / base["median_s"] if base else float("nan")
        met = ratio <= RECOMPUTE_GOAL_RATIO
        rec["ratio_to_baseline"] = round(ratio, 3)
        rec["goal_met"] = met
        lines.append(
            (
                "full recompute (median)",
                f"{rec['median_s']:.2f} s",
                f"GROUP BY {base['median_s']:.2f} s" if base else "-",
                f"{ratio:.2f}×",
                f"≤ {RECOMPUTE_GOAL_RATIO}×",
                "ok" if met else "MISSED",
            )
        )
        if base and rec.get("cpu_median_s") is not None and base.get("cpu_median_s"):
            cpu_ratio = rec["cpu_median_s"] / base["cpu_median_s"]
            rec["cpu_ratio_to_baseline"] = round(cpu_ratio, 3)
            lines.append(
                (
                    "  backend CPU (median)",
                    f"{rec['cpu_median_s']:.2f} s",
                    f"GROUP BY {base['cpu_median_s']:.2f} s",
                    f"{cpu_ratio:.2f}×",
                    "",
                    "",
                )
            )
        if rec.get("round_ratios"):
            walls = [r["wall"] for r in rec["round_ratios"]]
            lines.append(("  per-round wall ratios", "", "", " ".join(f"{w:.2f}" for w in walls), "", ""))
        cpu_phases = rec.get("phases_cpu_median_s", {})
        for name, seconds in rec["phases_median_s"].items():
            cpu_text = f"{cpu_phases[name]:.2f} s CPU" if name in cpu_phases else ""
            lines.append((f"  phase: {name}", f"{seconds:.2f} s", cpu_text, "", "", ""))
        chart.append(
            {
                "name": "stats_recompute",
                "p50_ms": rec["median_s"] * 1000,
                "p99_ms": max(r["seconds"] for r in rec["runs"]) * 1000,
                "goal": f"≤ {RECOMPUTE_GOAL_RATIO}× baseline",
                "goal_met": met,
            }
        )
    fold = results.get("fold")
    if fold:
        f, u = fold["fold"], fold["baseline_update"]
        met = f["p50_ms"] < FOLD_GOAL_MS
        fold["goal_met"] = met
        lines.append(
            (
                "fold per event p50",
                f"{f['p50_ms']:.2f} ms",
                f"1-row UPDATE {u['p50_ms']:.2f} ms",
                f"{f['p50_ms'] / u['p50_ms']:.1f}×",
                f"< {FOLD_GOAL_MS:g} ms",
                "ok" if met else "MISSED",
            )
        )
        lines.append(("fold per event p99", f"{f['p99_ms']:.2f} ms", f"1-row UPDATE {u['p99_ms']:.2f} ms", "", "", ""))
        lines.append(("replayed fold p50", f"{fold['replay']['p50_ms']:.2f} ms", "", "", "", ""))
        chart.append({"name": "1-row UPDATE (baseline)", "p50_ms": u["p50_ms"], "p99_ms": u["p99_ms"]})
        chart.append(
            {
                "name": "fold per event",
                "p50_ms": f["p50_ms"],
                "p99_ms": f["p99_ms"],
                "goal": "p50 < 5 ms",
                "goal_met": met,
            }
        )
    rep = results.get("report")
    if rep:
        o = rep["overall"]
        met = o["p50_ms"] < REPORT_GOAL_MS
        rep["goal_met"] = met
        raw = rep["raw_group_by"].get("headline by year")
        head = rep["kinds"].get("headline by year")
        lines.append(
            (
                "report p50 (all kinds)",
                f"{o['p50_ms']:.2f} ms",
                f"raw GROUP BY headline {raw['median_ms']:,.0f} ms" if raw else "-",
                f"1/{raw['median_ms'] / head['p50_ms']:,.0f}" if raw and head else "",
                f"< {REPORT_GOAL_MS:g} ms",
                "ok" if met else "MISSED",
            )
        )
        lines.append(("report p99 (all kinds)", f"{o['p99_ms']:.2f} ms", "", "", "", ""))
        for name, summary in rep["kinds"].items():
            raw_kind = rep["raw_group_by"].get(name)
            lines.append(
                (
                    f"  {name} (grain {summary['grain']})",
                    f"{summary['p50_ms']:.2f} / {summary['p99_ms']:.2f} ms",
                    f"raw GROUP BY {raw_kind['median_ms']:,.0f} ms" if raw_kind else "",
                    f"1/{raw_kind['median_ms'] / summary['p50_ms']:,.0f}" if raw_kind else "",
                    "",
                    "",
                )
            )
            chart.append({"name": f"report: {name[:30]}", "p50_ms": summary["p50_ms"], "p99_ms": summary["p99_ms"]})
        for name, raw_kind in rep["raw_group_by"].items():
            chart.append(
                {"name": f"raw GROUP BY: {name}", "p50_ms": raw_kind["median_ms"], "p99_ms": max(raw_kind["runs_ms"])}
            )
        chart.append(
            {
                "name": "report (all kinds)",
                "p50_ms": o["p50_ms"],
                "p99_ms": o["p99_ms"],
                "goal": "p50 < 30 ms",
                "goal_met": met,
            }
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    text = []
    for n, line in enumerate(lines):
        text.append(
            "  ".join(
                c.ljust(widths[i]) if i in (0, 2, 4, 5) else c.rjust(widths[i]) for i, c in enumerate(line)
            ).rstrip()
        )
        if n == 0:
            text.append("  ".join("-" * w for w in widths))
    return text, chart


def run(args: argparse.Namespace) -> int:
    """The steps in the order that gives the most per minute: the initial build (needed by the fold and
    the reports), the fold, the reports, then the long ones (baseline GROUP BY, steady recomputes).
    The results files are rewritten after each step, so an interrupted run keeps what it measured."""
    from bench.stats.run import _setup_django, database_url, read_meta

    _setup_django(args)
    out = Output()
    started = datetime.now().astimezone()
    meta = read_meta(database_url(args))
    if meta is None:
        out("no generated data: run without --phase")
        return 1
    only = set(args.only.split(",")) if args.only else set(STEPS)
    facts = server_facts()
    out(f"stats benchmark (measure) {started:%Y-%m-%d %H:%M:%S %z} on {platform.node()} ({os.cpu_count()} CPUs)")
    gen = meta["stats"]
    out(
        f"data: {meta['contracts']:,} registered contracts (seed {meta['seed']}, generated for {meta['today']}: "
        f"{sum(gen['rows'].values()):,} rows in {gen['total_seconds']:.0f} s, {gen['contracts_per_second']:,} "
        f"contracts/s, {gen['rows_per_second']:,} rows/s; COPY {gen['copy_seconds']:.0f} s, indexes "
        f"{gen['indexes_seconds']:.0f} s, VACUUM ANALYZE {gen['vacuum_analyze_seconds']:.0f} s)"
    )
    out(f"{facts['postgres']}; " + ", ".join(f"{k}={v}" for k, v in facts["postgres_settings"].items()))
    code = code_versions()
    out("code measured: " + ", ".join(f"{name} {digest}" for name, digest in code.items()))
    out(f"load average at start: {_load()}; measuring sessions: work_mem={args.work_mem}")
    results: dict[str, Any] = {
        "started_at": started.isoformat(),
        "host": {"node": platform.node(), "cpus": os.cpu_count(), "python": platform.python_version(), **facts},
        "data": meta,
        "load_average": {"start": _load()},
        "code": code,
        "invalid": [],
    }
    args.results_dir.mkdir(parents=True, exist_ok=True)
    invalid: list[str] = results["invalid"]

    def save(step: str) -> None:
        results["load_average"][f"after_{step}"] = _load()
        results["peak_rss_mib"] = round(_rss_mib(), 1)
        write_results(args, results, meta, started, out, final=False)

    recompute: dict[str, Any] = {}
    if "recompute" in only:
        from apps.stats.models import Cell

        out("full recompute: apps.stats.services.stats_recompute(repair=True)")
        if not Cell.objects.exists():
            # Empty state after the load: the first recompute finds every cell different and builds the
            # cells and every contract's figures (what a first deployment does once).
            recompute["initial"] = _recompute_once("initial (empty state, repairs everything)", out)
            results["recompute"] = recompute
            save("initial_recompute")
    if "fold" in only:
        out("incremental fold: apps.stats.services.stats_fold_contract per new amount event")
        results["fold"] = run_fold(args, meta, out)
        invalid.extend(results["fold"]["invalid"])
        save("fold")
    if "report" in only:
        out("report queries: apps.stats.selectors.stats_report")
        results["report"] = run_report(args, meta, out)
        save("report")
    runs: list[dict[str, Any]] = []
    if "baseline" in only and "recompute" in only:
        out(
            f"baseline (plain SQL GROUP BY over the same rows) and full recompute, alternately: a warm-up "
            f"of each, then {args.rounds} rounds (the order flips every round)"
        )
        base_runs, runs = run_alternating(args, out)
        results["baseline"] = _baseline_summary(base_runs)
        save("baseline")
    elif "baseline" in only:
        out("baseline: plain SQL GROUP BY over the same rows")
        results["baseline"] = run_baseline(args, out)
        save("baseline")
    if "recompute" in only:
        if "baseline" not in only:
            runs = [_recompute_once(f"run {n + 1}", out) for n in range(args.recompute_runs)]
        if runs:
            recompute["runs"] = runs
            recompute["median_s"] = round(median(r["seconds"] for r in runs), 3)
            names = sorted({name for r in runs for name in r["phases_s"]})
            recompute["phases_median_s"] = {
                name: round(median(r["phases_s"].get(name, 0.0) for r in runs), 3) for name in names
            }
            recompute["cpu_median_s"] = _median_or_none([r["cpu_s"] for r in runs])
            cpu_names = sorted({name for r in runs for name in r["phases_cpu_s"]})
            recompute["phases_cpu_median_s"] = {
                name: round(median(r["phases_cpu_s"].get(name, 0.0) for r in runs), 3) for name in cpu_names
            }
            rounds = results.get("baseline", {}).get("round_ratios")
            if rounds:
                recompute["round_ratios"] = rounds
            # After the folds above, a steady recompute must find nothing to repair.
            recompute["differences"] = sum(r["differences"] for r in runs)
            if recompute["differences"]:
                invalid.append(f"the steady recomputes found {recompute['differences']} differing cells")
        results["recompute"] = recompute
        save("recompute")
        if args.explain:
            results["explain_s"] = explain_recompute(args, args.results_dir, out)
            save("explain")
    results["sizes"] = sizes()
    results["load_average"]["end"] = _load()
    results["peak_rss_mib"] = round(_rss_mib(), 1)
    write_results(args, results, meta, started, out, final=True)
    return 1 if invalid else 0


def write_results(
    args: argparse.Namespace,
    results: dict[str, Any],
    meta: dict[str, Any],
    started: datetime,
    out: Output,
    *,
    final: bool,
) -> None:
    lines, chart = figures_table(results)
    if final:
        out()
        out(f"stats benchmark — {meta['contracts']:,} registered contracts, {started:%Y-%m-%d %H:%M %Z}")
        for line in lines:
            out(line)
        out()
        s = results["sizes"]
        out("rows and sizes (table + TOAST + indexes):")
        for table, info in s["tables"].items():
            out(f"  {table:<30} {info['rows']:>14,} rows  {_gib(info['total_bytes']):>10}")
        out("  cells per grain: " + ", ".join(f"{g}: {n:,}" for g, n in s["cells_per_grain"].items()))
        out("  events by kind: " + ", ".join(f"{k} {n:,}" for k, n in s["events_by_kind"].items()))
        rss = results["peak_rss_mib"]
        out(f"  database {_gib(s['database_bytes'])}; peak RSS of the measuring process {rss:.0f} MiB")
        out("load average (1/5/15 min): " + "; ".join(f"{k} {v}" for k, v in results["load_average"].items()))
        goals = []
        rec = results.get("recompute") or {}
        if "goal_met" in rec:
            goals.append(f"recompute ≤ {RECOMPUTE_GOAL_RATIO}× GROUP BY: {'ok' if rec['goal_met'] else 'MISSED'}")
        if "fold" in results:
            goals.append(f"fold p50 < {FOLD_GOAL_MS:g} ms: {'ok' if results['fold']['goal_met'] else 'MISSED'}")
        if "report" in results:
            goals.append(f"report p50 < {REPORT_GOAL_MS:g} ms: {'ok' if results['report']['goal_met'] else 'MISSED'}")
        out("goals: " + "; ".join(goals))
        for problem in results["invalid"]:
            out(f"INVALID: {problem}")
        out(f"results: {args.results_dir / 'latest.json'}, latest.svg, latest.txt")
    (args.results_dir / "latest.json").write_text(
        json.dumps(results, ensure_ascii=False, indent=1, default=str) + "\n", encoding="utf-8"
    )
    goal_lines = [(FOLD_GOAL_MS, "fold goal 5 ms"), (REPORT_GOAL_MS, "report goal 30 ms")]
    if results.get("baseline"):
        limit = results["baseline"]["median_s"] * 1000 * RECOMPUTE_GOAL_RATIO
        goal_lines.append((limit, f"recompute goal {RECOMPUTE_GOAL_RATIO:g}× GROUP BY"))
    subtitle = f"{meta['contracts']:,} contracts; bars: p50 or median / p99 or slowest run; {started:%Y-%m-%d %H:%M}"
    (args.results_dir / "latest.svg").write_text(
        svg_chart(
            chart,
            title="Transaction statistics: recompute, fold, reports (ms, log scale)",
            subtitle=subtitle,
            goal_lines=goal_lines,
        ),
        encoding="utf-8",
    )
    text = list(out.lines) if final else [*out.lines, "", "(partial: the run has not finished)", *lines]
    (args.results_dir / "latest.txt").write_text("\n".join(text) + "\n", encoding="utf-8")
