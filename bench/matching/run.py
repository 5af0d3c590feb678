"""Matching engine benchmark: build rate, top-10 latency, batch re-match rate and peak memory of the
engine beside bm25s and rank_bm25 on the same synthetic corpus and tokens, in the same run.

    .venv/bin/python bench/matching/run.py                    # 1,000,000 achievements, 1,000 demands
    .venv/bin/python bench/matching/run.py --n 200000 --queries 500
    .venv/bin/python bench/matching/run.py --sizes 10000,100000,200000,1000000 --skip rank_bm25 --parallel 1

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


def start_system(system: str, args: argparse.Namespace, paths: dict[str, Path], cpu: int) -> Any:
    """The system's process, started (pinned to ``cpu``): finish it with ``finish_system``."""
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
        str(cpu),
    ]
    process = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, text=True)  # noqa: S603
    return system, process, time.perf_counter()


def finish_system(started: Any) -> dict[str, Any]:
    system, process, at = started
    out, _ = process.communicate()
    if process.returncode != 0:
        raise SystemExit(f"{system} failed with exit code {process.returncode}")
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    result["wall_s"] = round(time.perf_counter() - at, 1)
    return result


def run_system(system: str, args: argparse.Namespace, paths: dict[str, Path]) -> dict[str, Any]:
    return finish_system(start_system(system, args, paths, args.cpu))


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
        ("top-10 single query p50, CPU time (ms)", "cpu", lambda r: r.get("single_cpu", {}).get("p50_ms", 0), "lower"),
        ("batch re-match (queries/s, 1 core)", "batch", lambda r: r["batch_qps"], "higher"),
        ("batch re-match per CPU second (queries)", "batch_cpu", lambda r: r.get("batch_cpu_qps", 0), "higher"),
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
        f"engine without MaxScore pruning (every posting scanned, first {engine['single_exhaustive']['n']} queries): "
        f"p50 {engine['single_exhaustive']['p50_ms']} ms, p99 {engine['single_exhaustive']['p99_ms']} ms; "
        "same top-10 for every query"
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


def run_size(n: int, args: argparse.Namespace) -> tuple[list[str], dict[str, dict[str, Any]]]:
    """Every system at ``n`` achievements: the detail lines and the results."""
    size_args = argparse.Namespace(**{**vars(args), "n": n})
    with tqdm(total=n + args.queries, desc=f"corpus {n:,}", unit="doc", mininterval=2) as bar:
        paths = {
            "achievements": corpus.ensure("achievement", n, args.seed, progress=bar),
            "demands": corpus.ensure("demand", args.queries, args.seed + 1000, progress=bar),
        }
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    results: dict[str, dict[str, Any]] = {}
    reused = ""
    if args.baselines_from:
        earlier = json.loads(args.baselines_from.read_text(encoding="utf-8"))
        same = {k: earlier["args"][k] for k in ("n", "queries", "seed", "rank_queries")}
        if same != {"n": n, "queries": args.queries, "seed": args.seed, "rank_queries": args.rank_queries}:
            raise SystemExit(f"{args.baselines_from} is of another corpus: {same}")
        for system in ("bm25s", "rank_bm25"):
            if system in earlier["results"]:
                results[system] = earlier["results"][system]
                skip.add(system)
        reused = f"bm25s and rank_bm25 figures from {args.baselines_from.name} (same corpus, an earlier run)"
    systems = [s for s in ("idle", "engine", "bm25s", "rank_bm25") if s not in skip]
    if args.parallel and {"engine", "bm25s"} <= set(systems):
        # the engine and bm25s at the same time, each pinned to its own core: a machine shared with
        # other jobs then slows both alike (one after the other, a burst of load hits only one)
        results["idle"] = run_system("idle", size_args, paths)
        print(f"running engine (core {args.cpu}) and bm25s (core {args.parallel}) at {n:,} …", file=sys.stderr)
        engine = start_system("engine", size_args, paths, args.cpu)
        bm25s = start_system("bm25s", size_args, paths, args.parallel)
        results["bm25s"] = finish_system(bm25s)
        results["engine"] = finish_system(engine)
        systems = [s for s in systems if s not in results]
    for system in systems:
        print(f"running {system} at {n:,} …", file=sys.stderr, flush=True)
        results[system] = run_system(system, size_args, paths)
        print(f"  {system}: done in {results[system]['wall_s']} s", file=sys.stderr, flush=True)
    title = f"matching: {n:,} achievements, {args.queries:,} demands, one core, seed {args.seed}"
    results = {s: results[s] for s in ("idle", "engine", "bm25s", "rank_bm25") if s in results}
    return [title, *([reused] if reused else []), "", *table(results, size_args), "", *bars(results)], results


