"""Word segmentation for listing search. Pure Python: no ORM.

PostgreSQL's text-search parser splits on spaces and punctuation, which leaves a run of Chinese
characters as one "word". So text is segmented here with jieba (the Rust implementation, ``rjieba``):
documents in *search mode* (a long word also yields its shorter words: 发动机 → 发动, 动机, 发动机), queries
in *precise mode*. Both are lower-cased and width-normalised, joined by spaces and handed to
PostgreSQL's ``simple`` configuration, which keeps the words as they are.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterable

import rjieba

# Function words that carry no meaning in a technical text; everything else is kept.
_ZH_FUNCTION_WORDS = "的 了 和 与 及 或 等 在 于 是 为 对 以 将 把 被 从 由 其 之 而 并 且 也 一种 一个 以及"
_EN_FUNCTION_WORDS = "a an and are as at be by for from in into is it of on or that the this to with"
STOP_WORDS = frozenset(_ZH_FUNCTION_WORDS.split() + _EN_FUNCTION_WORDS.split())


# The longest search text accepted (characters).
SEARCH_TEXT_MAX = 200


def _normalise(text: str) -> str:
    # NFKC folds full-width letters and digits (ＡＢＣ１２３) into their ASCII forms.
    return unicodedata.normalize("NFKC", text).lower()


def _keep(token: str) -> bool:
    token = token.strip()
    if not token or token in STOP_WORDS:
        return False
    # Drop pure punctuation and symbols; keep anything with a letter or a digit in it.
    return any(ch.isalnum() for ch in token)


def tokens_for_index(*texts: str) -> list[str]:
    """Search-mode tokens of ``texts``: every word and its sub-words, in order, stop words dropped."""
    out: list[str] = []
    for text in texts:
        if text:
            out.extend(t.strip() for t in rjieba.cut_for_search(_normalise(text)) if _keep(t))
    return out


def tokens_for_query(text: str) -> list[str]:
    """Precise-mode tokens of a query, each once, in order."""
    seen: dict[str, None] = {}
    for token in rjieba.cut(_normalise(text)):
        if _keep(token):
            seen.setdefault(token.strip(), None)
    return list(seen)


def index_text(*texts: str) -> str:
    return " ".join(tokens_for_index(*texts))


def query_text(text: str) -> str:
    return " ".join(tokens_for_query(text))


def fingerprint(*texts: str) -> str:
    """Identity of a listing's content: the same words in the same order, whatever the spacing or width."""
    canonical = "\x1f".join(" ".join(_normalise(text).split()) for text in texts)
    return hashlib.sha256(canonical.encode()).hexdigest()


def search_columns(*, head: Iterable[str], body: Iterable[str]) -> dict[str, str]:
    """Values for a listing's ``search_head`` (title, keywords: weight A) and ``search_body`` (weight B)."""
    return {"search_head": index_text(*head), "search_body": index_text(*body)}
