"""The match index: BM25 term weights in a compressed sparse column matrix, plus structured features.

Layout
------
Every indexed document has a *row*. Rows ``0 … n_main-1`` form the **main segment**: a CSC matrix
(one column per term) whose entries are the precomputed BM25 term-frequency part
``tf·(k1+1) / (tf + k1·(1-b+b·len/avglen))`` as float32, so a query is a handful of vectorised
gather-adds (one per query term) and the inverse document frequency is applied per column at query
time from live document counts. Rows added later go to the **delta segment** (a small inverted dict,
scored in Python); a replaced or removed row is a **tombstone** (its ``alive`` flag cleared). When the
delta grows past ``max(DELTA_MIN, DELTA_SHARE × main)`` rows, main and delta are merged into a new main
(tombstones dropped, lengths and weights recomputed). ``compact()`` does that on demand.

Structured features (published, expiry, cooperation modes, field, industries, TRL range, price or
budget, region) live in per-row numpy columns, so the hard filters run vectorised over every row a
query touches and the fit criteria over the best candidates by text.
"""

from __future__ import annotations

import hashlib
import math
import threading
from array import array
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Literal, NamedTuple, cast

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

try:  # the compiled kernel behind ``csc_matrix @ vector``: y += A·x, column after column, in place
    from scipy.sparse._sparsetools import csc_matvec as _csc_matvec
except ImportError:  # pragma: no cover - a scipy without it: np.add.at does the same additions
    _csc_matvec = None

from . import postings
from .documents import COOPERATION_MODES, Achievement, Demand, DocId, Document, Match
from .explain import explanation
from .glossary import Glossary
from .ranker import COVERAGE_TERMS, default_ranker, features
from .score import FitQuery, FitResult, Params, combine, fit_scores
from .tokenise import CONCEPT_PREFIX, ENGLISH_CONCEPT_PREFIX, QUERY_STOP_ZH, Tokeniser, default_tokeniser

Kind = Literal["achievement", "demand"]

DELTA_MIN = 2_000
DELTA_SHARE = 0.05
# A binary search into a long posting list costs about as much as scanning this many postings.
_SEARCH_COST = 24
_THETA_SAMPLE = 32_768
_ELIGIBLE_CACHE = 32  # hard filters of every row, per (today, cooperation modes) of recent queries
_TF_SCALE = 4  # term frequencies are weighted (title ×1.5 …): built as uint16 quarters
TF_MAX = 1000  # a larger term frequency changes a BM25 weight by less than float32 resolves
_CHUNK = 1 << 20  # postings a build step holds at once: its float temporaries are a few times this (MB)
# terms in at least this share of main's rows are also kept as dense rows, within this share of the
# posting lists' memory (the most frequent first): see MatchIndex._build_dense
_DENSE_SHARE = 0.25
_DENSE_BUDGET = 0.2
_PRUNE_MIN_ROWS = 500_000  # MaxScore in the head scan from this many rows on (tests lower it)
# a posting list up to this many times as long as the rows looked up in it is scanned for them, a longer
# one searched (see MatchIndex._weight_matrix)
_SCAN_SHARE = 24
_COMPILED_WEIGHTS = (np.dtype(np.float32), np.dtype(np.uint16))  # codes are converted first (see _add_lists)


def _quarters(tf: float) -> int:
    return max(1, min(round(tf * _TF_SCALE), TF_MAX * _TF_SCALE))


def _quantise(tf: array[float]) -> npt.NDArray[np.uint16]:
    """``_quarters`` of many term frequencies at once (both round half to even)."""
    out = np.rint(np.frombuffer(tf, dtype=np.float64) * _TF_SCALE)
    return np.clip(out, 1, TF_MAX * _TF_SCALE).astype(np.uint16)


_COOP_BITS = {mode: 1 << i for i, mode in enumerate(COOPERATION_MODES)}
_OTHER_BIT = _COOP_BITS["other"]

FloatArray = npt.NDArray[np.float32]


def cooperation_mask(modes: Iterable[str]) -> int:
    mask = 0
    for mode in modes:
        mask |= _COOP_BITS.get(mode, _OTHER_BIT)
    return mask


def _region_code(region: str | None) -> int:
    return int(region) if region and region.isdigit() else 0


def _money(value: Decimal | None) -> float:
    return float(value) if value is not None else math.nan


def content_digest(doc: Document) -> bytes:
    """Digest of everything the engine reads from a document (the fingerprint's unit)."""
    parts: list[str] = [
        type(doc).__name__,
        str(doc.id),
        doc.title,
        doc.text,
        "\x1e".join(doc.keywords),
        doc.field or "",
        "\x1e".join(sorted(doc.industries)),
        repr(doc.trl_range()),
        "\x1e".join(sorted(doc.cooperation)),
        "" if doc.money is None else format(Decimal(doc.money).normalize(), "f"),
        doc.region or "",
        doc.lang or "",
        str(doc.published),
        doc.expires_on.isoformat() if doc.expires_on else "",
    ]
    return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=16).digest()


@dataclass
class _Registry:
    """Small code lists (fields, industries) numbered in order of first appearance."""

    codes: dict[str, int]

    def number(self, code: str) -> int:
        found = self.codes.get(code)
        if found is None:
            found = self.codes[code] = len(self.codes)
        return found


class _Columns:
    """Growable per-row feature columns."""

    def __init__(self, capacity: int = 1024) -> None:
        self.size = 0
        self.alive = np.zeros(capacity, dtype=bool)
        self.published = np.zeros(capacity, dtype=bool)
        self.expires = np.zeros(capacity, dtype=np.int32)  # date ordinal, 0 = never
        self.coop = np.zeros(capacity, dtype=np.uint8)
        self.field = np.full(capacity, -1, dtype=np.int32)
        self.industries = np.zeros(capacity, dtype=np.uint64)
        self.trl_lo = np.zeros(capacity, dtype=np.int8)
        self.trl_hi = np.zeros(capacity, dtype=np.int8)
        self.money = np.full(capacity, np.nan, dtype=np.float64)
        self.region = np.zeros(capacity, dtype=np.int32)
        self.length = np.zeros(capacity, dtype=np.float32)
        self.digest = np.zeros(capacity, dtype="V16")  # content_digest of the row's document

    # the columns a document sets, in the order of MatchIndex._feature_values, then its length
    NAMES = (
        "published",
        "expires",
        "coop",
        "field",
        "industries",
        "trl_lo",
        "trl_hi",
        "money",
        "region",
        "digest",
        "length",
    )
    ALL = ("alive", *NAMES)

    def _grow(self, needed: int) -> None:
        capacity = len(self.alive)
        if needed <= capacity:
            return
        new = max(needed, capacity * 2)
        for name in self.ALL:
            old = getattr(self, name)
            grown = np.zeros(new, dtype=old.dtype)
            if name == "field":
                grown[:] = -1
            elif name == "money":
                grown[:] = np.nan
            grown[: len(old)] = old
            setattr(self, name, grown)

    def append(self, values: dict[str, Any]) -> int:
        row = self.size
        self._grow(row + 1)
        for name, value in values.items():
            getattr(self, name)[row] = value
        self.alive[row] = True
        self.size = row + 1
        return row

    def extend(self, columns: dict[str, list[Any]]) -> None:
        """Append many rows at once: ``columns`` maps every name of ``NAMES`` to equally long lists."""
        start = self.size
        n = len(columns["length"])
        self._grow(start + n)
        for name in self.NAMES:
            target = getattr(self, name)
            target[start : start + n] = np.asarray(columns[name], dtype=target.dtype)
        self.alive[start : start + n] = True
        self.size = start + n

    def take(self, rows: npt.NDArray[np.int64]) -> _Columns:
        out = _Columns(max(1024, len(rows)))
        for name in self.ALL:
            getattr(out, name)[: len(rows)] = getattr(self, name)[rows]
        out.size = len(rows)
        return out


def _top_rows(scores: FloatArray, limit: int) -> npt.NDArray[np.int64]:
    """Positions of the ``limit`` highest ``scores``, in position order; ties at the threshold go to the
    earliest positions, so the choice is deterministic (``rows`` are ascending where this is used)."""
    threshold = np.partition(scores, len(scores) - limit)[len(scores) - limit]
    above = scores > threshold
    need = limit - int(np.count_nonzero(above))
    if need > 0:
        above[np.flatnonzero(scores == threshold)[:need]] = True
    return np.flatnonzero(above)