def summary(by_size: dict[int, dict[str, dict[str, Any]]]) -> list[str]:
    """One line per size: the engine beside bm25s (p50, batch, peak memory) and the goals."""
    head = (
        f"{'achievements':>12} {'engine p50':>11} {'bm25s p50':>10} {'×':>6} {'engine q/s':>11} {'bm25s q/s':>10} "
        f"{'×':>6} {'engine MB':>10} {'bm25s MB':>9}"
    )
    lines = ["engine vs bm25s (top-10, one core each; p50 in ms, batch in queries/s, peak RSS in MB)", head]
    goals = []
    for n, results in by_size.items():
        e, b = results["engine"], results.get("bm25s")
        if b is None:
            continue
        p50 = b["single"]["p50_ms"] / e["single"]["p50_ms"]
        batch = e["batch_qps"] / b["batch_qps"]
        lines.append(
            f"{n:>12,} {e['single']['p50_ms']:>11.2f} {b['single']['p50_ms']:>10.2f} {p50:>6.2f} "
            f"{e['batch_qps']:>11,.1f} {b['batch_qps']:>10,.1f} {batch:>6.2f} "
            f"{e['peak_mb']:>10,.1f} {b['peak_mb']:>9,.1f}"
        )
        goals.append((f"{n:,}: p50 below bm25s", p50 > 1))
        goals.append((f"{n:,}: batch above bm25s", batch > 1))
    if 1_000_000 in by_size:
        goals.append(("1,000,000: engine peak memory ≤ 1 GB", by_size[1_000_000]["engine"]["peak_mb"] <= 1024))
    lines.append("(× = how many times the engine is ahead: bm25s p50 / engine p50, engine q/s / bm25s q/s)")
    lines.append("")
    lines.append("the same in CPU time (process time: what a query costs when the core is shared with other jobs)")
    lines.append(
        f"{'achievements':>12} {'engine p50':>11} {'bm25s p50':>10} {'×':>6} "
        f"{'engine q/s':>11} {'bm25s q/s':>10} {'×':>6}"
    )
    for n, results in by_size.items():
        e, b = results["engine"], results.get("bm25s")
        if b is None or "single_cpu" not in e or "single_cpu" not in b:
            continue
        p50 = b["single_cpu"]["p50_ms"] / e["single_cpu"]["p50_ms"]
        batch = e["batch_cpu_qps"] / b["batch_cpu_qps"]
        lines.append(
            f"{n:>12,} {e['single_cpu']['p50_ms']:>11.2f} {b['single_cpu']['p50_ms']:>10.2f} {p50:>6.2f} "
            f"{e['batch_cpu_qps']:>11,.1f} {b['batch_cpu_qps']:>10,.1f} {batch:>6.2f}"
        )
    explained = [
        f"{n:,}: {r['engine']['single_explained']['p50_ms']} ms"
        for n, r in by_size.items()
        if "single_explained" in r["engine"]
    ]
    if explained:
        lines.append("engine p50 when every explanation is also read (first 200 queries): " + ", ".join(explained))
    lines.append("")
    lines.extend(f"goal {name}: {'ok' if ok else 'MISSED'}" for name, ok in goals)
    return lines


