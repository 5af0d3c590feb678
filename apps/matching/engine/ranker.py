"""The learned text relevance: a linear model over a few features of each candidate, trained pairwise. Numpy.

BM25 alone ranks a short text that repeats two rare query words above a full abstract that covers the
whole problem. The candidates the index selects (``Params.pool_min`` of them, 100) are therefore
re-scored by ``w · features``, where the features are, per candidate:

- ``bm25``: its BM25 score over the best candidate's;
- ``coverage``: the share of the weight (idf × query frequency) of the query's ``COVERAGE_TERMS``
  most weighted terms that it matches at all;
- ``length``: ``log(1 + length) / 6`` of its analysed length (a title-only listing is short).

(The shares of BM25 from shared words, glossary concepts and dictionary bridges were tried as features
too: weights near zero, no gain on the dev halves, and they need every query term's weight in every
candidate — over 1 ms per query at 10,000 listings.)

The text relevance is ``max(w · f, 0)`` over the best candidate's (so it stays in 0–1 and the best
candidate is 1, as the plain BM25 normalisation was); the structured fit is added as before. The
weights (``apps/matching/data/ranker.json``) are learned by ``train`` — pairwise logistic regression:
for every judged query, each pair (a candidate of a higher grade, one of a lower grade) is an example
whose feature difference should score positive — from the *development* halves of the judged sets
only (``manage.py evaluate_matching --train-ranker``); the held-out halves are never seen. CPU only,
no network, about 0.1 ms per query for 100 candidates (16 binary searches).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

FEATURES = ("bm25", "coverage", "length")
# coverage is measured over the query's most weighted terms only: one binary search per term and
# candidate, so the cost stays small whatever the query's length (16: best on the dev halves, of 8/16/32)
COVERAGE_TERMS = 16
DATA_PATH = Path(__file__).resolve().parent.parent / "data" / "ranker.json"

FloatArray = npt.NDArray[np.float64]


def features(
    bm25: npt.NDArray[Any], hits: npt.NDArray[np.bool_], qweights: npt.NDArray[Any], lengths: npt.NDArray[Any]
) -> FloatArray:
    """Candidates × FEATURES. ``bm25``: each candidate's BM25; ``hits``: candidates × the query's
    ``COVERAGE_TERMS`` most weighted terms, whether the candidate has the term; ``qweights``: those
    terms' query weights."""
    raw = bm25.astype(np.float64)
    best = float(raw.max()) if len(raw) else 0.0
    q = qweights.astype(np.float64)
    total_q = float(q.sum()) or 1.0
    out = np.empty((len(raw), len(FEATURES)), dtype=np.float64)
    out[:, 0] = raw / best if best > 0 else 0.0
    out[:, 1] = (hits * q[None, :]).sum(axis=1) / total_q
    out[:, 2] = np.log1p(lengths.astype(np.float64)) / 6.0
    return out


@dataclass(frozen=True)
class Ranker:
    weights: tuple[float, ...]
    source: str = ""

    def relevance(self, feats: FloatArray) -> FloatArray:
        """Text relevance in 0–1: the model's score over the best candidate's."""
        score = np.maximum(feats @ np.asarray(self.weights, dtype=np.float64), 0.0)
        best = float(score.max()) if len(score) else 0.0
        return score / best if best > 0 else score


def train(groups: list[tuple[FloatArray, npt.NDArray[np.int64]]], *, l2: float = 1e-3, steps: int = 3000) -> Ranker:
    """Pairwise logistic regression by gradient descent (deterministic). ``groups``: per judged query,
    its candidates' features and grades."""
    diffs: list[FloatArray] = []
    for feats, grades in groups:
        for i in np.flatnonzero(grades > 0).tolist():
            lower = np.flatnonzero(grades < grades[i])
            if len(lower):
                diffs.append(feats[i][None, :] - feats[lower])
    if not diffs:
        raise ValueError("no pair of candidates with different grades to learn from")
    d = np.concatenate(diffs)
    x = np.concatenate([d, -d])
    y = np.concatenate([np.ones(len(d)), np.zeros(len(d))])
    w = np.zeros(x.shape[1])
    w[0] = 1.0  # start from plain BM25
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-(x @ w)))
        w -= 0.5 * (x.T @ (p - y) / len(y) + l2 * w)
    return Ranker(weights=tuple(round(float(v), 4) for v in w))


def save_ranker(ranker: Ranker, path: Path, *, trained_on: list[str], pairs_note: str = "") -> None:
    path.write_text(
        json.dumps(
            {
                "features": list(FEATURES),
                "weights": list(ranker.weights),
                "trained_on": trained_on,
                "note": pairs_note,
            },
            ensure_ascii=False,
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )


def read_ranker(path: Path) -> Ranker:
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("features") != list(FEATURES) or len(data.get("weights", ())) != len(FEATURES):
        raise ValueError(f"{path}: features {data.get('features')!r} do not match {list(FEATURES)!r}")
    return Ranker(weights=tuple(float(v) for v in data["weights"]), source=str(path.name))


@lru_cache(maxsize=1)
def default_ranker() -> Ranker:
    return read_ranker(DATA_PATH)
