"""Offline evaluation: read a judged set (JSON Lines), run the engine and a plain BM25 baseline, score both.

The set format is described in ``shared/data/README.md``: achievement, demand and judgement lines;
grades 0–3, an unjudged pair is grade 0. Metrics, averaged over the demands with at least one
judgement of grade > 0:

- nDCG@k with gain ``2^grade − 1`` and the ideal ranking of the demand's judged grades;
- recall@k: the share of the demand's relevant (grade > 0) achievements found in the top k;
- MRR: 1 / rank of the first relevant achievement within the top k (0 when none is there).

The baseline (``BM25Baseline``, implemented here) is standard Okapi BM25 (k1 = 1.5, b = 0.75, Lucene
idf ``ln(1 + (N − df + 0.5)/(df + 0.5))``, each distinct query term once: the bm25s defaults, and a
test checks it scores as bm25s does), scoring every document, over the engine's *surface* tokens of
the same texts (title, keywords, summary / title, description) — the same segmentation and
normalisation, but no glossary concepts, no field weights and no structured fit.
"""

from __future__ import annotations

import json
import math
import re
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import numpy as np

from .documents import Achievement, Demand, DocId
from .index import MatchIndex
from .ranker import Ranker, train
from .score import Params
from .tokenise import Tokeniser, default_tokeniser


class SetFormatError(ValueError):
    """A line of the set that cannot be read; the message names the line."""


@dataclass
class JudgedSet:
    achievements: list[Achievement] = field(default_factory=list)
    demands: list[Demand] = field(default_factory=list)
    grades: dict[DocId, dict[DocId, int]] = field(default_factory=dict)

    def judged_demands(self) -> list[Demand]:
        return [d for d in self.demands if any(g > 0 for g in self.grades.get(d.id, {}).values())]


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SetFormatError(f"{where}: expected a list of strings, got {value!r}")
    return tuple(value)


def _decimal(value: Any, where: str) -> Decimal | None:
    if value is None:
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation as exc:
        raise SetFormatError(f"{where}: not an amount: {value!r}") from exc
    if not amount.is_finite() or amount < 0:
        raise SetFormatError(f"{where}: not an amount: {value!r}")
    return amount


def _text(obj: dict[str, Any], key: str, where: str) -> str:
    value = obj.get(key) or ""
    if not isinstance(value, str):
        raise SetFormatError(f"{where}: {key} must be a string")
    return value


def _id(obj: dict[str, Any], key: str, where: str) -> DocId:
    value = obj.get(key)
    if isinstance(value, bool) or not isinstance(value, str | int) or value == "":
        raise SetFormatError(f"{where}: {key} must be a non-empty string or an integer")
    return value


def parse_lines(lines: Iterable[str], source: str = "<set>") -> JudgedSet:
    judged = JudgedSet()
    seen: dict[str, set[DocId]] = {"achievement": set(), "demand": set()}
    for number, line in enumerate(lines, 1):
        where = f"{source}:{number}"
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise SetFormatError(f"{where}: not JSON ({exc.msg})") from exc
        if not isinstance(obj, dict):
            raise SetFormatError(f"{where}: expected an object")
        kind = obj.get("kind")
        if kind == "achievement":
            doc_id = _id(obj, "id", where)
            trl = obj.get("trl")
            if trl is not None and (not isinstance(trl, int) or isinstance(trl, bool) or not 1 <= trl <= 9):
                raise SetFormatError(f"{where}: trl must be an integer 1–9")
            judged.achievements.append(
                Achievement(
                    id=doc_id,
                    title=_text(obj, "title", where),
                    text=_text(obj, "summary", where),
                    keywords=_strings(obj.get("keywords"), where),
                    field=obj.get("field") or None,
                    trl=trl,
                    cooperation=frozenset(_strings(obj.get("cooperation"), where)),
                    price=_decimal(obj.get("price"), where),
                    lang=obj.get("lang") or None,
                )
            )
        elif kind == "demand":
            doc_id = _id(obj, "id", where)
            judged.demands.append(
                Demand(
                    id=doc_id,
                    title=_text(obj, "title", where),
                    text=_text(obj, "description", where),
                    keywords=_strings(obj.get("keywords"), where),
                    field=obj.get("field") or None,
                    cooperation=frozenset(_strings(obj.get("cooperation"), where)),
                    budget=_decimal(obj.get("budget"), where),
                    lang=obj.get("lang") or None,
                )
            )
        elif kind == "judgement":
            grade = obj.get("grade")
            if not isinstance(grade, int) or isinstance(grade, bool) or not 0 <= grade <= 3:
                raise SetFormatError(f"{where}: grade must be an integer 0–3")
            judged.grades.setdefault(_id(obj, "demand", where), {})[_id(obj, "achievement", where)] = grade
            continue
        else:
            raise SetFormatError(f"{where}: unknown kind {kind!r}")
        if doc_id in seen[kind]:
            raise SetFormatError(f"{where}: duplicate {kind} id {doc_id!r}")
        seen[kind].add(doc_id)
    return judged


