"""The query path's faster forms give exactly what the reference forms give: batch = single searches, the
compiled posting additions = ``np.add.at``, the small index's tail = the pruning size's tail, the gathered
term weights = binary search, the weight-counted query analysis = ``analyse``."""

from __future__ import annotations

import dataclasses
import random
from datetime import date, timedelta
from decimal import Decimal

import numpy as np
import pytest

from apps.matching.engine import Achievement, Demand, MatchIndex, Params, postings
from apps.matching.engine import index as index_module
from tests.matching.random_corpus import WORDS_ZH, text_maker

TODAY = date(2026, 11, 27)
WORDS = [*WORDS_ZH, "battery", "welding", "sensor", "motor", "coating", "bearing"]
MODES = ("transfer", "licence", "cooperative", "equity", "other")


def _corpus(seed: int, n: int, n_queries: int = 40) -> tuple[list[Achievement], list[Demand]]:
    rng = random.Random(seed)
    text = text_maker(rng, WORDS)

    docs = [
        Achievement(
            id=i,
            title=text(3),
            text=text(rng.randint(5, 40)),
            keywords=tuple(rng.sample(WORDS, rng.randint(0, 2))),
            field=rng.choice([None, "manufacturing", "energy", "food"]),
            industries=frozenset(rng.sample(["automotive", "steel", "food"], rng.randint(0, 2))),
            trl=rng.choice([None, 3, 6, 8]),
            cooperation=frozenset(rng.sample(MODES, rng.randint(0, 2))),
            price=rng.choice([None, Decimal("500000"), Decimal("2000000")]),
            region=rng.choice([None, "450202", "450100", "110000"]),
            published=rng.random() > 0.1,
            expires_on=rng.choice([None, TODAY - timedelta(days=3), TODAY + timedelta(days=30)]),
        )
        for i in range(n)
    ]
    queries = [
        Demand(
            id=f"q{i}",
            title=text(2),
            text=text(rng.randint(3, 25)),
            keywords=tuple(rng.sample(WORDS, rng.randint(0, 2))),
            field=rng.choice([None, "manufacturing", "food", "unknown-field"]),
            industries=frozenset(rng.sample(["automotive", "food", "chemicals"], rng.randint(0, 1))),
            wanted_stage=rng.choice([None, "lab", "pilot"]),
            cooperation=frozenset(rng.sample(MODES, rng.randint(0, 2))),
            budget=rng.choice([None, Decimal("1000000")]),
            region=rng.choice([None, "450203", "440100"]),
        )
        for i in range(n_queries)
    ]
    return docs, queries


def _results(matches: list) -> list[tuple[object, float, dict]]:
    return [(m.id, m.score, m.explanation) for m in matches]


def _index(docs: list[Achievement], params: Params | None = None) -> MatchIndex:
    index = MatchIndex("achievement", params=params)
    index.add_many(docs)
    return index


def test_search_many_equals_a_single_search_per_query_with_filters_and_explanations() -> None:
    docs, queries = _corpus(11, 800)
    index = _index(docs, dataclasses.replace(Params(), query_terms_max=4, rerank_pool=150))
    # the same text twice in one batch (analysed once), a query with no known term, another id
    batch = [*queries, queries[3], Demand(id="none", title="无关词语"), dataclasses.replace(queries[5], id="again")]
    for k, today in ((10, TODAY), (3, None)):
        many = index.search_many(batch, k=k, today=today)
        single = [index.search(q, k=k, today=today) for q in batch]
        assert [_results(r) for r in many] == [_results(r) for r in single]
    assert any(len(r) == 10 for r in index.search_many(batch, k=10, today=TODAY))
    assert index.search_many(batch, k=0) == [[] for _ in batch]
    with pytest.raises(TypeError):
        index.search_many([*queries[:2], docs[0]])  # type: ignore[list-item]


def test_compiled_posting_additions_give_the_float32_sums_of_np_add_at() -> None:
    rng = np.random.default_rng(3)
    n = 5000
    lengths = rng.integers(0, 3000, 40)
    indptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    rows = np.concatenate([np.sort(rng.choice(n, int(m), replace=False)) for m in lengths]).astype(np.int32)
    weights = rng.random(len(rows), dtype=np.float32) * 2.5
    terms = rng.permutation(40)
    starts, ends = indptr[terms].tolist(), indptr[terms + 1].tolist()
    qs = (rng.random(40, dtype=np.float32) * 7).tolist()
    compiled = np.zeros(n, dtype=np.float32)
    index_module._add_lists(compiled, rows, weights, starts, ends, qs, (np.zeros(n, np.float32),) * 2)
    reference = np.zeros(n, dtype=np.float32)
    for a, b, q in zip(starts, ends, qs, strict=True):
        np.add.at(reference, rows[a:b], weights[a:b] * np.float32(q))
    assert index_module._csc_matvec is not None
    assert np.array_equal(compiled, reference)


