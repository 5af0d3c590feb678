"""Annuity schedule rate: :func:`apps.custody.annuity.annuity_schedule` over synthetic patents, on one core.

    .venv/bin/python bench/custody/schedules.py                 # 1,000,000 patents, 3 measured passes
    .venv/bin/python bench/custody/schedules.py --n 100000 --repeat 5

Patents: mixed kinds (50% invention, 35% utility model, 15% design), filing dates uniform over 1995–2026, granted
1–4 years after filing, half with a fee reduction (85% or 70%). The input list is built before timing.

Measured in the same run, each after an unrecorded warm-up, the median of ``--repeat`` passes:

- ``engine``: the production code, full :class:`AnnuityYear` schedules (computed and dropped per patent, as a
  scan over the portfolio does);
- ``dates only``: the same loop doing only the bare date arithmetic of a schedule (the due dates and grace
  deadlines with ``datetime.date``, no fees, no objects): the floor pure Python can reach;
- ``naive``: a straightforward implementation (dateutil ``relativedelta``, fee bands searched per year, Decimal
  arithmetic per year, a dict per year) over ``--baseline-n`` patents. Its results are compared with the
  engine's field by field; any difference makes the run invalid (exit status 1).

Memory: the process's peak RSS, and tracemalloc's peak while 10,000 schedules are kept (bytes per year).
"""

from __future__ import annotations

import argparse
import gc
import random
import resource
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

REPO_DIR = Path(__file__).resolve().parents[2]
if str(REPO_DIR) not in sys.path:
    sys.path.insert(0, str(REPO_DIR))

from dateutil.relativedelta import relativedelta  # noqa: E402

from apps.custody.annuity import (  # noqa: E402
    FeeReduction,
    FeeTable,
    PatentKind,
    annuity_schedule,
    load_fee_tables,
    load_term_rules,
)
from bench.listings.report import progress  # noqa: E402

Patent = tuple[PatentKind, date, date, FeeReduction | None]
CHUNK = 20_000
# A nightly scan of a million patents in custody should take well under a minute of one core.
GOAL_PATENTS_PER_S = 33_334
KIND_WEIGHTS = ((PatentKind.INVENTION, 50), (PatentKind.UTILITY_MODEL, 35), (PatentKind.DESIGN, 15))
REDUCTIONS = (
    (None, 50),
    (FeeReduction(share=Decimal("0.85"), years=10), 35),
    (FeeReduction(share=Decimal("0.70"), years=10), 15),
)


def synthetic_patents(n: int, seed: int) -> list[Patent]:
    rng = random.Random(seed)
    first = date(1995, 1, 1).toordinal()
    last = date(2026, 12, 31).toordinal()
    kinds = rng.choices([k for k, _ in KIND_WEIGHTS], weights=[w for _, w in KIND_WEIGHTS], k=n)
    reductions = rng.choices([r for r, _ in REDUCTIONS], weights=[w for _, w in REDUCTIONS], k=n)
    patents: list[Patent] = []
    for kind, reduction in zip(kinds, reductions, strict=True):
        filed = date.fromordinal(rng.randint(first, last))
        granted = filed + timedelta(days=rng.randint(365, 4 * 365))
        patents.append((kind, filed, granted, reduction))
    return patents


# --- the three loops ----------------------------------------------------------------------------


def engine_pass(patents: Sequence[Patent], label: str) -> int:
    years = 0
    schedule = annuity_schedule
    with progress(total=len(patents), desc=label, unit="patent", unit_scale=True, leave=False) as bar:
        for start in range(0, len(patents), CHUNK):
            for kind, filed, granted, reduction in patents[start : start + CHUNK]:
                years += len(schedule(kind=kind, filing_date=filed, grant_date=granted, reduction=reduction))
            bar.update(min(CHUNK, len(patents) - start))
    return years


