"""Random Chinese texts over a small Zipf-weighted vocabulary, for the engine tests that compare two ways of
scoring the same index (reference against fast path, float32 against codes, fresh against incremental)."""

from __future__ import annotations

import random
from collections.abc import Sequence

from apps.matching.engine import Achievement, Demand

# The shared vocabulary: Liuzhou's industries and the technical words their listings use.
WORDS_ZH = [
    "电池",
    "电机",
    "焊接",
    "检测",
    "钢铁",
    "汽车",
    "发酵",
    "螺蛳粉",
    "芯片",
    "传感器",
    "算法",
    "模具",
    "冲压",
    "涂层",
    "储能",
    "光伏",
    "污水",
    "甘蔗",
    "轴承",
    "齿轮",
]


def text_maker(rng: random.Random, words: Sequence[str]):
    """``text(k)``: ``k`` words of ``words`` drawn with weights 1, 1/2, 1/3 … joined by a Chinese comma."""
    weights = [1 / (i + 1) for i in range(len(words))]

    def text(k: int) -> str:
        return "，".join(rng.choices(words, weights, k=k))

    return text


def random_corpus(
    seed: int, n: int, *, words: Sequence[str] = WORDS_ZH, n_queries: int = 40
) -> tuple[list[Achievement], list[Demand]]:
    """``n`` achievements (title of 3 words, text of 5–40) and ``n_queries`` demands (2 words, 3–15)."""
    rng = random.Random(seed)
    text = text_maker(rng, words)
    docs = [Achievement(id=i, title=text(3), text=text(rng.randint(5, 40))) for i in range(n)]
    queries = [Demand(id=f"q{i}", title=text(2), text=text(rng.randint(3, 15))) for i in range(n_queries)]
    return docs, queries