def load_set(path: Path) -> JudgedSet:
    with path.open(encoding="utf-8") as handle:
        return parse_lines(handle, source=str(path))


class BM25Baseline:
    """Plain Okapi BM25 over surface tokens, exhaustive scoring (see the module docstring)."""

    def __init__(self, docs: list[Achievement], tokeniser: Tokeniser, k1: float = 1.5, b: float = 0.75) -> None:
        self.tokeniser = tokeniser
        self.ids = [d.id for d in docs]
        self.k1, self.b = k1, b
        postings: dict[str, tuple[list[int], list[float]]] = {}
        lengths = np.zeros(len(docs), dtype=np.float64)
        for row, doc in enumerate(docs):
            tokens = self.doc_tokens(doc)
            lengths[row] = len(tokens)
            for term, tf in Counter(tokens).items():
                rows, tfs = postings.setdefault(term, ([], []))
                rows.append(row)
                tfs.append(tf)
        avg = float(lengths.mean()) if len(docs) else 1.0
        n = len(docs)
        self.postings: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for term, (rows, tfs) in postings.items():
            r = np.array(rows, dtype=np.int64)
            freq = np.array(tfs, dtype=np.float64)
            idf = math.log(1.0 + (n - len(r) + 0.5) / (len(r) + 0.5))
            weight = idf * freq * (k1 + 1) / (freq + k1 * (1 - b + b * lengths[r] / avg))
            self.postings[term] = (r, weight)
        self.n = n

    def doc_tokens(self, doc: Achievement | Demand) -> list[str]:
        surface = self.tokeniser.surface
        return [*surface(doc.title), *surface(" ; ".join(doc.keywords)), *surface(doc.text)]

    def scores(self, query: Demand) -> np.ndarray:
        scores = np.zeros(self.n, dtype=np.float64)
        for term in dict.fromkeys(self.doc_tokens(query)):  # each distinct query term once, as bm25s scores
            hit = self.postings.get(term)
            if hit is not None:
                scores[hit[0]] += hit[1]
        return scores

    def search(self, query: Demand, k: int = 10) -> list[DocId]:
        scores = self.scores(query)
        positive = np.flatnonzero(scores > 0)
        if not len(positive):
            return []
        order = positive[np.lexsort((positive, -scores[positive]))][:k]
        return [self.ids[i] for i in order]


def ndcg(ranked: list[DocId], grades: dict[DocId, int], k: int) -> float:
    dcg = sum((2 ** grades.get(d, 0) - 1) / math.log2(i + 2) for i, d in enumerate(ranked[:k]))
    ideal = sorted((g for g in grades.values() if g > 0), reverse=True)[:k]
    idcg = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def recall(ranked: list[DocId], grades: dict[DocId, int], k: int) -> float:
    relevant = {d for d, g in grades.items() if g > 0}
    return len(relevant & set(ranked[:k])) / len(relevant) if relevant else 0.0


def reciprocal_rank(ranked: list[DocId], grades: dict[DocId, int], k: int) -> float:
    for i, d in enumerate(ranked[:k]):
        if grades.get(d, 0) > 0:
            return 1.0 / (i + 1)
    return 0.0