def test_compiled_additions_of_uint16_codes_give_the_float32_sums_of_their_values() -> None:
    # codes are converted into the scratch buffer list by list: the sums are those of float32 weights holding
    # the codes' values (np.add.at of each list, in order), whatever was in the buffer before
    rng = np.random.default_rng(5)
    n = 4000
    lengths = rng.integers(0, n, 30)
    indptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    rows = np.concatenate([np.sort(rng.choice(n, int(m), replace=False)) for m in lengths]).astype(np.int32)
    codes = rng.integers(0, 40_961, len(rows)).astype(np.uint16)
    terms = rng.permutation(30)
    starts, ends = indptr[terms].tolist(), indptr[terms + 1].tolist()
    qs = (rng.random(30, dtype=np.float32) * 7 / 2**14).tolist()
    compiled = np.zeros(n, dtype=np.float32)
    buffers = (np.full(n, np.nan, np.float32), np.full(n, np.nan, np.float32))
    index_module._add_lists(compiled, rows, codes, starts, ends, qs, buffers)
    reference = np.zeros(n, dtype=np.float32)
    for a, b, q in zip(starts, ends, qs, strict=True):
        np.add.at(reference, rows[a:b], codes[a:b].astype(np.float32) * np.float32(q))
    assert reference.any() and np.array_equal(compiled, reference)


@pytest.mark.parametrize("scan_share", [0, 1, 24, 10**9])
def test_the_small_index_tail_gives_the_rows_scores_and_explanations_of_the_reference_tail(
    scan_share: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs, queries = _corpus(12, 1500)
    # a small head: most query terms, the frequent ones with dense rows among them, are in the tail
    params = dataclasses.replace(Params(), query_terms_max=3, rerank_pool=200, prune=False)
    index = _index(docs, params)
    assert len(index._dense) > 0
    monkeypatch.setattr(index_module, "_SCAN_SHARE", scan_share)  # added whole, or from dense rows / searched
    fast = [_results(index.search(q, k=10, today=TODAY)) for q in queries]
    # the reference: the pruning size's tail (every search, no pruning) with np.add.at, not scipy's loop
    monkeypatch.setattr(index_module, "_PRUNE_MIN_ROWS", 0)
    monkeypatch.setattr(index_module, "_csc_matvec", None)
    assert not index._compiled_adds()
    reference = [_results(index.search(q, k=10, today=TODAY)) for q in queries]
    assert fast == reference
    assert sum(len(r) for r in fast) > 200


def test_gathered_term_weights_equal_a_binary_search_of_every_list(monkeypatch: pytest.MonkeyPatch) -> None:
    docs, _ = _corpus(13, 1200)
    index = _index(docs)
    rng = np.random.default_rng(5)
    n_terms = len(index._indptr) - 1
    lengths = np.diff(index._indptr)
    dense = np.flatnonzero(index._dense_of >= 0)
    assert len(dense), "no dense row: the test would not exercise them"
    terms = np.concatenate([dense[:3], rng.choice(n_terms, 20, replace=False), [n_terms + 4]]).astype(np.int64)
    assert lengths[terms[terms < n_terms]].max() > 300
    rows = np.sort(rng.choice(index._n_main, 150, replace=False)).astype(np.int64)
    known = terms < n_terms
    expected = np.zeros((len(rows), len(terms)), dtype=np.float32)
    expected[:, known] = postings.lookup(index._indptr, index._rows, index._weights, terms[known], rows)
    for share in (0, 1, 24, 10**9):  # every list searched … every list scanned
        monkeypatch.setattr(index_module, "_SCAN_SHARE", share)
        assert np.array_equal(index._weight_matrix(rows, terms).T, expected)
        assert np.array_equal(index._term_weights(rows, terms), expected)
    # another thread holds the index's position map: a map of its own, the same weights
    with index._positions_lock:
        assert np.array_equal(index._weight_matrix(rows, terms).T, expected)
    assert (index._positions == -1).all()


def test_an_explanation_read_after_the_index_changed_is_the_one_of_its_search() -> None:
    docs, queries = _corpus(14, 600)
    index = _index(docs[:500])
    untouched = _index(docs[:500])
    held = [index.search(q, k=5, today=TODAY) for q in queries]
    for doc in docs[500:]:
        index.add(doc)
    index.remove(docs[0].id)
    index.compact()  # rows renumbered, main's arrays replaced
    for matches, query in zip(held, queries, strict=True):
        assert _results(matches) == _results(untouched.search(query, k=5, today=TODAY))


def test_a_query_counted_by_weight_equals_the_reference_analysis() -> None:
    docs, queries = _corpus(15, 50, n_queries=60)
    index = _index(docs)
    mixed = [
        Demand(
            id="m1",
            title="锂离子电池 lithium-ion batteries",
            text="动力电池热管理；thermal management",
            keywords=("储能",),
        ),
        Demand(id="m2", title="Anaerobic digestion", text="pig manure biogas 厌氧发酵", keywords=("biogas", "沼气")),
        Demand(id="m3", title="", text=""),
    ]
    for query in [*queries, *mixed]:
        assert index._analyse_query(query) == index.analyse(query, query=True)
    replacing = MatchIndex("achievement", params=dataclasses.replace(Params(), query_concepts_replace=True))
    for query in mixed:
        assert replacing._analyse_query(query) == replacing.analyse(query, query=True)


def test_a_long_query_without_candidates_on_an_index_of_delta_rows_only_finds_nothing() -> None:
    docs, queries = _corpus(16, 60)
    params = dataclasses.replace(Params(), query_terms_max=2, rerank_pool=20)
    index = MatchIndex("achievement", params=params)
    for doc in docs:  # one by one: every row in the delta segment, no main segment
        index.add(dataclasses.replace(doc, published=False))
    assert index._n_main == 0
    long_query = Demand(id="long", title="电池 电机 焊接", text="，".join(WORDS))
    assert index.search(long_query, k=10, today=TODAY) == []
    assert index.search_many([long_query, *queries[:3]], k=10) == [[], [], [], []]
    index.add(docs[0])  # published: found again
    assert [m.id for m in index.search(long_query, k=10)] == [docs[0].id]
