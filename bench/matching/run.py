"""Matching engine benchmark: build rate, top-10 latency, batch re-match rate and peak memory of the
engine beside bm25s and rank_bm25 on the same synthetic corpus and tokens, in the same run.

    .venv/bin/python bench/matching/run.py                    # 1,000,000 achievements, 1,000 demands
    .venv/bin/python bench/matching/run.py --n 200000 --queries 500

Each system runs in its own process pinned to one core (peak RSS per process). See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from tqdm import tqdm  # noqa: E402

from bench.matching import corpus  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
GOALS = {"p50_ms": 20.0, "peak_mb": 2048.0, "build_rate": 5000.0}


def run_system(system: str, args: argparse.Namespace, paths: dict[str, Path]) -> dict[str, Any]:
    env = {
        **os.environ,
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "NUMBA_NUM_THREADS": "1",
        "PYTHONPATH": str(REPO),
    }
    command = [
        sys.executable,
        "-m",
        "bench.matching.systems",
        system,
        "--corpus",
        str(paths["achievements"]),
        "--queries",
        str(paths["demands"]),
        "--n",
        str(args.n),
        "--n-queries",
        str(args.queries),
        "--rank-queries",
        str(args.rank_queries),
        "--cpu",
        str(args.cpu),
    ]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=REPO, env=env, stdout=subprocess.PIPE, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise SystemExit(f"{system} failed with exit code {done.returncode}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["wall_s"] = round(time.perf_counter() - started, 1)
    return result


def overlap(a: list[list[Any]], b: list[list[Any]]) -> float:
    pairs = list(zip(a, b, strict=False))
    if not pairs:
        return 0.0
    return sum(len(set(x) & set(y)) / max(len(x), 1) for x, y in pairs) / len(pairs)


def table(results: dict[str, dict[str, Any]], args: argparse.Namespace) -> list[str]:
    engine = results["engine"]
    rows = [
        ("build rate (docs/s, 1 core, incl. segmentation)", "build_rate", lambda r: r["build_rate"], "higher"),
        ("build time (s)", "build_s", lambda r: r["build_s"], "lower"),
        ("top-10 single query p50 (ms, 1 core)", "p50", lambda r: r["single"]["p50_ms"], "lower"),
        ("top-10 single query p99 (ms, 1 core)", "p99", lambda r: r["single"]["p99_ms"], "lower"),
        ("batch re-match (queries/s, 1 core)", "batch", lambda r: r["batch_qps"], "higher"),
        ("RSS after build (MB)", "rss", lambda r: r["rss_built_mb"], "lower"),
        ("peak RSS (MB)", "peak", lambda r: r["peak_mb"], "lower"),
    ]
    systems = [s for s in ("engine", "bm25s", "rank_bm25") if s in results]
    width = 50
    lines = [f"{'':{width}}" + "".join(f"{s:>14}" for s in systems) + "   engine vs bm25s"]
    for label, _key, get, better in rows:
        values = [get(results[s]) for s in systems]
        line = f"{label:{width}}" + "".join(f"{v:>14,.2f}" if isinstance(v, float) else f"{v:>14,}" for v in values)
        if "bm25s" in results:
            e, b = get(engine), get(results["bm25s"])
            ratio = (e / b if better == "higher" else b / e) if e and b else 0
            line += f"   ×{ratio:.2f} {'better' if ratio >= 1 else 'worse'}"
        lines.append(line)
    lines.append("")
    lines.append(
        f"queries: engine and bm25s {engine['single']['n']}, rank_bm25 "
        f"{results.get('rank_bm25', {}).get('single', {}).get('n', 0)}; idle process with the tokeniser "
        f"loaded: {results['idle']['rss_mb']} MB RSS"
    )
    if "bm25s" in results:
        shared = overlap(engine["results"], results["bm25s"]["results"])
        lines.append(f"top-10 overlap engine/bm25s (first 50 queries): {shared:.2f}")
    lines.append(
        f"engine without MaxScore pruning (every posting scanned): p50 {engine['single_exhaustive']['p50_ms']} ms, "
        f"p99 {engine['single_exhaustive']['p99_ms']} ms; same top-10 for every query"
    )
    if "single_all_terms" in engine:
        full = engine["single_all_terms"]
        lines.append(
            f"engine with every query term selecting candidates (query_terms_max 0, first {full['n']} queries): "
            f"p50 {full['p50_ms']} ms, p99 {full['p99_ms']} ms; top-10 overlap with the default {full['top10_overlap']}"
        )
    lines.append(
        f"engine upsert: {engine['upsert_ms']} ms per changed document (1,000 into the delta segment); "
        f"mean search after: {engine['search_after_upsert_mean_ms']} ms"
    )
    lines.append("")
    goals = [
        ("top-10 p50 ≤ 20 ms on one core", engine["single"]["p50_ms"] <= GOALS["p50_ms"]),
        ("query throughput ≥ bm25s", "bm25s" not in results or engine["batch_qps"] >= results["bm25s"]["batch_qps"]),
        ("peak memory ≤ 2 GB", engine["peak_mb"] <= GOALS["peak_mb"]),
        ("build ≥ 5,000 achievements/s per core", engine["build_rate"] >= GOALS["build_rate"]),
    ]
    lines.extend(f"goal {name}: {'ok' if ok else 'MISSED'}" for name, ok in goals)
    return lines


def bars(results: dict[str, dict[str, Any]]) -> list[str]:
    """A text bar chart: each figure relative to the best system (log-free, 40 columns)."""
    out = []
    metrics = [
        ("top-10 p50 ms", lambda r: r["single"]["p50_ms"]),
        ("batch queries/s", lambda r: r["batch_qps"]),
        ("build docs/s", lambda r: r["build_rate"]),
        ("peak MB", lambda r: r["peak_mb"]),
    ]
    for label, get in metrics:
        out.append(label)
        values = {s: get(r) for s, r in results.items() if s != "idle"}
        top = max(values.values()) or 1
        for system, value in values.items():
            out.append(f"  {system:>10} {'█' * max(1, round(40 * value / top)):<40} {value:,.1f}")
    return out


def svg(results: dict[str, dict[str, Any]], title: str) -> str:
    metrics = [
        ("top-10 p50 (ms)", lambda r: r["single"]["p50_ms"]),
        ("top-10 p99 (ms)", lambda r: r["single"]["p99_ms"]),
        ("batch (queries/s)", lambda r: r["batch_qps"]),
        ("build (docs/s)", lambda r: r["build_rate"]),
        ("peak RSS (MB)", lambda r: r["peak_mb"]),
    ]
    colours = {"engine": "#2b6cb0", "bm25s": "#dd6b20", "rank_bm25": "#718096"}
    systems = [s for s in ("engine", "bm25s", "rank_bm25") if s in results]
    row_h, bar_h, left, width = 24 * len(systems) + 30, 20, 180, 420
    height = 50 + row_h * len(metrics)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 140}" height="{height}" '
        'font-family="sans-serif" font-size="12">',
        f'<text x="10" y="20" font-size="14" font-weight="bold">{title}</text>',
    ]
    for i, (label, get) in enumerate(metrics):
        y0 = 40 + i * row_h
        parts.append(f'<text x="10" y="{y0 + 16}" font-weight="bold">{label}</text>')
        top = max(get(results[s]) for s in systems) or 1
        for j, system in enumerate(systems):
            value = get(results[system])
            w = max(1, width * value / top)
            y = y0 + 22 + j * 24
            parts.append(f'<text x="{left - 8}" y="{y + 14}" text-anchor="end">{system}</text>')
            parts.append(f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{colours[system]}"/>')
            parts.append(f'<text x="{left + w + 6:.1f}" y="{y + 14}">{value:,.1f}</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1_000_000, help="achievements in the corpus (default 1,000,000)")
    parser.add_argument("--queries", type=int, default=1000, help="demands used as queries (default 1,000)")
    parser.add_argument("--rank-queries", type=int, default=5, help="queries for rank_bm25 (scores in Python)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--cpu", type=int, default=0, help="the core every system is pinned to")
    parser.add_argument("--skip", default="", help="comma-separated systems to leave out (bm25s, rank_bm25)")
    parser.add_argument(
        "--baselines-from",
        type=Path,
        help="bm25s and rank_bm25 figures from an earlier results JSON of the same corpus (after an engine change)",
    )
    args = parser.parse_args()

    with tqdm(total=args.n + args.queries, desc="generate corpus", unit="doc", mininterval=2) as bar:
        paths = {
            "achievements": corpus.ensure("achievement", args.n, args.seed, progress=bar),
            "demands": corpus.ensure("demand", args.queries, args.seed + 1000, progress=bar),
        }
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    results: dict[str, dict[str, Any]] = {}
    reused = ""
    if args.baselines_from:
        earlier = json.loads(args.baselines_from.read_text(encoding="utf-8"))
        same = {k: earlier["args"][k] for k in ("n", "queries", "seed", "rank_queries")}
        if same != {"n": args.n, "queries": args.queries, "seed": args.seed, "rank_queries": args.rank_queries}:
            raise SystemExit(f"{args.baselines_from} is of another corpus: {same}")
        for system in ("bm25s", "rank_bm25"):
            if system in earlier["results"]:
                results[system] = earlier["results"][system]
                skip.add(system)
        reused = f"bm25s and rank_bm25 figures from {args.baselines_from.name} (same corpus, an earlier run)"
    for system in ("idle", "engine", "bm25s", "rank_bm25"):
        if system in skip:
            continue
        print(f"running {system} …", file=sys.stderr, flush=True)
        results[system] = run_system(system, args, paths)
        print(f"  {system}: done in {results[system]['wall_s']} s", file=sys.stderr, flush=True)

    title = f"matching: {args.n:,} achievements, {args.queries:,} demands, one core, seed {args.seed}"
    results = {s: results[s] for s in ("idle", "engine", "bm25s", "rank_bm25") if s in results}
    lines = [title, *([reused] if reused else []), "", *table(results, args), "", *bars(results)]
    print("\n".join(lines))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (RESULTS / "latest.json").write_text(
        json.dumps({"args": vars(args), "results": results}, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    (RESULTS / "latest.svg").write_text(svg(results, title), encoding="utf-8")


if __name__ == "__main__":
    main()