def dates_only_pass(patents: Sequence[Patent], label: str) -> int:
    """Due dates and grace deadlines of the same years with bare ``datetime.date`` arithmetic: no fees, no
    objects, terms hard-coded, days past the 28th not clamped (the floor, not a correct schedule)."""
    design_switch = date(2021, 6, 1)
    years = 0
    with progress(total=len(patents), desc=label, unit="patent", unit_scale=True, leave=False) as bar:
        for start in range(0, len(patents), CHUNK):
            for kind, filed, granted, _ in patents[start : start + CHUNK]:
                if kind is PatentKind.INVENTION:
                    term = 20
                elif kind is PatentKind.DESIGN and filed >= design_switch:
                    term = 15
                else:
                    term = 10
                fy, fm, fd = filed.year, filed.month, filed.day
                day = min(fd, 28)
                passed = granted.year - fy
                if granted < date(granted.year, fm, day if fm == 2 else fd):
                    passed -= 1
                grace_month = fm + 6
                carry = 1 if grace_month > 12 else 0
                grace_month -= 12 * carry
                for year in range(passed + 2, term + 1):
                    due = date(fy + year - 1, fm, day)
                    date(due.year + carry, grace_month, day)
                    years += 1
                years += 1  # the grant year
            bar.update(min(CHUNK, len(patents) - start))
    return years


class NaiveEngine:
    """What a first implementation looks like: relativedelta everywhere, tables and bands searched per year."""

    def __init__(self, tables: Sequence[FeeTable]) -> None:
        self.tables = list(tables)
        self.terms = list(load_term_rules())

    def table_on(self, day: date) -> FeeTable:
        chosen = None
        for table in self.tables:
            if table.effective_from <= day and (chosen is None or table.effective_from > chosen.effective_from):
                chosen = table
        if chosen is None:
            raise LookupError(f"no fee table on {day}")
        return chosen

    def term(self, kind: PatentKind, filed: date) -> int:
        rule = max((r for r in self.terms if r.filed_from <= filed), key=lambda r: r.filed_from)
        return rule.years[kind]

    def schedule(
        self, kind: PatentKind, filed: date, granted: date, reduction: FeeReduction | None
    ) -> list[dict[str, Any]]:
        grant_year = 1
        while filed + relativedelta(years=grant_year) <= granted:
            grant_year += 1
        rows = []
        for year in range(grant_year, self.term(kind, filed) + 1):
            due = granted if year == grant_year else filed + relativedelta(years=year - 1)
            table = self.table_on(due)
            full = table.annuities[kind][year - 1]
            reduced = reduction is not None and reduction.share > 0 and year - grant_year < reduction.years
            fee = (
                (full * (1 - reduction.share)).quantize(Decimal("0.01"), ROUND_HALF_UP)
                if reduced and reduction
                else full
            )
            grace = due if year == grant_year else due + relativedelta(months=6)
            rows.append({"year": year, "due_date": due, "full_fee": full, "fee": fee, "grace_deadline": grace})
        return rows


def naive_pass(patents: Sequence[Patent], label: str, engine: NaiveEngine) -> int:
    years = 0
    with progress(total=len(patents), desc=label, unit="patent", unit_scale=True, leave=False) as bar:
        for start in range(0, len(patents), CHUNK):
            for kind, filed, granted, reduction in patents[start : start + CHUNK]:
                years += len(engine.schedule(kind, filed, granted, reduction))
            bar.update(min(CHUNK, len(patents) - start))
    return years


def compare(patents: Sequence[Patent], engine: NaiveEngine) -> int:
    """Number of patents whose engine schedule differs from the naive one."""
    differences = 0
    for kind, filed, granted, reduction in patents:
        fast = [
            {
                "year": y.year,
                "due_date": y.due_date,
                "full_fee": y.full_fee,
                "fee": y.fee,
                "grace_deadline": y.grace_deadline,
            }
            for y in annuity_schedule(kind=kind, filing_date=filed, grant_date=granted, reduction=reduction)
        ]
        if fast != engine.schedule(kind, filed, granted, reduction):
            differences += 1
            if differences <= 3:
                print(f"  DIFFERENT: {kind} filed {filed} granted {granted} {reduction}", file=sys.stderr)
    return differences


# --- measuring ----------------------------------------------------------------------------------


