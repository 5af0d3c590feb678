"""The explanation attached to every match: JSON-serialisable, codes only (the Django layer translates)."""

from __future__ import annotations

import re
from typing import Any

from .glossary import Glossary
from .tokenise import BRIDGE_PREFIX, CONCEPT_PREFIX, ENGLISH_CONCEPT_PREFIX, STOP_WORDS

# 1.2.0: CC-CEDICT translations of Chinese words, English lemmas (simplemma), the learned text relevance;
# 1.3.0: concepts across the languages only, no straddling sub-words, query stop words, no everyday
# English words as dictionary bridges
# 1.3.1: main-segment term weights stored as uint16 codes of 2⁻¹⁴ (scores move by at most 3·10⁻⁵ a term weight)
ENGINE_VERSION = "1.3.1"

MAX_TERMS = 12

_NUMBER = re.compile(r"^[0-9]+(?:[.,%][0-9]*)*%?$")


def explanation(
    *,
    score: float,
    raw_text: float,
    text_part: float,
    terms: list[tuple[str, float]],
    criteria: list[dict[str, Any]],
    filters: list[dict[str, Any]],
    glossary: Glossary,
) -> dict[str, Any]:
    """``terms`` are (token, share of the raw BM25 score); concept tokens are shown as glossary terms,
    bridge tokens as the English word with ``"via": "dictionary"``. The shares are of the BM25 score; with
    the learned ranker on, the text part is the ranker's relevance, split in the same proportions."""
    shown = []
    for token, weight in sorted(terms, key=lambda tw: (-tw[1], tw[0]))[:MAX_TERMS]:
        share = weight / raw_text if raw_text > 0 else 0.0
        if token.startswith((CONCEPT_PREFIX, ENGLISH_CONCEPT_PREFIX)):
            concept = token[1:]  # both prefixes are one character
            item: dict[str, Any] = {"term": concept, "weight": round(share * text_part, 6), "via": "glossary"}
            english = glossary.english_for(concept)
            if english:
                item["english"] = english[0]
        elif token.startswith(BRIDGE_PREFIX):
            # an English word of one text met as the dictionary translation of a Chinese word of the other
            item = {"term": token[len(BRIDGE_PREFIX) :], "weight": round(share * text_part, 6), "via": "dictionary"}
        else:
            item = {"term": token, "weight": round(share * text_part, 6)}
        shown.append(item)
    return {
        "engine_version": ENGINE_VERSION,
        "score": round(score, 6),
        "text": {"score": round(text_part, 6), "bm25": round(raw_text, 4), "terms": shown},
        "criteria": criteria,
        "filters": filters,
    }


def _meaningless(term: str) -> bool:
    return len(term) < 2 or term in STOP_WORDS or bool(_NUMBER.match(term))


def _inside(short: str, long: str) -> bool:
    """``short`` is part of ``long``: a Chinese word inside a longer one, an English word of a phrase."""
    if short == long:
        return False
    if short.isascii():
        return short in long.replace("-", " ").split()
    return short in long


def meaningful_terms(terms: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The evidence a person can read: no single characters, stop words or bare numbers, and no word
    that only repeats part of a longer term shown beside it (锂离子 beside 锂离子电池): its weight goes
    to that term, and a word found both directly and as a glossary concept is shown once, as the concept
    (so is an English word the dictionary matched that a concept's English name contains).
    Display only: the score is unchanged."""
    merged: dict[str, dict[str, Any]] = {}
    for item in terms:
        term = str(item.get("term", "")).strip()
        if _meaningless(term):
            continue
        kept = merged.get(term)
        if kept is None:
            merged[term] = {**item, "term": term}
            continue
        kept["weight"] = round(float(kept.get("weight", 0)) + float(item.get("weight", 0)), 6)
        for key in ("via", "english"):
            if key in item and key not in kept:
                kept[key] = item[key]
    longest_first = sorted(merged.values(), key=lambda t: (-len(t["term"]), t["term"]))
    shown: list[dict[str, Any]] = []
    for item in longest_first:
        home = next((s for s in shown if _inside(item["term"], s["term"])), None)
        if home is None and item.get("via") == "dictionary":
            # an English word the dictionary matched that a glossary concept shown already names
            home = next((s for s in shown if item["term"] in str(s.get("english", "")).lower().split()), None)
        if home is None:
            shown.append(item)
        else:
            home["weight"] = round(float(home.get("weight", 0)) + float(item.get("weight", 0)), 6)
    return sorted(shown, key=lambda t: (-float(t.get("weight", 0)), t["term"]))