def svg_sizes(by_size: dict[int, dict[str, dict[str, Any]]], title: str) -> str:
    """Grouped bars per size: p50, batch and peak memory of the engine and bm25s (each row scaled to its
    largest value)."""
    metrics = [
        ("top-10 p50 (ms, lower is better)", lambda r: r["single"]["p50_ms"]),
        ("batch (queries/s, higher is better)", lambda r: r["batch_qps"]),
        ("peak RSS (MB, lower is better)", lambda r: r["peak_mb"]),
    ]
    colours = {"engine": "#2b6cb0", "bm25s": "#dd6b20"}
    sizes = [n for n in by_size if "bm25s" in by_size[n]]
    bar_h, left, width = 16, 170, 380
    block = 20 + len(sizes) * 2 * (bar_h + 2) + 10
    height = 60 + block * len(metrics)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 120}" height="{height}" '
        'font-family="sans-serif" font-size="12">',
        f'<text x="10" y="20" font-size="14" font-weight="bold">{title}</text>',
        f'<rect x="{left}" y="30" width="12" height="12" fill="{colours["engine"]}"/>'
        f'<text x="{left + 16}" y="40">engine</text>'
        f'<rect x="{left + 80}" y="30" width="12" height="12" fill="{colours["bm25s"]}"/>'
        f'<text x="{left + 96}" y="40">bm25s</text>',
    ]
    for i, (label, get) in enumerate(metrics):
        y0 = 55 + i * block
        parts.append(f'<text x="10" y="{y0 + 12}" font-weight="bold">{label}</text>')
        top = max((get(by_size[n][s]) for n in sizes for s in colours), default=0) or 1  # no bm25s: no bars
        y = y0 + 20
        for n in sizes:
            parts.append(f'<text x="{left - 8}" y="{y + 2 * bar_h - 2}" text-anchor="end">{n:,}</text>')
            for system, colour in colours.items():
                value = get(by_size[n][system])
                w = max(1, width * value / top)
                parts.append(f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{colour}"/>')
                parts.append(f'<text x="{left + w + 6:.1f}" y="{y + bar_h - 3}">{value:,.1f}</text>')
                y += bar_h + 2
    parts.append("</svg>")
    return "\n".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1_000_000, help="achievements in the corpus (default 1,000,000)")
    parser.add_argument(
        "--sizes", help="comma-separated corpus sizes run one after another in one run (e.g. 10000,100000,1000000)"
    )
    parser.add_argument("--queries", type=int, default=1000, help="demands used as queries (default 1,000)")
    parser.add_argument("--rank-queries", type=int, default=5, help="queries for rank_bm25 (scores in Python)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--cpu", type=int, default=0, help="the core every system is pinned to")
    parser.add_argument(
        "--parallel",
        type=int,
        metavar="CPU",
        help="run the engine and bm25s at the same time, bm25s pinned to this core (the engine to --cpu)",
    )
    parser.add_argument("--skip", default="", help="comma-separated systems to leave out (bm25s, rank_bm25)")
    parser.add_argument(
        "--baselines-from",
        type=Path,
        help="bm25s and rank_bm25 figures from an earlier results JSON of the same corpus (after an engine change)",
    )
    args = parser.parse_args()
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",")] if args.sizes else [args.n]
    if args.baselines_from and len(sizes) > 1:
        raise SystemExit("--baselines-from takes one size")
    if len(sizes) > 1:
        # the largest corpus first: the smaller ones are its first rows (see corpus.ensure)
        with tqdm(total=max(sizes), desc="corpus", unit="doc", mininterval=2) as bar:
            corpus.ensure("achievement", max(sizes), args.seed, progress=bar)
    by_size: dict[int, dict[str, dict[str, Any]]] = {}
    details: list[str] = []
    for n in sizes:
        lines, by_size[n] = run_size(n, args)
        details.extend([*lines, ""])
        print("\n".join(lines), flush=True)
        write(args, sizes, by_size, details)  # after every size: a cut-short run keeps what it measured


def write(
    args: argparse.Namespace, sizes: list[int], by_size: dict[int, dict[str, dict[str, Any]]], details: list[str]
) -> None:
    RESULTS.mkdir(exist_ok=True)
    done = list(by_size)
    if len(sizes) == 1:
        n = sizes[0]
        title = details[0]
        out = details[:-1]
        payload: dict[str, Any] = {"args": {**vars(args), "n": n}, "results": by_size[n]}
        chart = svg(by_size[n], title)
    else:
        title = f"matching: {', '.join(f'{n:,}' for n in done)} achievements, {args.queries:,} demands, one core"
        missing = [f"{n:,}" for n in sizes if n not in by_size]
        note = [f"not measured (run cut short): {', '.join(missing)}", ""] if missing else []
        out = [title, "", *note, *summary(by_size), "", *details[:-1]]
        payload = {
            "args": {**vars(args), "baselines_from": None},
            "sizes": {str(n): {"args": {**vars(args), "n": n}, "results": r} for n, r in by_size.items()},
        }
        chart = svg_sizes(by_size, title)
    text = json.dumps(payload, ensure_ascii=False, indent=1, default=str)
    (RESULTS / "latest.txt").write_text("\n".join(out) + "\n", encoding="utf-8")
    (RESULTS / "latest.json").write_text(text, encoding="utf-8")
    (RESULTS / "latest.svg").write_text(chart, encoding="utf-8")


if __name__ == "__main__":
    main()
