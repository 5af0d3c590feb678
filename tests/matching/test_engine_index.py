"""The match index: relevance, upserts and removals, hard filters, structured fit, explanations."""

from __future__ import annotations

import dataclasses
import json
import math
from collections import Counter
from datetime import date
from decimal import Decimal

import pytest

from apps.matching.engine import ENGINE_VERSION, Achievement, Demand, Match, MatchIndex, Params
from apps.matching.engine import index as index_module
from apps.matching.engine.tokenise import QUERY_STOP_ZH
from tests.matching.random_corpus import random_corpus

TODAY = date(2026, 11, 27)


def achievements() -> list[Achievement]:
    return [
        Achievement(
            id=1, title="动力电池热管理系统", text="锂离子电池组的液冷热管理与荷电状态估计", keywords=("动力电池",)
        ),
        Achievement(id=2, title="焊缝缺陷视觉检测", text="基于深度学习的焊缝缺陷在线检测"),
        Achievement(id=3, title="螺蛳粉酸笋发酵工艺", text="酸笋发酵菌种与风味控制"),
        Achievement(id=4, title="高强钢冲压回弹控制", text="汽车高强钢板冲压成形的回弹补偿"),
        Achievement(
            id="en-5", title="Anaerobic digestion of pig manure", text="Biogas from livestock manure.", lang="en"
        ),
    ]


def build(docs: list[Achievement] | None = None) -> MatchIndex:
    index = MatchIndex("achievement")
    index.add_many(docs if docs is not None else achievements())
    return index


def test_the_best_text_match_comes_first_with_a_json_explanation() -> None:
    index = build()
    matches = index.search(Demand(id="d", title="电池热管理", text="需要动力电池的热管理技术"), k=3)
    assert matches[0].id == 1
    assert isinstance(matches[0], Match)
    assert 0 < matches[0].score <= 1
    explanation = matches[0].explanation
    assert json.loads(json.dumps(explanation, ensure_ascii=False)) == explanation
    assert explanation["engine_version"] == ENGINE_VERSION
    assert explanation["score"] == pytest.approx(matches[0].score, abs=1e-6)
    terms = [t["term"] for t in explanation["text"]["terms"]]
    assert "热管理" in terms and "动力电池" in terms
    assert [c["criterion"] for c in explanation["criteria"]] == [
        "field",
        "industry",
        "trl",
        "cooperation",
        "price",
        "region",
    ]
    # text part + criteria contributions make the score
    total = explanation["text"]["score"] + sum(c["contribution"] for c in explanation["criteria"])
    assert total == pytest.approx(matches[0].score, abs=1e-5)
    assert {"filter": "published"} in explanation["filters"]


def test_no_shared_term_means_no_match() -> None:
    assert build().search(Demand(id="d", title="量子通信", text="量子密钥分发"), k=5) == []
    assert build().search(Demand(id="d", title="", text=""), k=5) == []
    assert build().search(Demand(id="d", title="电池", text=""), k=0) == []
    assert MatchIndex().search(Demand(id="d", title="电池"), k=5) == []


def test_an_english_achievement_is_found_from_a_chinese_demand() -> None:
    matches = build().search(Demand(id="d", title="畜禽粪便厌氧消化", text="养猪场粪便产沼气"), k=3)
    assert matches[0].id == "en-5"
    terms = matches[0].explanation["text"]["terms"]
    # every matched term came through the glossary (shown as the Chinese concept with its English) or the
    # dictionary (the English word a Chinese word of the demand translates to: 厌氧 → anaerobic)
    assert terms and all(t["via"] in ("glossary", "dictionary") for t in terms)
    assert {"term": "anaerobic", "via": "dictionary"}.items() <= next(
        t for t in terms if t["term"] == "anaerobic"
    ).items()
    assert {"term": "厌氧消化", "english": "anaerobic digestion"}.items() <= next(
        t for t in terms if t["term"] == "厌氧消化"
    ).items()


def test_a_chinese_achievement_is_found_from_an_english_demand() -> None:
    matches = build().search(Demand(id="d", title="Weld seam defect detection", text="machine vision for welds"), k=3)
    assert matches[0].id == 2


