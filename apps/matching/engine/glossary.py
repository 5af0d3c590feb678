"""The bilingual technical glossary: English and Chinese terms mapped to shared concepts. Pure Python.

Data: ``apps/matching/data/glossary/*.tsv``, one concept per line::

    english term|other english term<TAB>中文术语|同义词

The first Chinese term names the concept (its token is ``~中文术语``). A line with no English part is a
group of Chinese synonyms (different words for the same thing). ``#`` starts a comment. A term may
appear on several lines (``cell`` is 电池 and 细胞): it then yields every concept it belongs to.
English terms are matched as phrases of up to ``MAX_PHRASE`` words after the same normalisation as the
text (lower case, light stem, hyphens split), so ``Lithium-ion batteries`` meets ``lithium ion battery``.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "glossary"
MAX_PHRASE = 5

_WORD = re.compile(r"[a-z0-9]+")
_CJK_TERM = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaffa-z0-9]+$")


def english_key(phrase: str) -> tuple[str, ...]:
    """The word sequence an English phrase is matched by (same stem as the tokeniser)."""
    from .tokenise import stem  # the tokeniser imports this module

    return tuple(stem(w) for w in _WORD.findall(unicodedata.normalize("NFKC", phrase).lower()))


@dataclass(frozen=True)
class GlossaryEntry:
    concept: str
    english: tuple[str, ...]
    chinese: tuple[str, ...]
    source: str


@dataclass
class Glossary:
    entries: list[GlossaryEntry] = field(default_factory=list)
    _en: dict[tuple[str, ...], tuple[str, ...]] = field(default_factory=dict)
    _zh: dict[str, tuple[str, ...]] = field(default_factory=dict)
    _english_of: dict[str, tuple[str, ...]] = field(default_factory=dict)
    digest: str = ""

    @classmethod
    def from_lines(cls, lines: Iterable[tuple[str, str]]) -> Glossary:
        """Build from ``(source, line)`` pairs; malformed lines raise ``ValueError`` naming the source."""
        glossary = cls()
        hasher = hashlib.sha256()
        for source, raw in lines:
            line = raw.split("#", 1)[0].rstrip()
            if not line.strip():
                continue
            hasher.update(line.encode())
            if "\t" not in line:
                raise ValueError(f"{source}: expected 'english<TAB>中文', got {raw!r}")
            en_part, zh_part = line.split("\t", 1)
            chinese = tuple(dict.fromkeys(t.strip().lower() for t in zh_part.split("|") if t.strip()))
            english = tuple(dict.fromkeys(t.strip() for t in en_part.split("|") if t.strip()))
            if not chinese or any(not _CJK_TERM.match(t) for t in chinese):
                raise ValueError(f"{source}: bad Chinese terms in {raw!r}")
            if not english and len(chinese) < 2:
                raise ValueError(f"{source}: a synonym line needs two Chinese terms: {raw!r}")
            entry = GlossaryEntry(concept=chinese[0], english=english, chinese=chinese, source=source)
            glossary.entries.append(entry)
            if english and entry.concept not in glossary._english_of:
                glossary._english_of[entry.concept] = english
            for term in chinese:
                glossary._add(glossary._zh, term, entry.concept)
            for phrase in english:
                key = english_key(phrase)
                if key and len(key) <= MAX_PHRASE:
                    glossary._add(glossary._en, key, entry.concept)
        glossary.digest = hasher.hexdigest()[:12]
        return glossary

    @staticmethod
    def _add(mapping: dict[Any, tuple[str, ...]], key: object, concept: str) -> None:
        existing = mapping.get(key, ())
        if concept not in existing:
            mapping[key] = (*existing, concept)

    def __len__(self) -> int:
        return len(self.entries)

    def zh_terms(self) -> Iterator[str]:
        return iter(self._zh)

    def concepts_for_chinese(self, word: str) -> tuple[str, ...]:
        return self._zh.get(word, ())

    def concepts_for_english(self, words: list[str]) -> list[str]:
        """Concepts of every glossary phrase inside the word sequence ``words`` (overlaps allowed)."""
        out: list[str] = []
        en = self._en
        n = len(words)
        for i in range(n):
            for j in range(i + 1, min(n, i + MAX_PHRASE) + 1):
                hit = en.get(tuple(words[i:j]))
                if hit:
                    out.extend(hit)
        return out

    def english_for(self, concept: str) -> tuple[str, ...]:
        return self._english_of.get(concept, ())


def load_glossary(directory: Path = DATA_DIR) -> Glossary:
    def lines() -> Iterator[tuple[str, str]]:
        for path in sorted(directory.glob("*.tsv")):
            with path.open(encoding="utf-8") as handle:
                for number, line in enumerate(handle, 1):
                    yield f"{path.name}:{number}", line.rstrip("\n")

    return Glossary.from_lines(lines())