def _add_lists(
    scores: FloatArray,
    rows: npt.NDArray[Any],
    weights: npt.NDArray[Any],
    starts: list[int],
    ends: list[int],
    qs: list[float],
    buffers: tuple[FloatArray, FloatArray],
) -> None:
    """``postings.add_lists`` (list after list, ``scores[row] += weight · q`` in float32), each list on its own
    by scipy's compiled CSC product ``y += A·x`` over a one-column view of it when the arrays are of its
    types: about three times ``np.add.at``'s speed, the same float32 products added in the same order. Its
    data, x and y share one type: codes (uint16) are first copied into ``buffers[1]`` as float32, exactly (a
    sequential pass, cheaper than the scattered additions it enables)."""
    if _csc_matvec is None or rows.dtype != np.int32 or weights.dtype not in _COMPILED_WEIGHTS:
        postings.add_lists(scores, rows, weights, starts, ends, qs, buffers)
        return
    # each list as a one-column CSC matrix: column pointers [0, length] and its query weight, as views
    pointers = np.zeros((len(starts), 2), dtype=np.int32)
    pointers[:, 1] = np.subtract(ends, starts)
    xs = np.array(qs, dtype=np.float32)
    n = len(scores)
    if weights.dtype == np.float32:
        for j, a, b in zip(range(len(starts)), starts, ends, strict=True):
            if b > a:
                _csc_matvec(n, 1, pointers[j], rows[a:b], weights[a:b], xs[j : j + 1], scores)
        return
    buffer = buffers[1]
    for j, a, b in zip(range(len(starts)), starts, ends, strict=True):
        if b > a:
            data = buffer[: b - a]
            data[...] = weights[a:b]  # exact (a uint16 is a float32); cheaper to call than np.copyto
            _csc_matvec(n, 1, pointers[j], rows[a:b], data, xs[j : j + 1], scores)


class _Segment(NamedTuple):
    """The main segment's arrays at one moment: what a lazily built explanation reads."""

    indptr: npt.NDArray[np.int64]
    rows: npt.NDArray[np.int32]
    weights: npt.NDArray[Any]  # uint16 codes (float32 in a test's twin)
    dense_of: npt.NDArray[np.int32]
    dense: npt.NDArray[Any]