def metrics(runs: dict[DocId, list[DocId]], grades: dict[DocId, dict[DocId, int]], k: int) -> dict[str, float]:
    if not runs:
        return {f"ndcg@{k}": 0.0, f"recall@{k}": 0.0, "mrr": 0.0}
    n = len(runs)
    return {
        f"ndcg@{k}": round(sum(ndcg(r, grades[q], k) for q, r in runs.items()) / n, 4),
        f"recall@{k}": round(sum(recall(r, grades[q], k) for q, r in runs.items()) / n, 4),
        "mrr": round(sum(reciprocal_rank(r, grades[q], k) for q, r in runs.items()) / n, 4),
    }


def engine_runs(
    judged: JudgedSet,
    demands: list[Demand],
    k: int,
    params: Params | None = None,
    tokeniser: Tokeniser | None = None,
) -> tuple[dict[DocId, list[DocId]], list[float]]:
    index = MatchIndex("achievement", params=params, tokeniser=tokeniser)
    index.add_many(judged.achievements)
    runs: dict[DocId, list[DocId]] = {}
    timings: list[float] = []
    for demand in demands:
        started = time.perf_counter()
        matches = index.search(demand, k=k)
        timings.append((time.perf_counter() - started) * 1000)
        runs[demand.id] = [m.id for m in matches]
    return runs, timings


_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


def language(doc: Achievement | Demand) -> str:
    """The document's ``lang``, or ``zh`` when a fifth of its title and text is Chinese, else ``en``."""
    if doc.lang:
        return doc.lang
    text = doc.title + doc.text
    return "zh" if text and len(_CJK.findall(text)) * 5 >= len(text) else "en"


def cross_lingual_recall(
    judged: JudgedSet, demands: list[Demand], runs: dict[DocId, list[DocId]], k: int
) -> dict[str, dict[str, float | int]]:
    """Recall@k of the relevant achievements written in the other language than the demand, per direction
    (``zh→en``: Chinese demands, English achievements), with the number of such pairs."""
    lang = {a.id: language(a) for a in judged.achievements}
    out: dict[str, dict[str, float | int]] = {}
    for source, target in (("zh", "en"), ("en", "zh")):
        found = total = 0
        for demand in demands:
            if language(demand) != source:
                continue
            top = set(runs.get(demand.id, [])[:k])
            for doc_id, grade in judged.grades.get(demand.id, {}).items():
                if grade > 0 and lang.get(doc_id) == target:
                    total += 1
                    found += doc_id in top
        if total:
            out[f"{source}→{target}"] = {f"recall@{k}": round(found / total, 4), "pairs": total}
    return out


def split_demands(demands: list[Demand]) -> dict[str, list[Demand]]:
    """The development half (constants and the learned ranker are fitted on it) and the held-out half
    (never used for fitting), by a fixed digest of the demand id: ``iter_halves``' A and B."""
    halves = dict(iter_halves(demands))
    return {"dev": halves["A"], "held_out": halves["B"]}


