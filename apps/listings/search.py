"""Word segmentation for listing search. Pure Python: no ORM.

PostgreSQL's text-search parser splits on spaces and punctuation, which leaves a run of Chinese
characters as one "word". So text is segmented here (with the shared analysis of :mod:`apps.core.text`:
jieba, documents in search mode, queries in precise mode, lower-cased and width-normalised), joined by
spaces and handed to PostgreSQL's ``simple`` configuration, which keeps the words as they are.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from apps.core.text import STOP_WORDS, normalise, tokens_for_index, tokens_for_query

__all__ = [
    "SEARCH_TEXT_MAX",
    "STOP_WORDS",
    "fingerprint",
    "index_text",
    "query_text",
    "search_columns",
    "tokens_for_index",
    "tokens_for_query",
]

# The longest search text accepted (characters).
SEARCH_TEXT_MAX = 200


def index_text(*texts: str) -> str:
    return " ".join(tokens_for_index(*texts))


def query_text(text: str) -> str:
    return " ".join(tokens_for_query(text))


def fingerprint(*texts: str) -> str:
    """Identity of a listing's content: the same words in the same order, whatever the spacing or width."""
    canonical = "\x1f".join(" ".join(normalise(text).split()) for text in texts)
    return hashlib.sha256(canonical.encode()).hexdigest()


def search_columns(*, head: Iterable[str], body: Iterable[str]) -> dict[str, str]:
    """Values for a listing's ``search_head`` (title, keywords: weight A) and ``search_body`` (weight B)."""
    return {"search_head": index_text(*head), "search_body": index_text(*body)}