def test_the_reverse_direction_indexes_demands_and_is_searched_with_an_achievement() -> None:
    demands = MatchIndex("demand")
    demands.add_many(
        [
            Demand(id="d1", title="汽车钢板冲压回弹", text="高强钢冲压件回弹大", wanted_stage="pilot"),
            Demand(id="d2", title="中药提取", text="中药有效成分提取工艺"),
        ]
    )
    matches = demands.search(Achievement(id=9, title="High strength steel stamping springback", trl=6), k=5)
    assert [m.id for m in matches][:1] == ["d1"]
    trl = next(c for c in matches[0].explanation["criteria"] if c["criterion"] == "trl")
    assert trl["passed"] is True
    with pytest.raises(TypeError):
        demands.search(Demand(id="x", title="钢"), k=1)
    with pytest.raises(TypeError):
        demands.add(Achievement(id="x", title="钢"))
    with pytest.raises(ValueError, match="kind"):
        MatchIndex("listing")  # type: ignore[arg-type]


def test_add_is_an_upsert_and_remove_drops_the_document() -> None:
    index = build()
    assert len(index) == 5 and 3 in index and index.doc_ids() == {1, 2, 3, 4, "en-5"}
    demand = Demand(id="d", title="螺蛳粉酸笋", text="酸笋风味")
    assert index.search(demand, k=1)[0].id == 3
    index.add(Achievement(id=3, title="钛合金铸造", text="钛合金精密铸造"))
    assert len(index) == 5
    assert all(m.id != 3 for m in index.search(demand, k=5))
    index.remove(3)
    index.remove(3)  # removing twice is a no-op
    assert 3 not in index and len(index) == 4
    assert index.search(Demand(id="d", title="钛合金铸造"), k=5) == []


def test_fingerprint_depends_on_content_only() -> None:
    docs = achievements()
    one = build(docs)
    other = MatchIndex("achievement")
    for doc in reversed(docs):
        other.add(doc)
    assert one.fingerprint() == other.fingerprint()
    other.compact()
    assert one.fingerprint() == other.fingerprint()
    before = one.fingerprint()
    one.add(docs[0])  # unchanged content
    assert one.fingerprint() == before
    one.add(dataclasses.replace(docs[0], price=Decimal("100")))
    assert one.fingerprint() != before
    one.add(docs[0])
    assert one.fingerprint() == before
    one.remove(docs[0].id)
    assert one.fingerprint() != before
    assert MatchIndex("demand").fingerprint() != MatchIndex("achievement").fingerprint()


def test_hard_filters_published_expiry_cooperation_and_exclusions() -> None:
    base = {"title": "动力电池热管理", "text": "电池热管理"}
    index = build(
        [
            Achievement(id="ok", **base, cooperation=frozenset({"licence"})),
            Achievement(id="draft", **base, published=False),
            Achievement(id="expired", **base, expires_on=date(2026, 11, 26)),
            Achievement(id="last-day", **base, expires_on=TODAY),
            Achievement(id="transfer-only", **base, cooperation=frozenset({"transfer"})),
            Achievement(id="open", **base),
        ]
    )
    demand = Demand(id="d", title="电池热管理", cooperation=frozenset({"licence", "cooperative"}))
    found = {m.id for m in index.search(demand, k=10, today=TODAY)}
    assert found == {"ok", "last-day", "open"}
    without_date = {m.id for m in index.search(demand, k=10)}
    assert "expired" in without_date and "draft" not in without_date
    assert {m.id for m in index.search(demand, k=10, today=TODAY, exclude={"ok"})} == {"last-day", "open"}
    filters = index.search(demand, k=1, today=TODAY, exclude={"ok"})[0].explanation["filters"]
    assert [f["filter"] for f in filters] == ["published", "not_expired", "cooperation", "excluded"]


