"""The main segment's storage: postings built chunk by chunk, weights as uint16 codes of a power-of-two unit."""

from __future__ import annotations

import dataclasses
from datetime import date

import numpy as np
import pytest
import scipy.sparse as sp

from apps.matching.engine import Achievement, MatchIndex, Params, postings
from apps.matching.engine import index as index_module
from tests.matching.random_corpus import random_corpus

TODAY = date(2026, 11, 27)
WORDS = [
    "电池",
    "热管理",
    "焊缝",
    "检测",
    "视觉",
    "发酵",
    "酸笋",
    "冲压",
    "回弹",
    "高强钢",
    "电机",
    "控制",
    "传感器",
    "算法",
    "材料",
    "涂层",
    "齿轮",
    "汽车",
    "储能",
    "轻量化",
]


def test_chunks_are_scattered_into_the_same_csc_as_a_whole_transpose() -> None:
    rng = np.random.default_rng(1)
    n_rows, n_terms = 700, 50
    dense = (rng.random((n_rows, n_terms)) < 0.2) * rng.integers(1, 4000, size=(n_rows, n_terms))
    csr = sp.csr_matrix(dense.astype(np.uint16))
    chunks = []
    start = 0
    for end in (0, 1, 150, 151, 400, n_rows):  # an empty chunk, one row, uneven sizes
        a, b = int(csr.indptr[start]), int(csr.indptr[end])
        chunks.append(
            postings.Chunk(
                start,
                np.diff(csr.indptr[start : end + 1]).astype(np.int64),
                csr.indices[a:b].astype(np.int32),
                csr.data[a:b],
            )
        )
        start = end
    indptr, rows, quarters = postings.build_csc(chunks, n_terms + 3)  # three terms without postings
    assert chunks == []  # emptied: the caller's chunks are freed as they are used
    want = sp.csc_matrix(dense.astype(np.uint16), shape=(n_rows, n_terms))
    want.sort_indices()
    assert indptr.tolist() == [*want.indptr.tolist(), *[want.nnz] * 3]
    assert rows.dtype == np.int32 and quarters.dtype == np.uint16
    assert rows.tolist() == want.indices.tolist()
    assert quarters.tolist() == want.data.tolist()


def test_unit_is_a_power_of_two_that_keeps_every_weight_below_the_largest_code() -> None:
    for bound in (1.2, 2.0, 2.5, 3.0, 7.9):
        unit = postings.unit_for(bound)
        assert np.log2(unit) == int(np.log2(unit))
        assert bound / unit <= postings.CODE_MAX < 2 * bound / unit
    assert postings.encode(np.array([0.0, 1.0, 2.49], dtype=np.float32), 2.0**-14).tolist() == [0, 16384, 40796]


def _float32_twin(index: MatchIndex) -> MatchIndex:
    """The same index with every code replaced by its float32 weight (code · unit) and the unit 1: the
    layout before codes, holding the codes' values."""
    twin = MatchIndex(index.kind, params=index.params)
    twin.__dict__.update(index.__dict__)
    unit = np.float32(index._unit)
    twin._weights = index._weights.astype(np.float32) * unit
    twin._dense = index._dense.astype(np.float32) * unit
    twin._maxw = index._maxw * unit
    twin._unit = 1.0
    twin._scratch = np.zeros(0, dtype=np.float32)
    twin._eligible = {}
    return twin


@pytest.mark.parametrize("query_terms_max", [0, 3])
def test_codes_times_scaled_query_weights_give_exactly_the_float32_scores(
    query_terms_max: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the pruned head scan and the dense rows run on this small corpus too
    monkeypatch.setattr(index_module, "_PRUNE_MIN_ROWS", 0)
    docs, queries = random_corpus(11, 1500, words=WORDS, n_queries=30)
    params = dataclasses.replace(Params(), query_terms_max=query_terms_max, rerank_pool=200)
    index = MatchIndex("achievement", params=params)
    index.add_many(docs[:1400])
    for doc in docs[1400:]:  # a delta segment (exact float weights, in units) beside the codes
        index.add(doc)
    assert len(index._dense) and index._delta_rows == 100
    assert index._weights.dtype == np.uint16 and index._dense.dtype == np.uint16
    twin = _float32_twin(index)
    found_delta = False
    for query in queries:
        got = index.search(query, k=10, today=TODAY)
        want = twin.search(query, k=10, today=TODAY)
        assert [(m.id, m.score, m.explanation) for m in got] == [(m.id, m.score, m.explanation) for m in want]
        found_delta |= any(int(m.id) >= 1400 for m in got)
        assert np.array_equal(
            index.ranking_features(query, [m.id for m in got]), twin.ranking_features(query, [m.id for m in got])
        )
    assert found_delta


def test_codes_are_within_half_a_unit_of_the_weight_and_a_merge_recovers_every_term_frequency() -> None:
    docs, queries = random_corpus(12, 600, words=WORDS, n_queries=30)
    # very large term frequencies, which a code no longer pins down: kept aside for the merge
    docs.append(Achievement(id=600, title="电池", text="，".join(["电池"] * 700 + ["涂层"] * 90)))
    docs.append(Achievement(id=601, title="齿轮", text="，".join(["齿轮"] * 300)))
    index = MatchIndex("achievement")
    index.add_many(docs)
    nnz = len(index._rows)
    assert index._rows.nbytes + index._weights.nbytes == 6 * nnz  # int32 row, uint16 code
    # every posting's quarters, from the documents themselves
    quarters = np.zeros(nnz, dtype=np.int64)
    for row, doc in enumerate(docs):
        for term, tf in index.analyse(doc).items():
            t = index._terms[term]
            a, b = int(index._indptr[t]), int(index._indptr[t + 1])
            quarters[a + int(np.searchsorted(index._rows[a:b], row))] = index_module._quarters(tf)
    length = index._cols.length[index._rows]
    exact = index._tf_part(quarters.astype(np.float32) / np.float32(4), length)
    assert np.abs(index._weights * index._unit - exact).max() <= index._unit / 2
    assert len(index._lost_at), "no term frequency too large for its code: the test exercises nothing"
    assert index._main_quarters().tolist() == quarters.tolist()
    before = [index.search(q, k=10) for q in queries]
    rows, codes = index._rows.copy(), index._weights.copy()
    index.compact()  # recovers the term frequencies from the codes and rebuilds
    assert np.array_equal(index._rows, rows) and np.array_equal(index._weights, codes)
    assert [index.search(q, k=10) for q in queries] == before
