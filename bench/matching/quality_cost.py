"""What engine 1.2.0's quality work costs per query: the same index and queries with the CC-CEDICT
translations and the learned ranker switched on and off, interleaved query by query in one process, so
a busy machine slows every variant alike (``run.py`` measures each system in its own process, minutes
apart, which on a loaded machine varies more than the difference measured here).

    .venv/bin/python bench/matching/quality_cost.py [--n 10000] [--queries 300]

Prints the build time and the p50/p90 per-query milliseconds of each variant and the differences, and
writes ``bench/matching/results/quality-cost.{txt,json}``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

from apps.matching.engine import MatchIndex, Params  # noqa: E402
from apps.matching.engine.glossary import load_glossary  # noqa: E402
from apps.matching.engine.tokenise import Tokeniser, default_dictionary  # noqa: E402
from bench.matching import corpus  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    achievements = list(corpus.read_achievements(corpus.ensure("achievement", args.n, args.seed)))
    demands = corpus.read_demands(corpus.ensure("demand", args.queries, args.seed + 1000))
    glossary = load_glossary()
    plain = Tokeniser(glossary, None, lemmatise=False)
    full = Tokeniser(glossary, default_dictionary())
    variants = {
        "1.1.0 analysis (no dictionary, stem, BM25 relevance)": (
            plain,
            dataclasses.replace(Params(), learned_ranker=False),
        ),
        "+ dictionary and lemmas": (full, dataclasses.replace(Params(), learned_ranker=False)),
        "+ learned ranker (1.2.0)": (full, Params()),
    }
    indexes: dict[str, MatchIndex] = {}
    build: dict[str, float] = {}
    for name, (tokeniser, params) in variants.items():
        started = time.perf_counter()
        index = MatchIndex("achievement", params=params, tokeniser=tokeniser)
        index.add_many(achievements)
        build[name] = time.perf_counter() - started
        indexes[name] = index
        print(f"built {name}: {build[name]:.1f} s", flush=True)
    for index in indexes.values():  # warm up: caches of the tokeniser, the filters
        for demand in demands[:20]:
            index.search(demand, k=10)
    timings: dict[str, list[float]] = {name: [] for name in variants}
    for demand in demands:
        for name, index in indexes.items():
            started = time.perf_counter()
            index.search(demand, k=10)
            timings[name].append((time.perf_counter() - started) * 1000)
    base = next(iter(variants))
    rows = {}
    lines = [f"engine per-query cost, {args.n:,} achievements, {len(demands)} demands, interleaved, one process", ""]
    for name, ms in timings.items():
        p50, p90 = float(np.median(ms)), float(np.percentile(ms, 90))
        rows[name] = {"build_s": round(build[name], 2), "p50_ms": round(p50, 3), "p90_ms": round(p90, 3)}
        delta = p50 - float(np.median(timings[base]))
        lines.append(
            f"{name:<55} build {build[name]:6.1f} s   p50 {p50:7.3f} ms   p90 {p90:7.3f} ms   Δp50 {delta:+.3f} ms"
        )
    text = "\n".join(lines)
    print(text)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "quality-cost.txt").write_text(text + "\n", encoding="utf-8")
    (RESULTS / "quality-cost.json").write_text(
        json.dumps({"n": args.n, "queries": len(demands), "variants": rows}, indent=2) + "\n", encoding="utf-8"
    )


if __name__ == "__main__":
    main()
