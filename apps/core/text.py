"""Text analysis shared by listing search and the matching engine. Pure Python: no ORM, no Django.

Chinese text has no spaces between words, so it is segmented with jieba (the Rust implementation,
``rjieba``): documents in *search mode* (a long word also yields its shorter words: 发动机 → 发动, 动机,
发动机), queries in *precise mode*. Both are lower-cased and width-normalised (NFKC folds full-width
letters and digits, ＡＢＣ１２３, into their ASCII forms), and function words are dropped.

It sits in ``apps.core`` because two apps use it: ``apps.listings.search`` builds the search columns
and queries from these tokens, and the matching engine (``apps.matching.engine.tokenise``) extends
:data:`STOP_WORDS` with its own list.

Listings also come in Vietnamese, Thai, Indonesian and Malay (see ``docs/asean.md``). jieba would cut
their letters apart, so those runs are taken out first:

- Thai (no spaces between words) is segmented with PyThaiNLP's dictionary-based ``newmm`` engine,
  loaded on first use (measured: 2.3 s and +82 MB RSS on the shared 2-core machine under load; then
  about 0.3 ms a sentence), so processes that never see Thai never pay for it.
- Latin words with diacritics (Vietnamese: ``điện``, ``công nghệ``) are split on spaces and kept as
  written; for the index each also yields its form without diacritics (``dien``), so a query typed
  without them still finds it. Indonesian and Malay use plain Latin letters and are split as English.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache

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


_THAI = "\u0e00-\u0e7f"
# Latin letters beyond ASCII (Latin-1 to Latin Extended Additional, where Vietnamese lives) and
# combining diacritics that NFKC could not compose.
_LATIN_EXTENDED = "\u00c0-\u024f\u1e00-\u1eff\u0300-\u036f"
_SPECIAL_RUN = re.compile(f"([{_THAI}]+)|([0-9a-z{_LATIN_EXTENDED}]*[{_LATIN_EXTENDED}][0-9a-z{_LATIN_EXTENDED}]*)")


@lru_cache(maxsize=1)
def _thai_tokenizer():  # type: ignore[no-untyped-def]
    from pythainlp.tokenize import word_tokenize  # a large dictionary: imported on the first Thai text

    return word_tokenize


def fold_diacritics(word: str) -> str:
    """``điện`` → ``dien``: the marks removed (đ is a letter of its own in Unicode, mapped to d)."""
    decomposed = unicodedata.normalize("NFD", word.replace("đ", "d"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _pieces(text: str, *, search_mode: bool) -> Iterator[str]:
    """Tokens of normalised text: Thai and accented Latin runs cut out, the rest through jieba."""
    cut = rjieba.cut_for_search if search_mode else rjieba.cut
    if not _SPECIAL_RUN.search(text):
        yield from cut(text)
        return
    position = 0
    for match in _SPECIAL_RUN.finditer(text):
        yield from cut(text[position : match.start()])
        thai, latin = match.groups()
        if thai:
            yield from _thai_tokenizer()(thai, engine="newmm", keep_whitespace=False)
        else:
            yield latin
            if search_mode:
                folded = fold_diacritics(latin)
                if folded != latin:
                    yield folded
        position = match.end()
    yield from cut(text[position:])


def tokens_for_index(*texts: str) -> list[str]:
    """Search-mode tokens of ``texts``: every word and its sub-words, in order, stop words dropped."""
    out: list[str] = []
    for text in texts:
        if text:
            out.extend(t.strip() for t in _pieces(normalise(text), search_mode=True) if is_word(t))
    return out


def tokens_for_query(text: str) -> list[str]:
    """Precise-mode tokens of a query, each once, in order."""
    seen: dict[str, None] = {}
    for token in _pieces(normalise(text), search_mode=False):
        if is_word(token):
            seen.setdefault(token.strip(), None)
    return list(seen)