def test_structured_fit_ranks_equal_texts_and_explains_each_criterion() -> None:
    text = {"title": "高强钢冲压回弹控制", "text": "冲压成形回弹补偿"}
    good = Achievement(
        id="good",
        **text,
        field="03",
        industries=frozenset({"automotive"}),
        trl=6,
        cooperation=frozenset({"licence"}),
        price=Decimal("500000"),
        region="450203",
    )
    bad = Achievement(
        id="bad",
        **text,
        field="09",
        industries=frozenset({"food"}),
        trl=2,
        cooperation=frozenset({"transfer", "licence"}),
        price=Decimal("5000000"),
        region="110105",
    )
    unknown = Achievement(id="unknown", **text)
    index = build([bad, unknown, good])
    demand = Demand(
        id="d",
        title="冲压回弹",
        field="03",
        industries=frozenset({"automotive", "steel"}),
        wanted_stage="pilot",
        cooperation=frozenset({"licence"}),
        budget=Decimal("800000"),
        region="450200",
    )
    matches = index.search(demand, k=3)
    assert [m.id for m in matches] == ["good", "unknown", "bad"]
    criteria = {m.id: {c["criterion"]: c for c in m.explanation["criteria"]} for m in matches}
    assert all(c["passed"] is True for c in criteria["good"].values())
    assert all(c["passed"] is None for name, c in criteria["unknown"].items() if name != "cooperation")
    bad_c = criteria["bad"]
    assert [bad_c[n]["passed"] for n in ("field", "industry", "trl", "price", "region")] == [False] * 5
    assert bad_c["cooperation"]["passed"] is True
    assert bad_c["field"]["contribution"] == 0
    weights = Params().weights
    share = Params().fit_share
    assert criteria["good"]["field"]["contribution"] == pytest.approx(share * weights["field"])
    assert criteria["unknown"]["field"]["contribution"] == pytest.approx(share * weights["field"] / 2)
    assert criteria["good"]["price"]["detail"] == "price 500000 vs budget 800000"


def test_search_many_equals_single_searches() -> None:
    index = build()
    demands = [Demand(id=i, title=t) for i, t in enumerate(["电池", "焊缝检测", "酸笋", "manure biogas"])]
    assert index.search_many(demands, k=3) == [index.search(d, k=3) for d in demands]


def _reference_bm25(index: MatchIndex, docs: list[Achievement], query: Demand) -> dict[object, float]:
    """Exhaustive BM25 written independently of the index's matrix (same analysis and constants)."""
    p = index.params
    counts = {d.id: index.analyse(d) for d in docs}
    lengths = {i: sum(c.values()) for i, c in counts.items()}
    avg = sum(lengths.values()) / len(lengths)
    df = Counter(t for c in counts.values() for t in c)
    n = len(docs)
    scores = {}
    q = index.analyse(query, query=True)
    for doc_id, c in counts.items():
        s = 0.0
        for term, qtf in q.items():
            tf = round(c.get(term, 0.0) * 4) / 4
            if tf <= 0:
                continue
            idf = math.log(1 + (n - df[term] + 0.5) / (df[term] + 0.5))
            s += (
                idf
                * qtf
                * (p.k3 + 1)
                / (qtf + p.k3)
                * tf
                * (p.k1 + 1)
                / (tf + p.k1 * (1 - p.b + p.b * lengths[doc_id] / avg))
            )
        if s > 0:
            scores[doc_id] = s
    return scores


def test_scores_equal_an_independent_exhaustive_bm25() -> None:
    docs, queries = random_corpus(1, 300)
    index = build(docs)
    plain = MatchIndex("achievement", params=dataclasses.replace(index.params, learned_ranker=False))
    plain.add_many(docs)
    for query in queries[:15]:
        expected = _reference_bm25(index, docs, query)
        best = max(expected.values())
        for match in index.search(query, k=10):
            assert match.explanation["text"]["bm25"] == pytest.approx(expected[match.id], rel=1e-4, abs=1e-3)
        # without the learned ranker the best BM25 comes first (with it, coverage and length count too)
        top = plain.search(query, k=1)[0]
        assert expected[top.id] == pytest.approx(best, rel=1e-4)