def measure(name: str, run: Callable[[str], int], repeat: int, patents: int) -> dict[str, Any]:
    run(f"{name} warm-up")
    times = []
    counts = set()
    for number in range(repeat):
        gc.collect()
        started = time.perf_counter()
        counts.add(run(f"{name} {number + 1}/{repeat}"))
        times.append(time.perf_counter() - started)
    if len(counts) != 1:
        raise SystemExit(f"{name}: passes computed different numbers of years: {sorted(counts)}")
    median = statistics.median(times)
    years = counts.pop()
    return {
        "name": name,
        "patents": patents,
        "years": years,
        "median_s": median,
        "min_s": min(times),
        "max_s": max(times),
        "patents_per_s": patents / median,
        "years_per_s": years / median,
    }


def retained_bytes_per_year(patents: Sequence[Patent]) -> tuple[int, int]:
    gc.collect()
    tracemalloc.start()
    kept = [
        annuity_schedule(kind=kind, filing_date=filed, grant_date=granted, reduction=reduction)
        for kind, filed, granted, reduction in patents
    ]
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak, sum(len(schedule) for schedule in kept)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="patents per pass (default 1,000,000)")
    parser.add_argument("--repeat", type=int, default=3, help="measured passes per loop (median reported)")
    parser.add_argument("--baseline-n", type=int, default=50_000, help="patents for the naive baseline")
    parser.add_argument("--seed", type=int, default=20261127)
    args = parser.parse_args(argv)
    if args.n < 1 or args.repeat < 1 or args.baseline_n < 1:
        parser.error("--n, --repeat and --baseline-n must be positive")

    print(f"python {sys.version.split()[0]}, one core; generating {args.n:,} patents (seed {args.seed})…")
    patents = synthetic_patents(args.n, args.seed)
    subset = patents[: min(args.baseline_n, args.n)]
    naive = NaiveEngine(load_fee_tables())

    print(f"checking the engine against the naive implementation on {len(subset):,} patents…")
    differences = compare(subset, naive)

    results = [
        measure("engine", lambda label: engine_pass(patents, label), args.repeat, len(patents)),
        measure("dates only", lambda label: dates_only_pass(patents, label), args.repeat, len(patents)),
        measure("naive", lambda label: naive_pass(subset, label, naive), args.repeat, len(subset)),
    ]
    engine = results[0]
    kept_patents = subset[:10_000]
    traced_peak, kept_years = retained_bytes_per_year(kept_patents)
    peak_rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print()
    print(
        f"{'loop':<12}{'patents':>11}{'years':>13}{'median s':>10}{'min s':>8}{'max s':>8}"
        f"{'patents/s':>12}{'years/s':>12}{'engine ×':>10}"
    )
    for row in results:
        ratio = engine["patents_per_s"] / row["patents_per_s"]
        print(
            f"{row['name']:<12}{row['patents']:>11,}{row['years']:>13,}{row['median_s']:>10.2f}{row['min_s']:>8.2f}"
            f"{row['max_s']:>8.2f}{row['patents_per_s']:>12,.0f}{row['years_per_s']:>12,.0f}{ratio:>10.2f}"
        )
    print(f"(median of {args.repeat} passes after a warm-up; 'engine ×' = engine rate / loop rate)")
    print()
    print(f"years per patent: {engine['years'] / engine['patents']:.2f}")
    print(f"peak RSS of the process: {peak_rss_mib:,.0f} MiB (includes the {args.n:,} generated patents)")
    print(
        f"{len(kept_patents):,} schedules kept: {traced_peak / 2**20:.1f} MiB traced peak, "
        f"{traced_peak / kept_years:.0f} bytes per year ({kept_years:,} years)"
    )
    verdict = "ok" if engine["patents_per_s"] >= GOAL_PATENTS_PER_S else "MISSED"
    print(f"goal: ≥ {GOAL_PATENTS_PER_S:,} patents/s (1,000,000 in 30 s): {engine['patents_per_s']:,.0f} {verdict}")
    if differences:
        print(f"INVALID: {differences} of {len(subset):,} schedules differ from the naive implementation")
        return 1
    print(f"engine and naive agree on all {len(subset):,} checked schedules")
    return 0


if __name__ == "__main__":
    sys.exit(main())
