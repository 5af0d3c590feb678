"""The score: text relevance (BM25, normalised to the best candidate) plus structured fit. Pure numpy.

``score = (1 − fit_share) · text/best_text + Σ criteria contributions``. Each criterion has a weight
(they add up to 1) and contributes ``fit_share · weight`` when it passes, nothing when it fails, and
half of that when either side lacks the data (unknown is better than a known mismatch, worse than a
match). So a query without structured data ranks by text alone, and with it a well-fitting result
can overtake a slightly better text match but never a far better one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from .documents import Achievement, Document

if TYPE_CHECKING:
    from .index import _Columns

CRITERIA = ("field", "industry", "trl", "cooperation", "price", "region")


@dataclass(frozen=True)
class Params:
    """Tunable constants (tuned on one half of the dev set's demands, checked on the other half)."""

    k1: float = 1.5
    # Low length normalisation: a title-only listing must not win by being short.
    b: float = 0.4
    k3: float = 1.2  # query term frequency saturation
    title_weight: float = 1.5
    # Keywords are the author's own summary of the subject: they count like three mentions.
    keyword_weight: float = 3.0
    # glossary concepts meet the same concept in a text of the other language only (see
    # ``MatchIndex.analyse``); one found through a Chinese word counts this much in a document (what an
    # English query's concept meets) and in a query (what an English document's concept meets)
    concepts_across_only: bool = True
    concept_weight: float = 0.5
    query_concept_weight: float = 0.125
    query_concepts_replace: bool = False
    # a Chinese word's English translations (CC-CEDICT), in an indexed document and in a query; every
    # weight stays a multiple of 1/8 (see ``MatchIndex.analyse``)
    translation_weight: float = 0.5
    query_translation_weight: float = 1.0
    fit_share: float = 0.25
    weights: dict[str, float] = field(
        default_factory=lambda: {
            "field": 0.30,
            "industry": 0.20,
            "trl": 0.20,
            "cooperation": 0.10,
            "price": 0.10,
            "region": 0.10,
        }
    )
    pool_min: int = 100
    # A demand is a long text: its most weighted terms (idf × saturated frequency) select the
    # rerank_pool best rows, the frequent, low-idf rest (the longest posting lists) is added to those
    # rows only. 0 = every term selects.
    query_terms_max: int = 32
    rerank_pool: int = 1000
    # the text relevance of the candidates from the learned ranker (``ranker``, trained on the dev
    # halves of the judged sets); off = BM25 over the best candidate's BM25
    learned_ranker: bool = True
    prune: bool = True  # MaxScore pruning (exact); off = score every posting of every query term
    pool_factor: int = 10


@dataclass(frozen=True)
class FitQuery:
    """The query's structured side, in the index's encodings."""

    is_achievement: bool
    field_code: str | None
    field_id: int  # -1 unknown, -2 a field no indexed document has
    industries: frozenset[str]
    industry_mask: int
    trl: tuple[int, int] | None
    money: float
    region: int
    cooperation: frozenset[str]
    cooperation_mask: int

    @classmethod
    def of(cls, doc: Document, field_codes: dict[str, int], industry_mask: int) -> FitQuery:
        from .index import _region_code, cooperation_mask

        return cls(
            is_achievement=isinstance(doc, Achievement),
            field_code=doc.field,
            field_id=(field_codes.get(doc.field, -2) if doc.field else -1),
            industries=doc.industries,
            industry_mask=industry_mask,
            trl=doc.trl_range(),
            money=float(doc.money) if doc.money is not None else math.nan,
            region=_region_code(doc.region),
            cooperation=doc.cooperation,
            cooperation_mask=cooperation_mask(doc.cooperation),
        )


# passed: 1 = passed, 0 = failed, -1 = unknown (either side lacks the data)
Int8Array = npt.NDArray[np.int8]


@dataclass
class FitResult:
    passed: dict[str, Int8Array]
    contribution: dict[str, npt.NDArray[np.float64]]
    total: npt.NDArray[np.float64]
    query: FitQuery
    cols: _Columns
    rows: npt.NDArray[np.int64]
    field_names: dict[int, str]

    def criteria(self, i: int) -> list[dict[str, Any]]:
        """Every criterion of candidate ``i``: passed (None = unknown), contribution, a detail in codes."""
        out = []
        details = self._details(int(self.rows[i]))
        for name in CRITERIA:
            p = int(self.passed[name][i])
            out.append(
                {
                    "criterion": name,
                    "passed": None if p < 0 else bool(p),
                    "contribution": round(float(self.contribution[name][i]), 6),
                    "detail": details[name],
                }
            )
        return out

    def _details(self, row: int) -> dict[str, str]:
        q, cols = self.query, self.cols
        field_id = int(cols.field[row])
        doc_field = self.field_names.get(field_id, "?") if field_id >= 0 else "?"
        lo, hi = int(cols.trl_lo[row]), int(cols.trl_hi[row])
        money = float(cols.money[row])
        region = int(cols.region[row])
        if q.is_achievement:
            trl = f"trl {q.trl[0] if q.trl else '?'} vs wanted {f'{lo}–{hi}' if lo else '?'}"
            price = f"price {_yuan(q.money)} vs budget {_yuan(money)}"
        else:
            trl = f"trl {lo or '?'} vs wanted {f'{q.trl[0]}–{q.trl[1]}' if q.trl else '?'}"
            price = f"price {_yuan(money)} vs budget {_yuan(q.money)}"
        return {
            "field": f"{q.field_code or '?'} vs {doc_field}",
            "industry": f"wanted {','.join(sorted(q.industries)) or '?'}",
            "trl": trl,
            "cooperation": f"wanted {','.join(sorted(q.cooperation)) or '?'}",
            "price": price,
            "region": f"{q.region or '?'} vs {region or '?'}",
        }


def fit_scores(
    q: FitQuery, cols: _Columns, rows: npt.NDArray[np.int64], params: Params, field_names: dict[int, str]
) -> FitResult:
    """Every criterion for every candidate row, vectorised: one criteria × rows matrix of passed (1), failed
    (0) and unknown (-1, where either side lacks the data; a criterion the query has no data for is unknown
    for every row, its column unread), and the contributions read from a table by it."""
    n = len(rows)
    matrix = np.full((len(CRITERIA), n), -1, dtype=np.int8)

    def put(name: str, known: npt.NDArray[np.bool_], ok: npt.NDArray[np.bool_]) -> None:
        np.copyto(matrix[CRITERIA.index(name)], ok.view(np.int8), where=known)

    if q.field_id != -1:
        d_field = cols.field[rows]
        put("field", d_field >= 0, d_field == q.field_id)
    if q.industries:
        d_ind = cols.industries[rows]
        put("industry", d_ind != 0, (d_ind & np.uint64(q.industry_mask)) != 0)
    if q.trl is not None:
        lo, hi = cols.trl_lo[rows].astype(np.int16), cols.trl_hi[rows].astype(np.int16)
        put("trl", lo > 0, (lo <= q.trl[1]) & (hi >= q.trl[0]))
    if q.cooperation_mask != 0:
        d_coop = cols.coop[rows].astype(np.int64)
        put("cooperation", d_coop != 0, (d_coop & q.cooperation_mask) != 0)
    if not math.isnan(q.money):
        money = cols.money[rows]
        with np.errstate(invalid="ignore"):
            ok = (q.money <= money) if q.is_achievement else (money <= q.money)
        put("price", ~np.isnan(money), ok)
    if q.region > 0:
        region = cols.region[rows]
        put("region", region > 0, (region // 100) == (q.region // 100))

    # by passed + 1: unknown → half the weight, failed → 0, passed → the weight
    weights = [params.fit_share * params.weights[name] for name in CRITERIA]
    table = np.array([[w / 2, 0.0, w] for w in weights], dtype=np.float64)
    contributions = table[np.arange(len(CRITERIA))[:, None], matrix + np.int8(1)]
    # summed down the criteria in their order (a reduction over the outer axis adds row after row)
    total = np.add.reduce(contributions, axis=0) if n else np.zeros(0, dtype=np.float64)
    return FitResult(
        passed=dict(zip(CRITERIA, matrix, strict=True)),
        contribution=dict(zip(CRITERIA, contributions, strict=True)),
        total=total,
        query=q,
        cols=cols,
        rows=rows,
        field_names=field_names,
    )


def _yuan(value: float) -> str:
    return "?" if math.isnan(value) else f"{value:.0f}"


def combine(
    text: npt.NDArray[np.float32],
    fit_total: npt.NDArray[np.float64],
    params: Params,
    relevance: npt.NDArray[np.float64] | None = None,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Final scores and their text parts. The text relevance (0–1) is the learned ranker's
    (``relevance``, see ``ranker``) or else BM25 over the best candidate's."""
    if relevance is not None:
        rel = relevance
    else:
        best = float(text.max()) if len(text) else 0.0
        rel = text.astype(np.float64) / best if best > 0 else np.zeros(len(text))
    text_part = (1.0 - params.fit_share) * rel
    return text_part + fit_total, text_part
