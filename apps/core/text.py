"""Text analysis shared by listing search and the matching engine. Pure Python: no ORM, no Django.

Chinese text has no spaces between words, so it is segmented with jieba (the Rust implementation,
``rjieba``): documents in *search mode* (a long word also yields its shorter words: 发动机 → 发动, 动机,
发动机), queries in *precise mode*. Both are lower-cased and width-normalised (NFKC folds full-width
letters and digits, ＡＢＣ１２３, into their ASCII forms), and function words are dropped.

It sits in ``apps.core`` because two apps use it: ``apps.listings.search`` builds the search columns
and queries from these tokens, and the matching engine (``apps.matching.engine.tokenise``) extends
:data:`STOP_WORDS` with its own list.
"""

from __future__ import annotations

import unicodedata

import rjieba

# Function words that carry no meaning in a technical text; everything else is kept.
_ZH_FUNCTION_WORDS = "的 了 和 与 及 或 等 在 于 是 为 对 以 将 把 被 从 由 其 之 而 并 且 也 一种 一个 以及"
_EN_FUNCTION_WORDS = "a an and are as at be by for from in into is it of on or that the this to with"
STOP_WORDS = frozenset(_ZH_FUNCTION_WORDS.split() + _EN_FUNCTION_WORDS.split())


def normalise(text: str) -> str:
    """NFKC (full width → ASCII) and lower case."""
    return unicodedata.normalize("NFKC", text).lower()


def is_word(token: str) -> bool:
    """A token worth indexing: not blank, not a stop word, and with a letter or a digit in it."""
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
            out.extend(t.strip() for t in rjieba.cut_for_search(normalise(text)) if is_word(t))
    return out


def tokens_for_query(text: str) -> list[str]:
    """Precise-mode tokens of a query, each once, in order."""
    seen: dict[str, None] = {}
    for token in rjieba.cut(normalise(text)):
        if is_word(token):
            seen.setdefault(token.strip(), None)
    return list(seen)