@pytest.mark.parametrize("seed", [2, 3])
def test_pruned_search_returns_exactly_what_an_exhaustive_scan_returns(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # MaxScore in the head scan pays from about 500,000 rows on: lowered, it runs on a small corpus
    monkeypatch.setattr(index_module, "_PRUNE_MIN_ROWS", 0)
    docs, queries = random_corpus(seed, 2500)
    index = build(docs)
    exhaustive = MatchIndex("achievement", params=dataclasses.replace(index.params, prune=False))
    exhaustive.add_many(docs)
    finished = []
    original = MatchIndex._finish

    def spy(self: MatchIndex, *args: object) -> object:
        finished.append(1)
        return original(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(MatchIndex, "_finish", spy)
    for query in queries:
        assert index.search(query, k=10, today=TODAY) == exhaustive.search(query, k=10, today=TODAY)
    assert finished, "the pruned path never ran"


def test_a_long_query_is_selected_by_its_head_terms_and_scored_by_all_of_them() -> None:
    docs, queries = random_corpus(5, 600)
    params = dataclasses.replace(Params(), query_terms_max=3, rerank_pool=100)
    index = MatchIndex("achievement", params=params)
    index.add_many(docs)
    exhaustive = MatchIndex("achievement", params=dataclasses.replace(params, prune=False))
    exhaustive.add_many(docs)
    long_queries = [q for q in queries if len(index.analyse(q, query=True)) > 3]
    assert len(long_queries) >= 10
    changed = 0
    for query in long_queries:
        expected = _reference_bm25(index, docs, query)  # every query term
        matches = index.search(query, k=10)
        assert matches == exhaustive.search(query, k=10)
        # the tail terms are added to the candidates: their text score is the whole query's BM25
        for match in matches:
            assert match.explanation["text"]["bm25"] == pytest.approx(expected[match.id], rel=1e-4, abs=1e-3)
        full = MatchIndex("achievement", params=dataclasses.replace(params, query_terms_max=0))
        full.__dict__.update({k: v for k, v in index.__dict__.items() if k != "params"})
        changed += [m.id for m in full.search(query, k=10)] != [m.id for m in matches]
    assert changed, "the head never changed a result: the test does not exercise the split"
    # with a delta segment (rows added after the bulk build), pruned and exhaustive still agree
    grown = MatchIndex("achievement", params=params)
    grown.add_many(docs[:400])
    grown_exhaustive = MatchIndex("achievement", params=dataclasses.replace(params, prune=False))
    grown_exhaustive.add_many(docs[:400])
    for doc in docs[400:]:
        grown.add(doc)
        grown_exhaustive.add(doc)
    assert grown._delta_rows == 200
    found_delta = False
    for query in long_queries:
        matches = grown.search(query, k=10)
        assert matches == grown_exhaustive.search(query, k=10)
        found_delta |= any(m.id in {d.id for d in docs[400:]} for m in matches)
    assert found_delta


def test_the_head_of_a_long_query_does_not_depend_on_the_order_documents_were_added() -> None:
    docs, queries = random_corpus(6, 400)
    params = dataclasses.replace(Params(), query_terms_max=4, rerank_pool=50)
    forward = MatchIndex("achievement", params=params)
    forward.add_many(docs)
    backward = MatchIndex("achievement", params=params)
    backward.add_many(list(reversed(docs)))
    assert forward._term_list != backward._term_list  # other term numbering, same content
    for query in queries:
        a, b = forward.search(query, k=10), backward.search(query, k=10)
        assert [m.score for m in a] == pytest.approx([m.score for m in b], abs=1e-6)
        # rows tie-break equal scores, and the rows are numbered in the other order
        last = a[-1].score if a else 0.0
        assert {m.id for m in a if m.score > last + 1e-6} == {m.id for m in b if m.score > last + 1e-6}


def test_incremental_changes_give_the_same_results_as_a_fresh_build(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(index_module, "DELTA_MIN", 50)
    docs, queries = random_corpus(4, 400)
    grown = build(docs[:200])
    for doc in docs[200:]:  # crosses the delta threshold: at least one automatic compaction
        grown.add(doc)
    for doc in docs[:30]:
        grown.remove(doc.id)
    fresh = build(docs[30:])
    assert grown.fingerprint() == fresh.fingerprint()
    assert len(grown) == len(fresh) == 370
    for query in queries:
        got = [m.id for m in grown.search(query, k=10)]
        want = [m.id for m in fresh.search(query, k=10)]
        # until the next merge, main's tombstones still count in N and the document frequencies and
        # delta rows use the live average length (as in Lucene): rankings agree closely, not exactly
        assert want[0] in got[:3]
        assert len(set(got) & set(want)) >= 7
    grown.compact()
    for query in queries:
        assert grown.search(query, k=10) == fresh.search(query, k=10)


def test_duplicate_ids_in_one_bulk_build_are_rejected() -> None:
    with pytest.raises(ValueError, match="duplicate id"):
        build([Achievement(id=1, title="电池"), Achievement(id=1, title="电机")])


def test_demand_trl_range_comes_from_min_max_or_the_wanted_stage() -> None:
    assert Demand(id=1, title="t", wanted_stage="pilot").trl_range() == (6, 7)
    assert Demand(id=1, title="t", wanted_stage="pilot", min_trl=3).trl_range() == (3, 9)
    assert Demand(id=1, title="t", max_trl=4).trl_range() == (1, 4)
    assert Demand(id=1, title="t").trl_range() is None
    assert Achievement(id=1, title="t", trl=5).trl_range() == (5, 5)


def test_reverse_direction_explains_price_against_the_demands_budget() -> None:
    demands = MatchIndex("demand")
    demands.add_many(
        [
            Demand(id="rich", title="钢渣综合利用", budget=Decimal("2000000"), region="450203"),
            Demand(id="poor", title="钢渣综合利用", budget=Decimal("1000"), region="450203"),
        ]
    )
    query = Achievement(id=1, title="钢渣综合利用技术", price=Decimal("300000"), region="450205")
    matches = demands.search(query, k=2)
    assert [m.id for m in matches] == ["rich", "poor"]
    price = {m.id: next(c for c in m.explanation["criteria"] if c["criterion"] == "price") for m in matches}
    assert price["rich"]["passed"] is True and price["rich"]["detail"] == "price 300000 vs budget 2000000"
    assert price["poor"]["passed"] is False
    region = next(c for c in matches[0].explanation["criteria"] if c["criterion"] == "region")
    assert region["passed"] is True  # same prefecture (Liuzhou 4502xx)


def _reference_analysis(
    index: MatchIndex, doc: Achievement | Demand, *, query: bool = False
) -> list[tuple[str, float]]:
    """Weighted term frequencies written plainly: each section's tokens, then its Chinese-word concepts,
    then its English-phrase concepts, each occurrence counting its section's weight."""
    p = index.params
    tokeniser = index.tokeniser
    out: dict[str, float] = {}
    sections = ((doc.title, p.title_weight), (" ; ".join(doc.keywords), p.keyword_weight), (doc.text, 1.0))
    for text, weight in sections:
        tokens, zh, en = tokeniser.analyse(text)
        if query:
            tokens = [t for t in tokens if t not in QUERY_STOP_ZH]
        if query and p.query_concepts_replace:
            tokens = [t for t in tokens if not tokeniser.glossary.concepts_for_chinese(t)]
        zh_weight = p.query_concept_weight if query else p.concept_weight
        # across the languages only: a document's Chinese-word concepts are ~c, its English-phrase ones ^c,
        # and a query's the other way round
        zh_mark, en_mark = ("^", "~") if query else ("~", "^")
        if not p.concepts_across_only:
            zh_mark = en_mark = "~"
        occurrences = [(t, weight) for t in tokens]
        occurrences += [(zh_mark + c, weight * zh_weight) for c in zh] if zh_weight > 0 else []
        occurrences += [(en_mark + c, weight) for c in en]
        # dictionary translations: a document's English words as bridges, its Chinese words' translations;
        # a query's translations as bridges
        if not query:
            occurrences += [("=" + t, weight) for t in tokens if t.isascii() and not t[0].isdigit()]
        translated = [w for t in tokens if not t.isascii() for w in tokeniser.dictionary.translate(t)]
        tr_weight = p.query_translation_weight if query else p.translation_weight
        occurrences += [(("=" + w) if query else w, weight * tr_weight) for w in translated]
        for term, w in occurrences:
            out[term] = out.get(term, 0.0) + w
    return list(out.items())


@pytest.mark.parametrize("query", [False, True])
def test_document_analysis_weights_every_occurrence_by_its_section_in_text_order(query: bool) -> None:
    index = build()
    docs = [
        *achievements(),
        Achievement(
            id=9,
            title="锂离子电池 lithium-ion battery 电池",
            text="电池 电池 锂离子电池的热管理 thermal management of lithium-ion batteries; 电池",
            keywords=("电池", "battery management system", "热管理"),
        ),
        Demand(
            id=10, title="Lithium-ion battery recycling 锂电池回收", text="回收 回收 电池 battery", keywords=("回收",)
        ),
    ]
    for doc in docs:
        counts = index.analyse(doc, query=query)
        assert list(counts.items()) == _reference_analysis(index, doc, query=query), doc.id
    if not query:
        # 电池 (search mode also cuts it out of 锂离子电池): twice in the title (2 × 1.5), once among
        # the keywords (3.0), four times in the body (4 × 1.0)
        assert index.analyse(docs[-2])["电池"] == 2 * 1.5 + 3.0 + 4 * 1.0


def test_dense_rows_of_frequent_terms_change_no_result_score_or_explanation(monkeypatch: pytest.MonkeyPatch) -> None:
    import pickle

    docs, queries = random_corpus(7, 1500)
    # a small head, so most query terms (the frequent ones among them) are in the tail
    params = dataclasses.replace(Params(), query_terms_max=3, rerank_pool=200)
    fast = MatchIndex("achievement", params=params)
    fast.add_many(docs)
    assert len(fast._dense) > 0, "no term is frequent enough for a dense row: the test exercises nothing"
    monkeypatch.setattr(index_module, "_DENSE_BUDGET", 0.0)
    plain = MatchIndex("achievement", params=params)
    plain.add_many(docs)
    assert len(plain._dense) == 0
    for query in queries:
        got = fast.search(query, k=10, today=TODAY)
        want = plain.search(query, k=10, today=TODAY)
        assert [(m.id, m.score, m.explanation) for m in got] == [(m.id, m.score, m.explanation) for m in want]
        for match in got:
            # built on first read; pickled (for a cache or a task result) as a plain Match
            copy = pickle.loads(pickle.dumps(match))  # noqa: S301 — our own bytes
            assert type(copy) is Match
            assert (copy.id, copy.score, copy.explanation) == (match.id, match.score, match.explanation)
            assert copy == match


def test_a_glossary_concept_meets_the_other_language_only() -> None:
    index = MatchIndex("achievement")
    zh_doc = index.analyse(Achievement(id="zh", title="锂离子电池回收"))
    en_doc = index.analyse(Achievement(id="en", title="Lithium-ion battery recycling"))
    query = index.analyse(Demand(id="q", title="锂离子电池回收"), query=True)
    # the Chinese query's concept is what the English document's concept is, not what the Chinese one's is
    assert "^锂电池" in query and "~锂电池" not in query
    assert "^锂电池" in en_doc and "~锂电池" in zh_doc and "^锂电池" not in zh_doc
    index.add_many(
        [Achievement(id="zh", title="锂离子电池回收"), Achievement(id="en", title="Lithium-ion battery recycling")]
    )
    found = {m.id: m for m in index.search(Demand(id="q", title="锂离子电池回收"), k=2)}
    assert set(found) == {"zh", "en"}
    # the Chinese document is matched on its own words, without a glossary concept counted on top
    assert not [t for t in found["zh"].explanation["text"]["terms"] if t.get("via") == "glossary"]
    assert [t for t in found["en"].explanation["text"]["terms"] if t.get("via") == "glossary"]


def test_a_query_drops_single_character_stop_words_a_document_keeps_them() -> None:
    index = MatchIndex("achievement")
    text = "要既耐高温又耐腐蚀的涂层"
    assert "要" in index.tokeniser.surface(text)
    assert "要" in index.analyse(Achievement(id=1, title=text))
    query = index.analyse(Demand(id=2, title=text), query=True)
    assert "要" not in query and "涂层" in query
