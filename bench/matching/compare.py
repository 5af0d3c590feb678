"""Two engine results of ``run.py`` side by side (before and after an engine change), written as txt + json.

    .venv/bin/python bench/matching/compare.py BEFORE.json AFTER.json --name memory-1m \
        --note "how each was run"

Each JSON is a single-size ``results/latest.json`` of ``run.py`` (``--sizes N``): the engine's figures
(build, p50 in wall and CPU time, batch, RSS after build, peak RSS) with the ratio after/before, and
the top-10 overlap of the queries both kept (``run.py`` keeps the first 50 result lists).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"

ROWS = [
    ("build rate (docs/s, 1 core, incl. segmentation)", lambda r: r["build_rate"]),
    ("top-10 single query p50 (ms, 1 core)", lambda r: r["single"]["p50_ms"]),
    ("top-10 single query p99 (ms, 1 core)", lambda r: r["single"]["p99_ms"]),
    ("top-10 single query p50, CPU time (ms)", lambda r: r["single_cpu"]["p50_ms"]),
    ("batch re-match (queries/s, 1 core)", lambda r: r["batch_qps"]),
    ("batch re-match per CPU second (queries)", lambda r: r["batch_cpu_qps"]),
    ("exhaustive p50 (ms, first 200 queries)", lambda r: r["single_exhaustive"]["p50_ms"]),
    ("RSS after build (MB)", lambda r: r["rss_built_mb"]),
    ("peak RSS (MB)", lambda r: r["peak_mb"]),
]


def engine(path: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    payload = json.loads(path.read_text(encoding="utf-8"))
    return payload["args"], payload["results"]


def lines(before: Path, after: Path, note: str) -> tuple[list[str], dict[str, Any]]:
    args_b, res_b = engine(before)
    args_a, res_a = engine(after)
    same = {k: args_b[k] for k in ("n", "queries", "seed")}
    if same != {k: args_a[k] for k in ("n", "queries", "seed")}:
        raise SystemExit(f"not the same corpus: {same} against {args_a}")
    b, a = res_b["engine"], res_a["engine"]
    width = 48
    out = [
        f"matching engine before/after: {args_b['n']:,} achievements, {args_b['queries']:,} demands, one core",
        *([note] if note else []),
        "",
        f"{'':{width}}{'before':>12}{'after':>12}{'after/before':>14}",
    ]
    for label, get in ROWS:
        x, y = get(b), get(a)
        out.append(f"{label:{width}}{x:>12,.2f}{y:>12,.2f}{(y / x if x else 0):>14.3f}")
    pairs = list(zip(b["results"], a["results"], strict=False))
    overlap = sum(len(set(x) & set(y)) / max(len(x), 1) for x, y in pairs) / max(len(pairs), 1)
    identical = sum(x == y for x, y in pairs)
    out += [
        "",
        f"top-10 of the first {len(pairs)} queries: identical lists (ids and order) {identical}/{len(pairs)}, "
        f"mean overlap {overlap:.3f}",
        f"idle process with the tokeniser loaded: {res_b['idle']['rss_mb']} MB before, "
        f"{res_a['idle']['rss_mb']} MB after",
    ]
    summary = {
        "n": args_b["n"],
        "before": {label: get(b) for label, get in ROWS},
        "after": {label: get(a) for label, get in ROWS},
        "top10_identical": identical,
        "top10_overlap": round(overlap, 4),
        "queries_compared": len(pairs),
        "note": note,
    }
    return out, {"summary": summary, "before": {"args": args_b, **res_b}, "after": {"args": args_a, **res_a}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--name", required=True, help="results/NAME.txt and results/NAME.json")
    parser.add_argument("--note", default="", help="a line on how the two were run")
    args = parser.parse_args()
    text, payload = lines(args.before, args.after, args.note)
    print("\n".join(text))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{args.name}.txt").write_text("\n".join(text) + "\n", encoding="utf-8")
    (RESULTS / f"{args.name}.json").write_text(
        json.dumps(payload, ensure_ascii=False, indent=1, default=str), encoding="utf-8"
    )


if __name__ == "__main__":
    main()
