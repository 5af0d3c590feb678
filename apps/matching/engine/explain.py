"""The explanation attached to every match: JSON-serialisable, codes only (the Django layer translates)."""

from __future__ import annotations

from typing import Any

from .glossary import Glossary
from .tokenise import CONCEPT_PREFIX

ENGINE_VERSION = "1.1.0"

MAX_TERMS = 12


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
    """``terms`` are (token, share of the raw BM25 score); concept tokens are shown as glossary terms."""
    shown = []
    for token, weight in sorted(terms, key=lambda tw: (-tw[1], tw[0]))[:MAX_TERMS]:
        share = weight / raw_text if raw_text > 0 else 0.0
        if token.startswith(CONCEPT_PREFIX):
            concept = token[len(CONCEPT_PREFIX) :]
            item: dict[str, Any] = {"term": concept, "weight": round(share * text_part, 6), "via": "glossary"}
            english = glossary.english_for(concept)
            if english:
                item["english"] = english[0]
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
