"""Two runs of bench/listings/run.py side by side: req/s as a share of each run's own bare view, p50, and
the shared page cache's hit rate.

    .venv/bin/python bench/listings/compare.py results/1m-main/latest.json results/1m-branch/latest.json \
        --out results/1m-compare.txt
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any


def _rows(path: Path) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return data, {row["name"]: row for row in data["scenarios"]}


def _bare_mean(rows: dict[str, dict[str, Any]]) -> float:
    """The bare view's req/s averaged over the run's start and end (the machine's load drifts between them)."""
    values = [rows[name]["rps"] for name in ("bare", "bare_end") if name in rows]
    return sum(values) / len(values)


def compare(before_path: Path, after_path: Path, goal: float = 0.3) -> str:
    before, rows_before = _rows(before_path)
    after, rows_after = _rows(after_path)
    mean_before, mean_after = _bare_mean(rows_before), _bare_mean(rows_after)
    lines = [
        f"before: {before_path} ({before['started_at']}); after: {after_path} ({after['started_at']})",
        f"data: {after['data']['achievements']:,} achievements, {after['data']['demands']:,} demands; "
        f"{after['load']['concurrency']} clients, {after['load']['duration_s']:g} s per scenario; "
        f"a listing edited every {after['load'].get('write_every_s', 0):g} s",
        "",
        f"{'scenario':<20} {'req/s before':>12} {'after':>8} {'×bare before':>12} {'after':>6} "
        f"{'p50 ms before':>13} {'after':>7} {'hit rate':>8}  goal ≥ {goal:g}× bare  "
        "(×mean bare: against the mean of bare and bare_end, before / after)",
    ]
    for name, row in rows_after.items():
        old = rows_before.get(name)
        if old is None:
            continue
        cache = row.get("cache", {}).get("all", {})
        hit = f"{cache['hit_rate']:.0%}" if cache.get("hits") or cache.get("misses") else "-"
        ratio_old, ratio_new = old.get("ratio_to_bare_rps"), row.get("ratio_to_bare_rps")
        verdict = "" if name.startswith("bare") else ("ok" if (ratio_new or 0) >= goal else "MISSED")
        lines.append(
            f"{name:<20} {old['rps']:>12.1f} {row['rps']:>8.1f} {ratio_old or 0:>12.2f} {ratio_new or 0:>6.2f} "
            f"{old['p50_ms']:>13.1f} {row['p50_ms']:>7.1f} {hit:>8}  {verdict:<6}  "
            f"×mean bare {old['rps'] / mean_before:.2f} / {row['rps'] / mean_after:.2f}"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    text = compare(args.before, args.after)
    print(text, end="")
    if args.out:
        args.out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