def evaluate(
    judged: JudgedSet, k: int = 10, params: Params | None = None, tokeniser: Tokeniser | None = None
) -> dict[str, Any]:
    """The figures ``evaluate_matching`` prints: the whole set, its dev and held-out halves, and the
    cross-lingual recall, for the engine and for BM25 in the same run."""
    demands = judged.judged_demands()
    runs, timings = engine_runs(judged, demands, k, params, tokeniser)
    baseline = BM25Baseline(judged.achievements, default_tokeniser())
    base_runs = {d.id: baseline.search(d, k=k) for d in demands}
    parts: dict[str, Any] = {}
    for name, part in split_demands(demands).items():
        ids = {d.id for d in part}
        parts[name] = {
            "queries": len(part),
            "engine": metrics({q: r for q, r in runs.items() if q in ids}, judged.grades, k),
            "bm25": metrics({q: r for q, r in base_runs.items() if q in ids}, judged.grades, k),
        }
        # nDCG@k by the demand's language (zh, en), engine and BM25
        by_lang: dict[str, Any] = {}
        for lang in sorted({language(d) for d in part}):
            in_lang = {d.id for d in part if language(d) == lang}
            by_lang[lang] = {
                "queries": len(in_lang),
                "engine": metrics({q: r for q, r in runs.items() if q in in_lang}, judged.grades, k)[f"ndcg@{k}"],
                "bm25": metrics({q: r for q, r in base_runs.items() if q in in_lang}, judged.grades, k)[f"ndcg@{k}"],
            }
        parts[name]["by_language"] = by_lang
    engine_cl = cross_lingual_recall(judged, demands, runs, k)
    base_cl = cross_lingual_recall(judged, demands, base_runs, k)
    return {
        "engine": metrics(runs, judged.grades, k),
        "bm25": metrics(base_runs, judged.grades, k),
        "parts": parts,
        "cross_lingual": {
            direction: {
                "pairs": figures["pairs"],
                "engine": figures[f"recall@{k}"],
                "bm25": base_cl[direction][f"recall@{k}"],
            }
            for direction, figures in engine_cl.items()
        },
        "p50_ms": round(float(np.median(timings)), 3) if timings else 0.0,
        "queries": len(demands),
        "k": k,
    }


# The components of the engine an ablation switches off one at a time.
COMPONENTS = ("glossary", "dictionary", "lemmatiser", "learned_ranker")


def variant(off: frozenset[str]) -> tuple[Tokeniser, Params]:
    """A tokeniser and parameters with the ``off`` components switched off (the rest as in production)."""
    from .glossary import Glossary
    from .tokenise import default_dictionary

    unknown = off - set(COMPONENTS)
    if unknown:
        raise ValueError(f"unknown components: {sorted(unknown)}")
    tokeniser = Tokeniser(
        Glossary() if "glossary" in off else default_tokeniser().glossary,
        None if "dictionary" in off else default_dictionary(),
        lemmatise="lemmatiser" not in off,
    )
    return tokeniser, replace(Params(), learned_ranker="learned_ranker" not in off)


def ablation(judged: JudgedSet, k: int = 10) -> list[dict[str, Any]]:
    """nDCG@k of the dev and held-out halves and cross-lingual recall with every component, with each
    one off, and with all of them off."""
    rows = []
    for off in [frozenset(), *(frozenset({c}) for c in COMPONENTS), frozenset(COMPONENTS)]:
        tokeniser, params = variant(off)
        result = evaluate(judged, k=k, params=params, tokeniser=tokeniser)
        rows.append(
            {
                "off": sorted(off),
                **{name: part["engine"][f"ndcg@{k}"] for name, part in result["parts"].items()},
                "bm25": {name: part["bm25"][f"ndcg@{k}"] for name, part in result["parts"].items()},
                "cross_lingual": {d: f["engine"] for d, f in result["cross_lingual"].items()},
            }
        )
    return rows


def train_ranker(sets: list[JudgedSet], pool: int = 100) -> tuple[Ranker, int]:
    """The learned ranker fitted on the *dev* halves of ``sets`` (the held-out halves are never read):
    each dev demand's ``pool`` best candidates by the engine without the ranker, with their grades."""
    groups = []
    for judged in sets:
        index = MatchIndex("achievement", params=replace(Params(), learned_ranker=False))
        index.add_many(judged.achievements)
        for demand in split_demands(judged.judged_demands())["dev"]:
            ids = [m.id for m in index.search(demand, k=pool)]
            if not ids:
                continue
            grades = judged.grades.get(demand.id, {})
            groups.append((index.ranking_features(demand, ids), np.array([grades.get(i, 0) for i in ids])))
    return train(groups), len(groups)


def iter_halves(demands: list[Demand]) -> Iterator[tuple[str, list[Demand]]]:
    """A fixed split of demands by id digest (for tuning on one half and checking on the other)."""
    import hashlib

    def half(d: Demand) -> int:
        return hashlib.sha256(str(d.id).encode()).digest()[0] % 2

    yield "A", [d for d in demands if half(d) == 0]
    yield "B", [d for d in demands if half(d) == 1]
