"""One system measured in its own process: ``python -m bench.matching.systems SYSTEM --corpus … --queries …``.

Each run is pinned to one core (``os.sched_setaffinity``) and prints one JSON object as its last line
of standard output. Peak memory is this process's ``ru_maxrss``, so systems do not pollute each
other's figures. Every system reads the same corpus file and uses the engine's tokeniser (rjieba
search mode + glossary concepts), so they index the same tokens; the engine weights title and keyword
tokens more, the baselines see one flat token list per document (title, keywords, text).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from bench.matching.corpus import TODAY, read_achievements, read_demands

WARMUP = 20
FULL_QUERIES = 200  # queries also run with explanations read, without pruning and with every term selecting


def _pin(cpu: int) -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {cpu})


def _rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _percentiles(ms: list[float]) -> dict[str, float]:
    a = np.array(ms)
    return {
        "p50_ms": round(float(np.percentile(a, 50)), 3),
        "p99_ms": round(float(np.percentile(a, 99)), 3),
        "mean_ms": round(float(a.mean()), 3),
        "n": len(ms),
    }


def _progress(total: int, label: str) -> Any:
    return tqdm(total=total, desc=label, unit="doc", file=sys.stderr, mininterval=2, leave=False)


def run_idle(args: argparse.Namespace) -> dict[str, Any]:
    from apps.matching.engine.tokenise import default_tokeniser

    default_tokeniser().tokenize("预热 warm up")
    return {"rss_mb": round(_rss_mb(), 1), "peak_mb": round(_peak_mb(), 1)}


def run_engine(args: argparse.Namespace) -> dict[str, Any]:
    from apps.matching.engine import MatchIndex

    index = MatchIndex("achievement")
    with _progress(args.n, "engine build") as bar:
        started = time.perf_counter()
        index.add_many(read_achievements(args.corpus, args.n), progress=bar)
        build_s = time.perf_counter() - started
    rss_built = _rss_mb()
    queries = read_demands(args.queries, args.n_queries)
    for q in queries[:WARMUP]:
        index.search(q, k=10, today=TODAY)
    latencies: list[float] = []
    results: list[list[Any]] = []
    cpu_ms: list[float] = []
    for q in queries:
        started, cpu = time.perf_counter(), time.process_time()
        matches = index.search(q, k=10, today=TODAY)
        latencies.append((time.perf_counter() - started) * 1000)
        cpu_ms.append((time.process_time() - cpu) * 1000)
        results.append([m.id for m in matches])
    # the same queries again, every explanation read as well (they are built on first read)
    explained: list[float] = []
    for q in queries[:FULL_QUERIES]:
        started = time.perf_counter()
        for m in index.search(q, k=10, today=TODAY):
            assert m.explanation  # noqa: S101
        explained.append((time.perf_counter() - started) * 1000)
    # the same queries with MaxScore pruning off (every posting of every term scanned): same results
    import dataclasses

    pruned_params = index.params
    index.params = dataclasses.replace(pruned_params, prune=False)
    dense: list[float] = []
    for q, expected in zip(queries[:FULL_QUERIES], results, strict=False):
        started = time.perf_counter()
        matches = index.search(q, k=10, today=TODAY)
        dense.append((time.perf_counter() - started) * 1000)
        assert [m.id for m in matches] == expected, "pruned and exhaustive results differ"  # noqa: S101
    # every query term selecting candidates (no head/tail split of long queries): what the split costs
    index.params = dataclasses.replace(pruned_params, query_terms_max=0)
    full: list[float] = []
    shared: list[float] = []
    for q, expected in zip(queries[:FULL_QUERIES], results, strict=False):
        started = time.perf_counter()
        matches = index.search(q, k=10, today=TODAY)
        full.append((time.perf_counter() - started) * 1000)
        shared.append(len({m.id for m in matches} & set(expected)) / max(len(expected), 1))
    index.params = pruned_params
    started, cpu = time.perf_counter(), time.process_time()
    batch = index.search_many(queries, k=10, today=TODAY)
    batch_s = time.perf_counter() - started
    batch_cpu_s = time.process_time() - cpu
    assert [[m.id for m in r] for r in batch] == results, "batch and single results differ"  # noqa: S101
    # incremental path: upsert 1,000 changed documents, then search again
    changed = list(read_achievements(args.corpus, 1000))
    started = time.perf_counter()
    for doc in changed:
        index.add(type(doc)(**{**doc.__dict__, "title": doc.title + " 改进"}))
    upsert_ms = (time.perf_counter() - started) * 1000 / len(changed)
    started = time.perf_counter()
    for q in queries[:100]:
        index.search(q, k=10, today=TODAY)
    after_upsert = (time.perf_counter() - started) * 1000 / min(100, len(queries))
    return {
        "docs": len(index),
        "build_s": round(build_s, 2),
        "build_rate": round(args.n / build_s, 1),
        "single": _percentiles(latencies),
        "single_cpu": _percentiles(cpu_ms),
        "batch_cpu_qps": round(len(queries) / batch_cpu_s, 1),
        "single_explained": _percentiles(explained),
        "single_exhaustive": _percentiles(dense),
        "single_all_terms": {**_percentiles(full), "top10_overlap": round(float(np.mean(shared)), 3)},
        "batch_qps": round(len(queries) / batch_s, 1),
        "rss_built_mb": round(rss_built, 1),
        "peak_mb": round(_peak_mb(), 1),
        "upsert_ms": round(upsert_ms, 3),
        "search_after_upsert_mean_ms": round(after_upsert, 3),
        "results": results[:50],
    }


def _tokenised_corpus(args: argparse.Namespace) -> tuple[list[list[int]], dict[str, int], float]:
    from apps.matching.engine.tokenise import default_tokeniser

    tok = default_tokeniser()
    vocab: dict[str, int] = {}
    corpus: list[list[int]] = []
    started = time.perf_counter()
    with _progress(args.n, "tokenise") as bar:
        for doc in read_achievements(args.corpus, args.n):
            tokens = tok.tokenize(f"{doc.title} ; {' ; '.join(doc.keywords)} ; {doc.text}")
            # dict values are shared int objects: a document's list holds references, not new ints
            corpus.append([vocab.setdefault(t, len(vocab)) for t in tokens])
            bar.update(1)
    return corpus, vocab, time.perf_counter() - started


def _published_mask(args: argparse.Namespace) -> np.ndarray:
    return np.fromiter((d.published for d in read_achievements(args.corpus, args.n)), dtype=np.float32)


def _query_ids(args: argparse.Namespace, vocab: dict[str, int]) -> list[list[int]]:
    from apps.matching.engine.tokenise import default_tokeniser

    tok = default_tokeniser()
    out = []
    for q in read_demands(args.queries, args.n_queries):
        ids = [vocab[t] for t in tok.tokenize(f"{q.title} ; {q.text}") if t in vocab]
        out.append(ids or [0])
    return out


def run_bm25s(args: argparse.Namespace) -> dict[str, Any]:
    import bm25s

    corpus, vocab, tokenise_s = _tokenised_corpus(args)
    started = time.perf_counter()
    retriever = bm25s.BM25(k1=1.5, b=0.75)
    retriever.index((corpus, vocab), show_progress=False)
    index_s = time.perf_counter() - started
    del corpus
    rss_built = _rss_mb()
    mask = _published_mask(args)  # the engine's published filter, as bm25s's weight mask
    queries = _query_ids(args, vocab)
    from apps.matching.engine.tokenise import default_tokeniser

    tok = default_tokeniser()
    texts = [f"{q.title} ; {q.text}" for q in read_demands(args.queries, args.n_queries)]

    def one(i: int) -> list[int]:
        # tokenising the query is part of a query, as in the engine
        ids = [vocab[t] for t in tok.tokenize(texts[i]) if t in vocab] or [0]
        docs, _scores = retriever.retrieve([ids], k=10, show_progress=False, n_threads=1, weight_mask=mask)
        return [int(d) for d in docs[0]]

    for i in range(min(WARMUP, len(queries))):
        one(i)
    latencies: list[float] = []
    results = []
    cpu_ms: list[float] = []
    for i in range(len(queries)):
        started, cpu = time.perf_counter(), time.process_time()
        results.append(one(i))
        latencies.append((time.perf_counter() - started) * 1000)
        cpu_ms.append((time.process_time() - cpu) * 1000)
    started, cpu = time.perf_counter(), time.process_time()
    retriever.retrieve(queries, k=10, show_progress=False, n_threads=1, weight_mask=mask)
    batch_s = time.perf_counter() - started
    batch_cpu_s = time.process_time() - cpu
    started, cpu = time.perf_counter(), time.process_time()
    for t in texts:  # tokenising the queries is part of a batch, as in the engine
        tok.tokenize(t)
    batch_s += time.perf_counter() - started
    batch_cpu_s += time.process_time() - cpu
    return {
        "docs": args.n,
        "tokenise_s": round(tokenise_s, 2),
        "index_s": round(index_s, 2),
        "build_s": round(tokenise_s + index_s, 2),
        "build_rate": round(args.n / (tokenise_s + index_s), 1),
        "single": _percentiles(latencies),
        "single_cpu": _percentiles(cpu_ms),
        "batch_qps": round(len(queries) / batch_s, 1),
        "batch_cpu_qps": round(len(queries) / batch_cpu_s, 1),
        "rss_built_mb": round(rss_built, 1),
        "peak_mb": round(_peak_mb(), 1),
        "results": results[:50],
    }


def _time(fn: Any) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def run_rank_bm25(args: argparse.Namespace) -> dict[str, Any]:
    from rank_bm25 import BM25Okapi

    corpus, vocab, tokenise_s = _tokenised_corpus(args)
    started = time.perf_counter()
    bm25 = BM25Okapi(corpus, k1=1.5, b=0.75)
    index_s = time.perf_counter() - started
    del corpus
    rss_built = _rss_mb()
    queries = _query_ids(args, vocab)[: args.rank_queries]
    latencies = []
    results = []
    for ids in queries:
        started = time.perf_counter()
        scores = bm25.get_scores(ids)
        top = np.argpartition(-scores, 10)[:10]
        top = top[np.argsort(-scores[top])]
        latencies.append((time.perf_counter() - started) * 1000)
        results.append([int(t) for t in top])
    return {
        "docs": args.n,
        "tokenise_s": round(tokenise_s, 2),
        "index_s": round(index_s, 2),
        "build_s": round(tokenise_s + index_s, 2),
        "build_rate": round(args.n / (tokenise_s + index_s), 1),
        "single": _percentiles(latencies),
        "batch_qps": round(len(latencies) / (sum(latencies) / 1000), 2),
        "rss_built_mb": round(rss_built, 1),
        "peak_mb": round(_peak_mb(), 1),
        "results": results,
    }


SYSTEMS = {"idle": run_idle, "engine": run_engine, "bm25s": run_bm25s, "rank_bm25": run_rank_bm25}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("system", choices=sorted(SYSTEMS))
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--queries", type=Path, required=True)
    parser.add_argument("--n", type=int, required=True)
    parser.add_argument("--n-queries", type=int, default=1000)
    parser.add_argument("--rank-queries", type=int, default=5)
    parser.add_argument("--cpu", type=int, default=0)
    args = parser.parse_args()
    _pin(args.cpu)
    result = SYSTEMS[args.system](args)
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