class MatchIndex:
    """Achievements (or demands, ``kind="demand"``) indexed for matching; see the module docstring."""

    def __init__(
        self, kind: Kind = "achievement", *, params: Params | None = None, tokeniser: Tokeniser | None = None
    ) -> None:
        if kind not in ("achievement", "demand"):
            raise ValueError(f"kind must be 'achievement' or 'demand', not {kind!r}")
        self.kind: Kind = kind
        self.doc_type: type[Achievement] | type[Demand] = Achievement if kind == "achievement" else Demand
        self.params = params or Params()
        self.tokeniser = tokeniser or default_tokeniser()
        self._terms: dict[str, int] = {}
        self._term_list: list[str] = []
        self._df = np.zeros(1024, dtype=np.int64)
        self._fields = _Registry({})
        self._industries = _Registry({})
        self._cols = _Columns()
        self._row_of: dict[DocId, int] = {}
        self._id_of: list[DocId] = []
        self._total_length = 0.0
        # main segment (CSC over terms) and the length average its weights were computed with
        self._n_main = 0
        self._indptr = np.zeros(1, dtype=np.int64)
        self._rows = np.zeros(0, dtype=np.int32)
        self._weights = np.zeros(0, dtype=np.uint16)  # codes: whole units (see postings)
        self._unit = postings.unit_for(self.params.k1 + 1.0)
        self._lost_at = np.zeros(0, dtype=np.int64)  # postings whose code does not pin down the tf …
        self._lost_quarters = np.zeros(0, dtype=np.uint16)  # … and their tf (see _main_quarters)
        self._avglen_main = 1.0
        self._maxw = np.zeros(0, dtype=np.float32)
        # the most frequent terms of main also as dense rows (see _build_dense): term id → row, or -1
        self._dense_of = np.zeros(0, dtype=np.int32)
        self._dense = np.zeros((0, 0), dtype=np.uint16)
        # delta segment: term id → (rows, term frequencies)
        self._delta: dict[int, tuple[list[int], list[float]]] = {}
        self._delta_rows = 0
        self._main_dead = 0  # tombstones in main: still counted in N and the document frequencies
        self._doc_terms: dict[int, dict[int, float]] = {}  # delta row → its term frequencies
        # per-query scratch: the dense score array and two buffers; and the hard filters of every row
        # per (today, cooperation modes) of recent queries, valid until the next write
        self._scratch = np.zeros(0, dtype=np.float32)
        self._scratch_lock = threading.Lock()  # searches may run in several threads: one owns the scratch
        self._writes = 0
        self._eligible: dict[tuple[int, ...], npt.NDArray[np.bool_]] = {}
        # row → its position among a query's candidates, -1 elsewhere (see _weight_matrix), and its owner
        self._positions = np.zeros(0, dtype=np.intp)
        self._field_names_of: dict[int, str] = {}
        self._positions_lock = threading.Lock()

    # --- content --------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._row_of)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._row_of

    def doc_ids(self) -> set[DocId]:
        return set(self._row_of)

    def fingerprint(self) -> str:
        """Stable digest of the indexed content: equal for equal content, whatever order it was added in.

        Each live row's ``content_digest`` already covers the document's id and everything the engine reads
        from it, so the set of digests is the content. They are combined as two sums modulo 2**64 (an
        order-free multiset hash, one vectorised pass: about a millisecond at a million rows, where sorting
        the ids and hashing row by row took seconds on every new index version), with the count, the kind
        and the tokeniser's digest.
        """
        rows = np.fromiter(self._row_of.values(), dtype=np.int64, count=len(self._row_of))
        lanes = np.ascontiguousarray(self._cols.digest[rows]).view(np.uint64).reshape(-1, 2)
        sums = lanes.sum(axis=0, dtype=np.uint64)  # unsigned sums wrap around: modulo 2**64
        hasher = hashlib.sha256(f"{self.kind}\x1e{self.tokeniser.digest}\x1e{len(rows)}\x1e".encode())
        hasher.update(sums.astype("<u8").tobytes())
        return hasher.hexdigest()

    def _sections(self, doc: Document) -> tuple[tuple[str, float], ...]:
        """A document's texts with their weights, in text order: title, keywords, body."""
        p = self.params
        keywords = " ; ".join(doc.keywords) if doc.keywords else ""
        return ((doc.title, p.title_weight), (keywords, p.keyword_weight), (doc.text, 1.0))

    def analyse(self, doc: Document, *, query: bool = False) -> dict[str, float]:
        """Weighted term frequencies of a document: title and keywords count more than the body.

        Glossary concepts are a bridge between the languages (``Params.concepts_across_only``): a
        concept found through a Chinese word is ``~c`` in a document, ``^c`` in a query, one found
        through an English phrase ``^c`` in a document, ``~c`` in a query, so a concept meets the same
        concept in a text of the other language only — never the very word it came from, which the two
        texts share already (that counted a glossary word twice: once as itself, once as its concept).
        A concept found through a Chinese word counts ``concept_weight`` in a document,
        ``query_concept_weight`` in a query; through an English phrase fully. A query drops the
        single-character Chinese stop words (``QUERY_STOP_ZH``: a demand's conversational 要, 既, 多,
        rare in abstracts, would weigh a lot).

        Translations (CC-CEDICT, ``Tokeniser.translations``): an indexed document's Chinese words add
        their English translations (``translation_weight``), met by an English query's own words, and its
        English words a bridge copy (``=word``), met by a Chinese query's translations, which a query
        adds as bridge tokens (``query_translation_weight``). Translations never meet translations, so
        two Chinese texts still match on their own words only.
        """
        p = self.params
        analyse = self.tokeniser.analyse
        # a Counter: ``update`` counts a whole token list in C, for the sections of weight 1 (the body)
        tally: Counter[str] = Counter()
        counts = cast("dict[str, float]", tally)  # the weighted sections add fractions
        get = counts.get
        zh_weight = p.query_concept_weight if query else p.concept_weight
        replace = query and p.query_concepts_replace
        query_stop = QUERY_STOP_ZH
        # concepts as a bridge between the languages only: a concept found in a Chinese text meets the
        # same concept found in an English one, never the same word's concept in the other text's language
        zh_prefix = en_prefix = CONCEPT_PREFIX
        if p.concepts_across_only:
            zh_prefix, en_prefix = (
                (ENGLISH_CONCEPT_PREFIX, CONCEPT_PREFIX) if query else (CONCEPT_PREFIX, ENGLISH_CONCEPT_PREFIX)
            )
        zh_concepts = self.tokeniser.glossary.concepts_for_chinese
        # English translations of the Chinese words (CC-CEDICT): the bridge to texts in English
        translations, english_bridge = self.tokeniser.translations, self.tokeniser.english_bridge
        tr_weight = p.query_translation_weight if query else p.translation_weight
        # every weight is a multiple of 1/8, so these sums are exact in any order (both build paths agree);
        # terms enter in text order (title, keywords, body; a section's tokens before its concepts)
        for text, weight in self._sections(doc):
            if not text:
                continue
            tokens, zh, en = analyse(text)
            if query:
                tokens = [t for t in tokens if t not in query_stop]
            surface = tokens
            if replace:
                tokens = [t for t in tokens if not zh_concepts(t)]
            if weight == 1.0:
                tally.update(tokens)
            else:
                for t in tokens:
                    counts[t] = get(t, 0) + weight
            if zh and zh_weight > 0:
                concept_weight = weight * zh_weight
                for c in zh:
                    key = zh_prefix + c
                    counts[key] = get(key, 0) + concept_weight
            if en:
                if weight == 1.0:
                    tally.update([en_prefix + c for c in en])
                else:
                    for c in en:
                        key = en_prefix + c
                        counts[key] = get(key, 0) + weight
            if tr_weight > 0:
                # a document's Chinese words add their English translations (met by an English query's
                # words) and its English words a bridge copy (met by a Chinese query's translations), so
                # translations never meet each other: two Chinese texts match on their own words only
                if not query:
                    for t in english_bridge(surface):
                        counts[t] = get(t, 0) + weight
                share = weight * tr_weight
                for t, n in Counter(translations(surface, bridge=query)).items():
                    counts[t] = get(t, 0) + share * n
        return counts

    def _analyse_query(self, doc: Document) -> dict[str, float]:
        """``analyse(doc, query=True)``, counted by weight instead of token by token: every weight is a multiple
        of 1/8, so the sums are exact in any order and the counts equal (``analyse`` stays the reference)."""
        p = self.params
        if p.query_concepts_replace:
            return self.analyse(doc, query=True)
        analyse, translations = self.tokeniser.analyse, self.tokeniser.translations
        zh_weight, tr_weight = p.query_concept_weight, p.query_translation_weight
        query_stop = QUERY_STOP_ZH
        # as in ``analyse``: a query's concepts meet the other language's (``Params.concepts_across_only``)
        zh_prefix, en_prefix = (
            (ENGLISH_CONCEPT_PREFIX, CONCEPT_PREFIX) if p.concepts_across_only else (CONCEPT_PREFIX, CONCEPT_PREFIX)
        )
        zh_prefixed, en_prefixed = zh_prefix.__add__, en_prefix.__add__
        by_weight: dict[float, list[str]] = {}
        for text, weight in self._sections(doc):
            if not text:
                continue
            tokens, zh, en = analyse(text)
            tokens = [t for t in tokens if t not in query_stop]
            group = by_weight.setdefault(weight, [])
            group.extend(tokens)
            if zh and zh_weight > 0:
                by_weight.setdefault(weight * zh_weight, []).extend(map(zh_prefixed, zh))
            if en:
                group.extend(map(en_prefixed, en))
            if tr_weight > 0:
                by_weight.setdefault(weight * tr_weight, []).extend(translations(tokens, bridge=True))
        tally: Counter[str] = Counter(by_weight.pop(1.0, ()))
        counts = cast("dict[str, float]", tally)
        get = counts.get
        for weight, terms in by_weight.items():
            for term, n in Counter(terms).items():
                counts[term] = get(term, 0) + weight * n
        return counts

    def _features(self, doc: Document) -> dict[str, Any]:
        return dict(zip(_Columns.NAMES, self._feature_values(doc), strict=False))

    def _feature_values(self, doc: Document) -> tuple[Any, ...]:
        """The feature columns of a document, in ``_Columns.NAMES`` order (without digest and length)."""
        trl = doc.trl_range()
        return (
            doc.published,
            doc.expires_on.toordinal() if doc.expires_on else 0,
            cooperation_mask(doc.cooperation) if doc.cooperation else 0,
            self._fields.number(doc.field) if doc.field else -1,
            self._industry_mask(doc.industries) if doc.industries else 0,
            trl[0] if trl else 0,
            trl[1] if trl else 0,
            _money(doc.money),
            _region_code(doc.region),
        )

    def _industry_mask(self, codes: Iterable[str], *, register: bool = True) -> int:
        mask = 0
        for code in codes:
            bit = self._industries.number(code) if register else self._industries.codes.get(code)
            if bit is not None and bit < 64:
                mask |= 1 << bit
        return mask

    def _term_id(self, term: str) -> int:
        found = self._terms.get(term)
        if found is None:
            found = self._terms[term] = len(self._term_list)
            self._term_list.append(term)
            if found >= len(self._df):
                self._df = np.concatenate([self._df, np.zeros(len(self._df), dtype=np.int64)])
        return found

    def _check(self, doc: Document) -> None:
        if not isinstance(doc, self.doc_type):
            raise TypeError(f"a {self.kind} index takes {self.doc_type.__name__} documents, not {type(doc).__name__}")

    def add(self, doc: Document) -> None:
        """Insert or replace (by id). Unchanged content is a no-op."""
        self._check(doc)
        digest = content_digest(doc)
        row = self._row_of.get(doc.id)
        if row is not None and self._cols.digest[row].tobytes() == digest:
            return
        self.remove(doc.id)
        counts = self.analyse(doc)
        # quantised as the main segment stores them, so a merge changes no weight
        terms = {self._term_id(t): _quarters(tf) / _TF_SCALE for t, tf in counts.items()}
        length = float(sum(counts.values()))
        row = self._cols.append({**self._features(doc), "digest": digest, "length": length})
        self._id_of.append(doc.id)
        self._row_of[doc.id] = row
        self._total_length += length
        for term_id, tf in terms.items():
            self._df[term_id] += 1
            rows, tfs = self._delta.setdefault(term_id, ([], []))
            rows.append(row)
            tfs.append(tf)
        self._doc_terms[row] = terms
        self._delta_rows += 1
        if self._delta_rows > max(DELTA_MIN, DELTA_SHARE * self._n_main):
            self.compact()

    def add_many(self, docs: Iterable[Document], *, progress: Any = None) -> None:
        """Add many documents; on an empty index this builds the main segment directly (fast path)."""
        if len(self._row_of) or self._delta_rows:
            for doc in docs:
                self.add(doc)
            return
        # flat typed arrays, not one numpy array per document: no per-object overhead, no concatenation;
        # every _CHUNK postings they become a numpy chunk (term frequencies quantised to quarters) and
        # start afresh, and the chunks are scattered into the main segment one by one (postings.build_csc)
        chunks: list[postings.Chunk] = []
        term_ids = array("i")
        pending = array("d")
        sizes = array("q")
        chunk_start = 0
        terms = self._terms
        term_id = self._term_id
        row_of, id_of = self._row_of, self._id_of
        doc_type = self.doc_type
        features: dict[str, list[Any]] = {name: [] for name in _Columns.NAMES}
        lengths, digests = features["length"], features["digest"]
        feature_lists = [features[name] for name in _Columns.NAMES[:-2]]

        def flush() -> None:
            nonlocal term_ids, pending, sizes, chunk_start
            chunks.append(
                postings.Chunk(
                    chunk_start,
                    np.frombuffer(sizes, dtype=np.int64),
                    np.frombuffer(term_ids, dtype=np.int32),
                    _quantise(pending),
                )
            )
            chunk_start += len(sizes)
            term_ids, pending, sizes = array("i"), array("d"), array("q")
            self._total_length += float(sum(lengths))
            self._cols.extend(features)
            for column in features.values():
                column.clear()

        for doc in docs:
            if type(doc) is not doc_type:
                self._check(doc)
            if doc.id in row_of:
                raise ValueError(f"duplicate id {doc.id!r} in one build")
            counts = self.analyse(doc)
            try:  # every term already known (nearly every document once the vocabulary has settled)
                ids = list(map(terms.__getitem__, counts))
            except KeyError:
                ids = [terms[t] if t in terms else term_id(t) for t in counts]
            term_ids.extend(ids)
            values = counts.values()
            pending.extend(values)
            sizes.append(len(counts))
            lengths.append(sum(values))  # the length is not quantised, in either path
            for column, value in zip(feature_lists, self._feature_values(doc), strict=True):
                column.append(value)
            row_of[doc.id] = len(id_of)
            id_of.append(doc.id)
            digests.append(content_digest(doc))
            if len(pending) >= _CHUNK:
                flush()
            if progress is not None:
                progress.update(1)
        if not id_of:
            return
        if len(sizes):
            flush()
        self._build_main_from(chunks, len(id_of))

    def _build_main(self, indptr: npt.NDArray[np.int64], indices: npt.NDArray[np.int32], tf: npt.NDArray[Any]) -> None:
        """Main segment from a CSR (rows = documents) of quarter term frequencies."""
        n_rows = len(indptr) - 1
        chunks = []
        step = max(1, _CHUNK // max(1, int(indptr[-1]) // max(n_rows, 1)))  # rows of about _CHUNK postings
        for start in range(0, n_rows, step):
            end = min(start + step, n_rows)
            a, b = int(indptr[start]), int(indptr[end])
            chunk = postings.Chunk(start, np.diff(indptr[start : end + 1]), indices[a:b], tf[a:b].astype(np.uint16))
            chunks.append(chunk)
        self._build_main_from(chunks, n_rows)

    def _build_main_from(self, chunks: list[postings.Chunk], n_rows: int) -> None:
        """The main segment of ``n_rows`` rows from CSR chunks of quarter term frequencies, emptying the
        list (the caller keeps no reference: each chunk is freed once it is in the columns)."""
        self._writes += 1
        n_terms = len(self._term_list)
        self._indptr, self._rows, codes = postings.build_csc(chunks, n_terms)
        self._n_main = n_rows
        self._df[: len(self._df)] = 0
        self._df[:n_terms] = np.diff(self._indptr)
        alive = self._cols.alive[:n_rows]
        self._avglen_main = float(self._cols.length[:n_rows][alive].mean()) if alive.any() else 1.0
        self._unit = postings.unit_for(self.params.k1 + 1.0)
        # the quarters become weight codes in place, in chunks (the float temporaries stay small); the
        # term frequencies are not kept: a merge recovers them from the codes (see _main_quarters),
        # except the few a code does not pin down (very large ones), kept aside
        exceptions: list[tuple[npt.NDArray[np.int64], npt.NDArray[np.uint16]]] = []
        for start in range(0, len(codes), _CHUNK):
            end = start + _CHUNK
            quarters = codes[start:end].copy()
            length = self._cols.length[self._rows[start:end]]
            tf = quarters.astype(np.float32) / np.float32(_TF_SCALE)
            chunk = postings.encode(self._tf_part(tf, length), self._unit)
            lost = np.flatnonzero(self._recover_quarters(chunk, length) != quarters)
            if len(lost):
                exceptions.append((lost + start, quarters[lost]))
            codes[start:end] = chunk
        self._rows, self._weights = postings.settle(self._rows), postings.settle(codes)
        del codes
        self._lost_at = np.concatenate([e[0] for e in exceptions]) if exceptions else np.zeros(0, dtype=np.int64)
        self._lost_quarters = np.concatenate([e[1] for e in exceptions]) if exceptions else np.zeros(0, dtype=np.uint16)
        # each column's largest weight (in codes): the MaxScore upper bound of a term (0 for an empty column)
        self._maxw = np.zeros(n_terms, dtype=np.float32)
        nonempty = np.flatnonzero(np.diff(self._indptr) > 0)
        if len(nonempty):
            self._maxw[nonempty] = np.maximum.reduceat(self._weights, self._indptr[nonempty])
        self._build_dense()
        postings.release_memory()

    def _build_dense(self) -> None:
        """The weights (codes) of main's most frequent terms (in at least ``_DENSE_SHARE`` of the rows) also
        as dense rows, 0 where a document lacks the term, as many rows as ``_DENSE_BUDGET`` of the
        posting lists' memory holds at 8 bytes a posting and 4 a dense weight. Such a term is in the tail
        of most long queries and, when it is in the head, touches a large share of the rows: a
        candidate's weight is then one gather instead of a binary search, and the head adds the whole row
        (dense vector arithmetic) instead of scattering postings. Adding the 0 of a missing posting leaves
        a float32 score unchanged, so every score stays the same."""
        n = self._n_main
        lengths = np.diff(self._indptr)
        self._dense_of = np.full(len(lengths), -1, dtype=np.int32)
        limit = int(_DENSE_BUDGET * len(self._weights) * 8 / (4 * n)) if n else 0
        frequent = np.flatnonzero(lengths >= max(1, _DENSE_SHARE * n))
        frequent = frequent[np.argsort(-lengths[frequent], kind="stable")][:limit]
        self._dense = np.zeros((len(frequent), n), dtype=self._weights.dtype)
        for slot, term in enumerate(frequent.tolist()):
            a, b = int(self._indptr[term]), int(self._indptr[term + 1])
            self._dense[slot, self._rows[a:b]] = self._weights[a:b]
            self._dense_of[term] = slot

    def _recover_quarters(self, codes: npt.NDArray[np.uint16], length: FloatArray) -> npt.NDArray[np.int64]:
        """Term frequencies (in quarters) from weight codes of rows of ``length``:
        w = tf·(k1+1)/(tf+K) ⇒ tf = w·K/(k1+1−w). Exact while the code resolves a quarter (up to about 100
        for the shortest documents, more for longer ones): ``_build_main_from`` keeps the others."""
        p = self.params
        w = codes.astype(np.float64) * self._unit
        k = p.k1 * (1.0 - p.b + p.b * length.astype(np.float64) / self._avglen_main)
        return np.rint(w * k / (p.k1 + 1.0 - w) * _TF_SCALE).astype(np.int64)

    def _main_quarters(self) -> npt.NDArray[np.uint16]:
        """The main segment's term frequencies (in quarters), recovered exactly from the weight codes
        (and the few kept aside where a code does not pin one down)."""
        out = np.empty(len(self._weights), dtype=np.uint16)
        for start in range(0, len(out), _CHUNK):
            end = start + _CHUNK
            length = self._cols.length[self._rows[start:end]]
            out[start:end] = np.clip(self._recover_quarters(self._weights[start:end], length), 0, TF_MAX * _TF_SCALE)
        out[self._lost_at] = self._lost_quarters
        return out

    def _tf_units(self, tf: FloatArray, length: FloatArray, avglen: float) -> FloatArray:
        """``_tf_part`` of delta rows in the units of main's codes (exact: the unit is a power of two)."""
        return self._tf_part(tf, length, avglen) * np.float32(1.0 / self._unit)

    def _tf_part(self, tf: FloatArray, length: FloatArray, avglen: float | None = None) -> FloatArray:
        p = self.params
        norm = p.k1 * (1.0 - p.b + p.b * length / np.float32(avglen or self._avglen_main))
        return (tf * np.float32(p.k1 + 1.0) / (tf + norm)).astype(np.float32)

    def remove(self, doc_id: DocId) -> None:
        """Remove a document (no-op when absent): its row becomes a tombstone.

        O(1) for a main row: as in Lucene, its terms stay in the document frequencies (and the row in
        N) until the next merge, which makes the statistics exact again."""
        row = self._row_of.pop(doc_id, None)
        if row is None:
            return
        self._writes += 1
        self._cols.alive[row] = False
        self._total_length -= float(self._cols.length[row])
        if row < self._n_main:
            self._main_dead += 1
        else:
            for term_id in self._doc_terms.pop(row, {}):
                self._df[term_id] -= 1

    def compact(self) -> None:
        """Merge the delta segment into main and drop tombstones; weights are recomputed exactly."""
        size = self._cols.size
        alive_rows = np.flatnonzero(self._cols.alive[:size])
        n_terms = len(self._term_list)
        # terms first seen in the delta have no column in main yet: empty columns
        indptr = np.concatenate(
            [self._indptr, np.full(n_terms + 1 - len(self._indptr), self._indptr[-1], dtype=np.int64)]
        )
        main = sp.csc_matrix((self._main_quarters(), self._rows, indptr), shape=(self._n_main, n_terms)).tocsr()
        # the old segment's arrays are not needed any more: free them before the merge allocates
        self._rows = np.zeros(0, dtype=np.int32)
        self._weights = np.zeros(0, dtype=np.uint16)
        parts = [main]
        if size > self._n_main:
            rows: list[int] = []
            cols: list[int] = []
            vals: list[float] = []
            for row in range(self._n_main, size):
                for term_id, tf in self._doc_terms.get(row, {}).items():
                    rows.append(row - self._n_main)
                    cols.append(term_id)
                    vals.append(tf)
            delta = sp.csr_matrix(
                (np.array([_quarters(v) for v in vals], dtype=np.uint16), (rows, cols)),
                shape=(size - self._n_main, n_terms),
            )
            parts.append(delta)
        merged = sp.vstack(parts, format="csr") if len(parts) > 1 else main
        del parts, main
        merged = merged[alive_rows]
        merged.sort_indices()
        self._cols = self._cols.take(alive_rows)
        self._id_of = [self._id_of[r] for r in alive_rows]
        self._row_of = {doc_id: i for i, doc_id in enumerate(self._id_of)}
        self._delta = {}
        self._doc_terms = {}
        self._delta_rows = 0
        self._main_dead = 0
        self._build_main(merged.indptr.astype(np.int64), merged.indices.astype(np.int32), merged.data.astype(np.uint16))

    # --- queries --------------------------------------------------------------------------------

    def _query_terms(self, doc: Document) -> tuple[npt.NDArray[np.int64], FloatArray, list[str]]:
        """Known query terms, their weights (idf × saturated query frequency, float32, times main's unit:
        a code times it is the weight times the query weight, see ``postings``) and their strings."""
        p = self.params
        counts = self._analyse_query(doc)
        n = max(len(self._row_of) + self._main_dead, 1)
        ids = list(map(self._terms.get, counts))
        found = [
            (term, term_id, qtf)
            for (term, qtf), term_id in zip(counts.items(), ids, strict=True)
            if term_id is not None
        ]
        if not found:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32), []
        dfs = self._df[[term_id for _, term_id, _ in found]].tolist()
        k3 = p.k3
        k3_1 = k3 + 1.0
        log = math.log
        # most weighted first, ties by the term itself (the terms are distinct): the head of a long query
        # (see ``_candidates``) is then the same whatever the text order or the term numbering of this index
        ranked = sorted(
            (-(log(1.0 + (n - df + 0.5) / (df + 0.5)) * qtf * k3_1 / (qtf + k3)), term, term_id)
            for (term, term_id, qtf), df in zip(found, dfs, strict=True)
            if df > 0
        )
        return (
            np.array([term_id for _, _, term_id in ranked], dtype=np.int64),
            np.array([-weight for weight, _, _ in ranked], dtype=np.float32) * np.float32(self._unit),
            [term for _, term, _ in ranked],
        )

    def _delta_scores(self, scores: FloatArray, term_ids: npt.NDArray[np.int64], qweights: FloatArray) -> None:
        """Add the delta segment's contributions (exact, every query term) to ``scores``."""
        if not self._delta:
            return
        avglen = self._avglen()
        for term_id, qw in zip(term_ids.tolist(), qweights.tolist(), strict=True):
            posting = self._delta.get(term_id)
            if posting:
                drows = np.array(posting[0], dtype=np.int64)
                dtf = np.array(posting[1], dtype=np.float32)
                scores[drows] += self._tf_units(dtf, self._cols.length[drows], avglen) * np.float32(qw)

    def _candidates(
        self, term_ids: npt.NDArray[np.int64], qweights: FloatArray, eligible: Any, pool: int
    ) -> tuple[npt.NDArray[np.int64], FloatArray]:
        """Rows and exact text scores (every query term) of the best eligible rows.

        A long query (a demand is a text, about 60 terms, many of them frequent words) is split: its
        ``query_terms_max`` most weighted terms (idf × saturated frequency; ties by the term) are the
        *head*, which selects the ``rerank_pool`` best rows by their head score (``_head_candidates``);
        the *tail* (frequent, low-idf terms with the longest posting lists) is then added to those rows
        only, by binary search, so the returned scores are the exact BM25 of the whole query. A short
        query has no tail: its candidates are exactly its best rows.
        """
        p = self.params
        cap = p.query_terms_max
        if not 0 < cap < len(term_ids):
            return self._head_candidates(term_ids, qweights, eligible, pool)
        # _query_terms returns the terms most weighted first
        head, tail = slice(0, cap), slice(cap, None)
        limit = max(pool, p.rerank_pool)

        def head_and_tail(
            scores: FloatArray, buffers: tuple[FloatArray, FloatArray]
        ) -> tuple[npt.NDArray[np.int64], FloatArray] | None:
            rows, text = self._scan(scores, buffers, term_ids[head], qweights[head], eligible, limit)
            if len(rows) > limit:
                best = _top_rows(text, limit)
                rows, text = rows[best], text[best]
            if len(rows) and int(rows.max()) >= self._n_main:
                selected.append((rows, text))
                return None  # a delta row among the candidates: the general path below
            if len(scores) < _PRUNE_MIN_ROWS and self._compiled_adds():
                return rows, self._add_tail_scanned(scores, buffers[1], rows, term_ids[tail], qweights[tail])
            return self._add_tail_dense(scores, buffers, rows, text, term_ids[tail], qweights[tail], pool)

        selected: list[tuple[npt.NDArray[np.int64], FloatArray]] = []
        found = self._with_scratch(head_and_tail)
        if found is not None:
            return found
        rows, text = selected[0]
        return self._add_tail(rows, text.astype(np.float32), term_ids[tail], qweights[tail], pool)

    def _with_scratch(self, work: Any) -> Any:
        """``work(scores, buffers)`` with a zeroed dense score array over every row and two buffers as
        long as any column: the index's own (kept between queries: fresh large temporaries cost page
        faults) unless another thread is using them."""
        size = self._cols.size
        if self._scratch_lock.acquire(blocking=False):
            try:
                if len(self._scratch) < 3 * size:
                    self._scratch = np.zeros(3 * self._cols.alive.shape[0], dtype=np.float32)
                scores = self._scratch[:size]
                scores.fill(0)
                return work(scores, (self._scratch[size : 2 * size], self._scratch[2 * size : 3 * size]))
            finally:
                self._scratch_lock.release()
        scratch = np.zeros((3, size), dtype=np.float32)
        return work(scratch[0], (scratch[1], scratch[2]))

    def _compiled_adds(self) -> bool:
        """Whether scipy's compiled CSC product can add main's postings (see ``_add_lists``)."""
        return _csc_matvec is not None and self._rows.dtype == np.int32 and self._weights.dtype in _COMPILED_WEIGHTS

    def _add_tail_scanned(
        self,
        scores: FloatArray,
        buffer: FloatArray,
        rows: npt.NDArray[np.int64],
        term_ids: npt.NDArray[np.int64],
        qweights: FloatArray,
    ) -> FloatArray:
        """The exact scores of main ``rows`` once the tail terms are added to ``scores`` (the head's, of every
        row), term after term: a list up to ``_SCAN_SHARE`` times as long as the rows are is added whole (to
        every row it holds: scipy's compiled loop is cheaper than finding the rows in it; codes first copied
        into ``buffer`` as float32, see ``_add_lists``), a longer one to the rows only, from the term's dense
        row or by binary search. Each row's score is the same float32 sum, in the same order, as adding every
        posting of every term."""
        indptr, all_rows, all_weights, dense_of, dense = self._segment()
        n_main_terms = len(indptr) - 1
        if not len(rows) or not n_main_terms:
            return scores[rows]
        known = term_ids < n_main_terms
        safe = np.where(known, term_ids, 0)
        starts = np.where(known, indptr[safe], 0).tolist()
        ends = np.where(known, indptr[safe + 1], 0).tolist()
        slots = dense_of[safe].tolist()
        scan_at_most = len(rows) * _SCAN_SHARE
        keys: npt.NDArray[Any] | None = None
        pointers = np.zeros((len(starts), 2), dtype=np.int32)
        pointers[:, 1] = np.subtract(ends, starts)
        xs = qweights.astype(np.float32)
        size = len(scores)
        codes = all_weights.dtype != np.float32
        for j, a, b, q, slot in zip(range(len(starts)), starts, ends, qweights.tolist(), slots, strict=True):
            if b - a <= scan_at_most:
                if b > a:  # added whole, as a one-column CSC matrix (see _add_lists)
                    if codes:
                        data = buffer[: b - a]
                        data[...] = all_weights[a:b]
                    else:
                        data = all_weights[a:b]
                    _csc_matvec(size, 1, pointers[j], all_rows[a:b], data, xs[j : j + 1], scores)
            elif slot >= 0:
                scores[rows] += dense[slot].take(rows) * np.float32(q)
            else:
                if keys is None:
                    keys = rows.astype(all_rows.dtype)  # the column's dtype, or searchsorted copies the column
                col = all_rows[a:b]
                pos = col.searchsorted(keys)
                np.minimum(pos, b - a - 1, out=pos)
                hit = col[pos] == keys
                scores[rows[hit]] += all_weights[a:b][pos[hit]] * np.float32(q)
        return scores[rows]

    def _segment(self) -> _Segment:
        """Main's arrays as they are now (a write replaces them, never changes them in place)."""
        return _Segment(self._indptr, self._rows, self._weights, self._dense_of, self._dense)

    def _weight_matrix(
        self,
        rows: npt.NDArray[np.int64],
        term_ids: npt.NDArray[np.int64],
        segment: _Segment | None = None,
    ) -> npt.NDArray[Any]:
        """The document-side weight of each term in each of main's ``rows`` (terms × rows, 0 where a row lacks
        the term), in ``segment`` (default: main as it is now). Per term the cheapest way: a frequent term's
        dense row, a short posting list scanned for the rows (through a row → position map in which every
        other row points at one more column, the last), a long one by binary search.

        In the weights' own type (codes: uint16, no conversion per term; a contribution is a code times its
        scaled query weight). Filled in zeros, terms × (rows + 1), the last column scratch: returns the terms ×
        rows part."""
        n_terms, n = len(term_ids), len(rows)
        indptr, all_rows, all_weights, dense_of, dense = segment or self._segment()
        out = np.zeros((n_terms, n + 1), dtype=all_weights.dtype)
        n_main_terms = len(indptr) - 1
        if not n or not n_terms or not n_main_terms:
            return out[:, :n]
        known = term_ids < n_main_terms
        safe = term_ids if known.all() else np.where(known, term_ids, n_main_terms - 1)
        starts = indptr[safe]
        lengths = indptr[safe + 1] - starts
        slots = dense_of[safe]
        if not known.all():
            lengths[~known] = 0
            slots[~known] = -1
        scan_at_most = n * _SCAN_SHARE
        scanned: list[tuple[npt.NDArray[Any], int, int]] = []
        searched: list[tuple[int, int, int]] = []
        for j, slot, a, length in zip(range(n_terms), slots.tolist(), starts.tolist(), lengths.tolist(), strict=True):
            if slot >= 0:
                dense[slot].take(rows, out=out[j, :n])
            elif length > scan_at_most:
                searched.append((j, a, a + length))
            elif length:
                scanned.append((out[j], a, a + length))
        if scanned:

            def scan(positions: npt.NDArray[np.intp]) -> None:
                for row, a, b in scanned:
                    row[positions.take(all_rows[a:b])] = all_weights[a:b]

            self._with_positions(rows, scan)
        if searched:
            keys = rows.astype(all_rows.dtype)  # the column's dtype, or searchsorted copies the column
            for j, a, b in searched:
                col = all_rows[a:b]
                pos = col.searchsorted(keys)
                np.minimum(pos, b - a - 1, out=pos)
                found = out[j, :n]
                all_weights[a:b].take(pos, out=found)
                found[col.take(pos) != keys] = 0
        return out[:, :n]

    def _with_positions(self, rows: npt.NDArray[np.int64], work: Any) -> Any:
        """``work(positions)`` with ``positions[row]`` = the row's index in ``rows``, -1 for every other row:
        the index's own map (restored after), unless another thread is using it."""
        size = max(self._cols.size, int(rows.max()) + 1 if len(rows) else 0)
        if self._positions_lock.acquire(blocking=False):
            try:
                if len(self._positions) < size:
                    self._positions = np.full(max(size, self._cols.alive.shape[0]), -1, dtype=np.intp)
                positions = self._positions
                positions[rows] = np.arange(len(rows), dtype=np.intp)
                try:
                    return work(positions)
                finally:
                    positions[rows] = -1
            finally:
                self._positions_lock.release()
        positions = np.full(size, -1, dtype=np.intp)
        positions[rows] = np.arange(len(rows), dtype=np.intp)
        return work(positions)

    def _add_tail_dense(
        self,
        scores: FloatArray,
        buffers: tuple[FloatArray, FloatArray],
        rows: npt.NDArray[np.int64],
        text: FloatArray,
        term_ids: npt.NDArray[np.int64],
        qweights: FloatArray,
        pool: int,
    ) -> tuple[npt.NDArray[np.int64], FloatArray]:
        """``_add_tail`` for main rows, in the dense score array: the same additions in the same order
        (so the same float32 scores), but a short posting list is added whole (cheaper than a binary
        search per candidate) and runs of short lists together."""
        k1 = np.float32((self.params.k1 + 1.0) / self._unit)  # a weight's bound, in codes
        indptr, all_rows, all_weights = self._indptr, self._rows, self._weights
        n_main_terms = len(indptr) - 1
        tail = term_ids.tolist()
        maxw = np.array([self._maxw[t] if t < n_main_terms else k1 for t in tail], dtype=np.float32)
        bounds = (qweights * maxw).tolist()
        rest = float(sum(bounds))
        qs = qweights.tolist()
        starts = [int(indptr[t]) if t < n_main_terms else 0 for t in tail]
        ends = [int(indptr[t + 1]) if t < n_main_terms else 0 for t in tail]
        scores[rows] = text
        keys = rows.astype(all_rows.dtype)  # the column's dtype, or searchsorted copies the column
        prune = self.params.prune
        dense_of = self._dense_of
        searched = 0
        j, m = 0, len(tail)
        while j < m:
            a, b = starts[j], ends[j]
            if b - a <= len(rows) * _SEARCH_COST and (b == a or dense_of[tail[j]] < 0):
                # a run of short lists (added whole, together): nothing to prune for
                i, run = j, b - a
                j += 1
                while (
                    j < m
                    and ends[j] - starts[j] <= len(rows) * _SEARCH_COST
                    and (ends[j] == starts[j] or dense_of[tail[j]] < 0)
                ):
                    if run + ends[j] - starts[j] > postings.GROUP or max(ends[j] - starts[j], b - a) >= postings.SHORT:
                        break
                    run += ends[j] - starts[j]
                    j += 1
                if run:
                    postings.add_lists(scores, all_rows, all_weights, starts[i:j], ends[i:j], qs[i:j], buffers)
                rest -= sum(bounds[i:j])
                continue
            slot = int(dense_of[tail[j]]) if b > a else -1
            if slot >= 0:
                # a frequent term's weights in its dense row (0 where missing: the score is unchanged)
                scores[rows] += self._dense[slot].take(rows) * np.float32(qs[j])
                rest -= bounds[j]
                j += 1
                continue
            searched += 1
            if prune and len(rows) > pool and searched % 4 == 1:
                text = scores[rows]
                theta = float(np.partition(text, len(text) - pool)[len(text) - pool])
                keep = text >= np.float32(theta - rest) * np.float32(0.999)
                if not keep.all():
                    rows, keys = rows[keep], keys[keep]
            col = all_rows[a:b]
            pos = col.searchsorted(keys)
            np.minimum(pos, b - a - 1, out=pos)
            hit = col[pos] == keys
            scores[rows[hit]] += all_weights[a:b][pos[hit]] * np.float32(qs[j])
            rest -= bounds[j]
            j += 1
        return rows, scores[rows]

    def _add_tail(
        self,
        rows: npt.NDArray[np.int64],
        text: FloatArray,
        term_ids: npt.NDArray[np.int64],
        qweights: FloatArray,
        pool: int,
    ) -> tuple[npt.NDArray[np.int64], FloatArray]:
        """``rows`` with the tail terms added to their scores, one term at a time by binary search.

        MaxScore again, over the candidates: before each term, a row whose score plus the bounds of the
        terms left is below the pool-th best score so far can no longer reach the pool (scores only
        grow) and is dropped; the rows kept get exact scores."""
        k1 = np.float32((self.params.k1 + 1.0) / self._unit)  # a weight's bound, in codes
        n_main_terms = len(self._indptr) - 1
        maxw = np.array([self._maxw[t] if t < n_main_terms else k1 for t in term_ids.tolist()], dtype=np.float32)
        bounds = qweights * (np.maximum(maxw, k1) if self._delta else maxw)  # a delta row may weigh up to k1 + 1
        rest = float(bounds.sum())
        indptr, all_rows, all_weights = self._indptr, self._rows, self._weights
        only_main = bool(len(rows)) and int(rows.max()) < self._n_main
        keys = rows.astype(all_rows.dtype)  # the column's dtype, or searchsorted copies the column
        for j, term_id in enumerate(term_ids.tolist()):
            if self.params.prune and len(rows) > pool and j % 4 == 0:
                theta = float(np.partition(text, len(text) - pool)[len(text) - pool])
                keep = text >= np.float32(theta - rest) * np.float32(0.999)
                if not keep.all():
                    rows, text, keys = rows[keep], text[keep], keys[keep]
            if not only_main:
                text += self._term_weights(rows, term_ids[j : j + 1])[:, 0] * qweights[j]
            elif term_id < n_main_terms and indptr[term_id + 1] > indptr[term_id]:
                a, b = int(indptr[term_id]), int(indptr[term_id + 1])
                col = all_rows[a:b]
                pos = col.searchsorted(keys)
                np.minimum(pos, b - a - 1, out=pos)
                text += np.where(col[pos] == keys, all_weights[a:b][pos], np.float32(0)) * qweights[j]
            rest -= float(bounds[j])
        return rows, text

    def _head_candidates(
        self, term_ids: npt.NDArray[np.int64], qweights: FloatArray, eligible: Any, pool: int
    ) -> tuple[npt.NDArray[np.int64], FloatArray]:
        """Rows and exact text scores of (at least) the ``pool`` best eligible rows.

        MaxScore, vectorised: query terms are taken in decreasing order of their upper bound
        (idf × the column's largest weight) and their postings added to a dense score array. Once the
        bounds of the terms left add up to less than θ, the pool-th best eligible score so far, a row
        no processed term touched cannot reach the pool, and a row that was touched can only if its
        partial score is at least θ − Σbounds: those few rows get the remaining terms' weights by binary
        search in the remaining (long, low-idf) posting lists, which are never scanned. When that is not
        yet selective enough, more terms are added densely; at worst every term is (the plain BM25 scan).
        The result equals exhaustive scoring: ``tests/matching/test_engine_index.py`` checks it.
        """
        found: tuple[npt.NDArray[np.int64], FloatArray] = self._with_scratch(
            lambda scores, buffers: self._scan(scores, buffers, term_ids, qweights, eligible, pool)
        )
        return found

    def _scan(
        self,
        scores: FloatArray,
        buffers: tuple[FloatArray, FloatArray],
        term_ids: npt.NDArray[np.int64],
        qweights: FloatArray,
        eligible: Any,
        pool: int,
    ) -> tuple[npt.NDArray[np.int64], FloatArray]:
        size = len(scores)
        self._delta_scores(scores, term_ids, qweights)
        indptr, rows, weights = self._indptr, self._rows, self._weights
        n_main_terms = len(indptr) - 1
        if n_main_terms:
            known = term_ids < n_main_terms
            safe = np.where(known, term_ids, 0)
            keep = np.flatnonzero(known & (indptr[safe + 1] > indptr[safe]))
        else:  # no main segment yet: every row is in the delta
            keep = np.zeros(0, dtype=np.int64)
        ts_array = term_ids[keep]
        qs_array = qweights[keep].astype(np.float32)
        bounds = qs_array * self._maxw[ts_array]
        order = np.argsort(-bounds, kind="stable")
        ts_array, bounds = ts_array[order], bounds[order]
        ts, qs = ts_array.tolist(), qs_array[order].tolist()
        starts = indptr[ts_array].tolist()
        ends = indptr[ts_array + 1].tolist()
        lengths = [b - a for a, b in zip(starts, ends, strict=True)]
        unscanned = sum(lengths)
        budget = max(size, 1)  # postings to add before (re)checking whether the rest can be pruned
        scanned = 0
        # below _PRUNE_MIN_ROWS rows a check (a partition over the rows) and the binary searches after it cost
        # more than the postings they save: the head is scanned whole (same rows, same scores)
        pruning = self.params.prune and size >= _PRUNE_MIN_ROWS
        check_at = budget if pruning else math.inf
        # rest[i] = Σ bounds[i:] (what the terms not yet added can still add), for the pruning checks
        rest = np.concatenate([np.cumsum(bounds[::-1])[::-1], [0.0]]).tolist() if pruning else []
        cap = max(1_000, size // 50)
        # θ is the pool-th best of a strided sample of the rows: any set of distinct rows gives a
        # lower bound of the true pool-th best, and a sample is cheaper to partition
        stride = max(1, size // _THETA_SAMPLE)
        eligible_all: npt.NDArray[np.bool_] | None = None
        dense_of = self._dense_of
        i = 0
        m = len(ts)
        if not pruning and _csc_matvec is not None:
            # every list added whole, one after the other (a frequent term's postings cost less than a pass
            # over its dense row)
            _add_lists(scores, rows, weights, starts, ends, qs, buffers)
            i = m
        while i < m:
            if scanned >= check_at and unscanned >= 2 * size:
                check_at = scanned + budget
                if eligible_all is None:
                    eligible_all = eligible(None)
                sample = np.where(eligible_all[::stride], scores[::stride], np.float32(0))
                theta = (
                    float(np.partition(sample, len(sample) - pool)[len(sample) - pool]) if pool < len(sample) else 0.0
                )
                if theta > 0 and rest[i] < theta:
                    cand = np.flatnonzero(scores >= np.float32(theta - rest[i]) * np.float32(0.999))
                    cand = cand[eligible_all[cand]]
                    if len(cand) <= cap:
                        return cand, self._finish(scores, cand, starts[i:], ends[i:], qs[i:])
            # the next run of lists: up to the next check, short lists together (one add.at over their
            # concatenation), a long one alone (a gather, add and scatter: a column holds each row once)
            slot = int(dense_of[ts[i]])
            if slot >= 0:
                # a frequent term: its dense row, added to main's rows as a whole
                main_scores = scores[: self._n_main]
                main_scores += np.multiply(self._dense[slot], np.float32(qs[i]), out=buffers[0][: self._n_main])
                scanned += lengths[i]
                unscanned -= lengths[i]
                i += 1
                continue
            j = i + 1
            run = lengths[i]
            while (
                j < m
                and dense_of[ts[j]] < 0
                and scanned + run < check_at
                and lengths[j - 1] < postings.SHORT
                and lengths[j] < postings.SHORT
                and run + lengths[j] <= postings.GROUP
            ):
                run += lengths[j]
                j += 1
            _add_lists(scores, rows, weights, starts[i:j], ends[i:j], qs[i:j], buffers)
            scanned += run
            unscanned -= run
            i = j
        if eligible_all is None:
            eligible_all = eligible(None)
        # every row scored: on a large index the sample's pool-th best still bounds the pool from below,
        # and keeps the candidates (and what the caller partitions) to a few percent of the rows touched
        theta = 0.0
        if stride > 1:
            sample = np.where(eligible_all[::stride], scores[::stride], np.float32(0))
            theta = float(np.partition(sample, len(sample) - pool)[len(sample) - pool]) if pool < len(sample) else 0.0
        if theta > 0:
            cand = np.flatnonzero(scores >= np.float32(theta) * np.float32(0.999))
            cand = cand[eligible_all[cand]]
        else:
            cand = np.flatnonzero(eligible_all & (scores > 0))
        return cand, scores[cand]

    def _finish(
        self, scores: FloatArray, cand: npt.NDArray[np.int64], starts: list[int], ends: list[int], qs: list[float]
    ) -> FloatArray:
        """Exact scores of ``cand`` once the remaining terms (``starts``/``ends``/``qs``) are added: per term
        the cheaper of a binary search for each candidate and a scan of the posting list."""
        rows, weights = self._rows, self._weights
        sparse: list[tuple[int, int, float]] = []
        for a, b, q in zip(starts, ends, qs, strict=True):
            if len(cand) * _SEARCH_COST < b - a:
                sparse.append((a, b, q))
            else:
                col = rows[a:b]
                scores[col] += weights[a:b] * np.float32(q)
        exact = scores[cand]
        keys = cand.astype(rows.dtype)  # same dtype as the column, or searchsorted copies the column
        for a, b, q in sparse:
            col = rows[a:b]
            pos = col.searchsorted(keys)
            np.minimum(pos, b - a - 1, out=pos)
            hit = col[pos] == keys
            exact[hit] += weights[a:b][pos[hit]] * np.float32(q)
        return exact

    def _avglen(self) -> float:
        return self._total_length / len(self._row_of) if self._row_of else 1.0

    def search(
        self,
        query: Document,
        k: int = 10,
        exclude: Iterable[DocId] = frozenset(),
        today: date | None = None,
    ) -> list[Match]:
        """The ``k`` best matches for ``query`` (a Demand on an achievement index, and vice versa)."""
        self._check_query(query)
        if k <= 0 or not self._row_of:
            return []
        return self._search(query, self._query_terms(query), k, exclude, today)

    def _check_query(self, query: Document) -> None:
        expected = Demand if self.kind == "achievement" else Achievement
        if not isinstance(query, expected):
            raise TypeError(f"a {self.kind} index is searched with a {expected.__name__}, not {type(query).__name__}")

    def _search(
        self,
        query: Document,
        terms: tuple[npt.NDArray[np.int64], FloatArray, list[str]],
        k: int,
        exclude: Iterable[DocId],
        today: date | None,
    ) -> list[Match]:
        """``search`` once the query's terms are known."""
        term_ids, qweights, names = terms
        if not len(term_ids):
            return []
        cols = self._cols
        size = cols.size
        coop = cooperation_mask(query.cooperation)
        filters: list[dict[str, Any]] = [{"filter": "published"}]
        if today is not None:
            filters.append({"filter": "not_expired", "on": today.isoformat()})
        coop_filter = bool(coop) and not coop & _OTHER_BIT
        if coop_filter:
            filters.append({"filter": "cooperation", "modes": sorted(query.cooperation)})
        excluded_rows = np.array([self._row_of[i] for i in exclude if i in self._row_of], dtype=np.int64)
        if len(excluded_rows):
            filters.append({"filter": "excluded", "count": len(excluded_rows)})
        today_ordinal = today.toordinal() if today is not None else 0
        accepted = coop | _OTHER_BIT

        everywhere: list[npt.NDArray[np.bool_]] = []  # eligible(None), once per search

        def eligible(rows: npt.NDArray[np.int64] | None) -> npt.NDArray[np.bool_]:
            """The hard filters, for ``rows`` (or every row when None: cached until the next write)."""
            if rows is None:
                if not everywhere:
                    everywhere.append(eligible_everywhere())
                return everywhere[0]
            return eligible_rows(rows)

        def eligible_everywhere() -> npt.NDArray[np.bool_]:
            key = (self._writes, size, today_ordinal, accepted if coop_filter else -1)
            found = self._eligible.get(key)
            if found is None:
                found = eligible_rows(None)
                # replaced, never changed in place: another thread may be reading the old one
                kept = list(self._eligible.items()) if len(self._eligible) < _ELIGIBLE_CACHE else []
                self._eligible = {**{k: v for k, v in kept if k[:2] == key[:2]}, key: found}
            if not len(excluded_rows):
                return found
            ok = found.copy()
            ok[excluded_rows] = False
            return ok

        def eligible_rows(rows: npt.NDArray[np.int64] | None) -> npt.NDArray[np.bool_]:
            pick: Any = slice(0, size) if rows is None else rows
            ok = cols.alive[pick] & cols.published[pick]
            if today_ordinal:
                expires = cols.expires[pick]
                ok &= (expires == 0) | (expires >= today_ordinal)
            if coop_filter:
                doc_coop = cols.coop[pick]
                ok &= (doc_coop == 0) | ((doc_coop & accepted) != 0)
            if len(excluded_rows) and rows is not None:
                ok &= ~np.isin(rows, excluded_rows)
            return ok

        pool_size = max(self.params.pool_min, k * self.params.pool_factor)
        candidates, text = self._candidates(term_ids, qweights, eligible, pool_size)
        if len(candidates):
            # the scan's candidates are of eligible rows already: a safeguard, one gather
            ok = eligible(None)[candidates] & (text > 0)
            if not ok.all():
                candidates, text = candidates[ok], text[ok]
        if not len(candidates):
            return []
        if len(candidates) > pool_size:
            top = np.argpartition(-text, pool_size - 1)[:pool_size]
            candidates, text = candidates[top], text[top]
        fq = FitQuery.of(query, self._fields.codes, self._industry_mask(query.industries, register=False))
        fit = fit_scores(fq, cols, candidates, self.params, self._field_names())
        relevance = None
        if self.params.learned_ranker:
            relevance = default_ranker().relevance(self._ranking_features(candidates, text, term_ids, qweights))
        final, text_part = combine(text, fit.total, self.params, relevance)
        order = np.lexsort((candidates, -final))[:k]
        final_rows = candidates[order]
        explainer = _Explainer(
            final=final,
            raw_text=text,
            text_part=text_part,
            fit=fit,
            contributions=self._contributions(final_rows, term_ids, qweights),
            names=names,
            filters=filters,
            glossary=self.tokeniser.glossary,
        )
        id_of = self._id_of
        return [
            _LazyMatch(id_of[row], round(score, 6), explainer, n, i)
            for n, (row, score, i) in enumerate(
                zip(final_rows.tolist(), final[order].tolist(), order.tolist(), strict=True)
            )
        ]

    def _field_names(self) -> dict[int, str]:
        """Field number → code (the registry only grows: rebuilt when it has)."""
        codes = self._fields.codes
        names = self._field_names_of
        if len(names) != len(codes):
            names = self._field_names_of = {v: c for c, v in codes.items()}
        return names

    def _contributions(self, rows: npt.NDArray[np.int64], term_ids: npt.NDArray[np.int64], qweights: FloatArray) -> Any:
        """Each query term's share of the BM25 score of each of ``rows`` (rows × terms), for the explanations:
        looked up when the first explanation is read, in main's arrays as they are now (a later write
        replaces them), or at once when a row is in the delta segment (changed in place by writes)."""
        if len(rows) and int(rows.max()) >= self._n_main:
            found = self._term_weights(rows, term_ids) * qweights[None, :]
            return lambda: found
        segment = self._segment()
        cache: list[FloatArray] = []

        def contributions() -> FloatArray:
            if not cache:
                cache.append(self._weight_matrix(rows, term_ids, segment=segment).T * qweights[None, :])
            return cache[0]

        return contributions

    def _ranking_features(
        self, rows: npt.NDArray[np.int64], bm25: npt.NDArray[Any], term_ids: npt.NDArray[np.int64], qweights: FloatArray
    ) -> npt.NDArray[np.float64]:
        head = slice(0, COVERAGE_TERMS)  # the query's terms come most weighted first
        hits = self._term_weights(rows, term_ids[head]) > 0
        return features(bm25, hits, qweights[head], self._cols.length[rows])

    def ranking_features(self, query: Document, doc_ids: Sequence[DocId]) -> npt.NDArray[np.float64]:
        """The learned ranker's features (``ranker.FEATURES``) of ``doc_ids`` as candidates for ``query``
        (for training: ``doc_ids`` are the candidates a search returned, best first)."""
        term_ids, qweights, _ = self._query_terms(query)
        rows = np.array([self._row_of[i] for i in doc_ids], dtype=np.int64)
        bm25 = (self._term_weights(rows, term_ids) * qweights[None, :]).sum(axis=1)
        return self._ranking_features(rows, bm25, term_ids, qweights)

    def search_many(self, queries: Sequence[Document], k: int = 10, today: date | None = None) -> list[list[Match]]:
        """Batch re-match: ``search`` for each query, in order. Every query is analysed first, one after the
        other (the tokeniser's tables stay in the cache), a text that occurs twice in the batch once; nothing
        is kept after the call."""
        for query in queries:
            self._check_query(query)
        if k <= 0 or not self._row_of:
            return [[] for _ in queries]
        analysed: dict[tuple[str, tuple[str, ...], str], tuple[npt.NDArray[np.int64], FloatArray, list[str]]] = {}
        terms = []
        for query in queries:
            key = (query.title, query.keywords, query.text)
            found = analysed.get(key)
            if found is None:
                found = analysed[key] = self._query_terms(query)
            terms.append(found)
        return [self._search(query, found, k, (), today) for query, found in zip(queries, terms, strict=True)]

    # --- explanations ---------------------------------------------------------------------------

    def _term_weights(self, rows: npt.NDArray[np.int64], term_ids: npt.NDArray[np.int64]) -> FloatArray:
        """The document-side weight of each query term in each of ``rows`` (rows × terms), in codes (times
        the query weights of ``_query_terms``: the contributions)."""
        out = np.zeros((len(rows), len(term_ids)), dtype=np.float32)
        main = rows < self._n_main
        if main.any():
            out[main] = self._weight_matrix(rows[main], term_ids).T
        avglen = self._avglen()
        for n in np.flatnonzero(~main).tolist():
            row = int(rows[n])
            terms = self._doc_terms.get(row, {})
            length = self._cols.length[row : row + 1]
            for j, term_id in enumerate(term_ids.tolist()):
                tf = terms.get(term_id)
                if tf is not None:
                    out[n, j] = self._tf_units(np.array([tf], dtype=np.float32), length, avglen)[0]
        return out


@dataclass(slots=True)
class _Explainer:
    """What one search computed for its results' explanations (built on first read, see ``_LazyMatch``)."""

    final: npt.NDArray[np.float64]
    raw_text: FloatArray
    text_part: npt.NDArray[np.float64]
    fit: FitResult
    contributions: Any  # () → rows × terms
    names: list[str]
    filters: list[dict[str, Any]]
    glossary: Glossary

    def explain(self, n: int, i: int) -> dict[str, Any]:
        """The explanation of the ``n``-th result, candidate ``i`` of the pool."""
        row = self.contributions()[n]
        values = row.tolist()
        names = self.names
        return explanation(
            score=float(self.final[i]),
            raw_text=float(self.raw_text[i]),
            text_part=float(self.text_part[i]),
            terms=[(names[j], values[j]) for j in np.flatnonzero(row > 0).tolist()],
            criteria=self.fit.criteria(i),
            filters=self.filters,
            glossary=self.glossary,
        )


class _LazyMatch(Match):
    """A ``Match`` whose explanation is built on first read, from what the search computed (the term
    weights and fit of the row, taken when it ran): building the dictionaries is most of a query's
    time on a small index, and a batch re-match that keeps the best few reads only ids and scores.
    Pickled (and compared) as a plain ``Match`` with its explanation."""

    def __init__(self, id: DocId, score: float, explainer: _Explainer, n: int, i: int) -> None:
        # frozen: the fields go straight into the instance's dictionary
        self.__dict__.update(id=id, score=score, _explainer=explainer, _at=(n, i))

    @property
    def explanation(self) -> dict[str, Any]:
        built: dict[str, Any] | None = self.__dict__.get("_explanation")
        if built is None:
            built = self.__dict__["_explainer"].explain(*self.__dict__["_at"])
            object.__setattr__(self, "_explanation", built)
        return built

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Match):
            return (self.id, self.score) == (other.id, other.score)
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self.id, self.score))

    def __reduce__(self) -> tuple[Any, ...]:
        return (Match, (self.id, self.score, self.explanation))
