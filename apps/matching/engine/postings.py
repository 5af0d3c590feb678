"""The main segment's posting lists (a CSC matrix: ``indptr``, ``rows``, ``weights``): their storage and
build, and vectorised primitives over them.

Storage: ``rows`` are int32, ``weights`` uint16 *codes*, a weight in whole units of a power of two
(``unit_for``: 2⁻¹⁴ for k1 = 1.5), 6 bytes a posting instead of 8 (float32). A query weight is scaled
by the same unit (``MatchIndex._query_terms``), and since scaling by a power of two is exact in
floating point, ``code · (q · unit)`` is the float32 product of the dequantised weight and ``q``:
every path below multiplies a code by a scaled query weight and gets the same float32 score it
would with a float32 column holding ``code · unit``. The build (``build_csc``) scatters the
documents chunk by chunk into preallocated columns, freeing each chunk as it goes: the postings are
never held twice.

Every function here adds or looks up postings *in the order the caller gives the terms*, one float32
addition per posting, so a row's score is the same float32 sum whichever primitive computed it: a
run of short posting lists is added in one ``np.add.at`` call over their concatenation (``ufunc.at``
applies the additions in index order), a long one with a gather, add and scatter (a column holds a
row once), and a few rows look their weights up by binary search — all the lists at once.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import math
import mmap
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]

# Consecutive posting lists shorter than SHORT are added together (one concatenation, one add.at), up
# to GROUP postings at a time; a longer list is added on its own.
SHORT = 2048
GROUP = 1 << 17
_ARANGE = np.arange(GROUP, dtype=np.int64)


CODE_MAX = np.iinfo(np.uint16).max


def unit_for(bound: float) -> float:
    """The smallest power of two ``u`` with ``bound / u`` ≤ the largest code: weights below ``bound``
    (k1 + 1 for BM25's term-frequency part) are stored as ``round(weight / u)``."""
    return float(2.0 ** math.ceil(math.log2(bound / CODE_MAX)))


def encode(weights: FloatArray, unit: float) -> npt.NDArray[np.uint16]:
    """``weights`` as codes: whole ``unit``s, rounded half to even."""
    out = np.rint(weights * np.float32(1.0 / unit))
    return np.clip(out, 0, CODE_MAX).astype(np.uint16)


def _malloc_trim() -> Any:
    """glibc's ``malloc_trim`` (None elsewhere): returns freed heap memory to the system. A chunk's arrays
    are a few MB, below the size glibc's malloc serves with mmap once it has freed larger blocks, so
    without it the freed input would stay in the process while the columns fill."""
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):
        return None


_TRIM = _malloc_trim()
_TRIM_EVERY = 4  # chunks


def release_memory() -> None:
    """Return the heap's free memory to the system (after a build step's temporaries are freed)."""
    if _TRIM is not None:
        _TRIM(0)


def _fresh(n: int, dtype: Any) -> npt.NDArray[Any]:
    """An uninitialised array in its own anonymous mapping, resident page by page as it is written.
    (numpy asks for transparent huge pages on large arrays: a scatter over every column would then
    make the whole array resident with its first chunk, beside the input it is built from.)"""
    size = max(1, n * np.dtype(dtype).itemsize)
    return np.frombuffer(mmap.mmap(-1, size), dtype=dtype, count=n)


def settle(array: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """A ``_fresh`` array, once filled, copied into an ordinary numpy array (with its huge pages: the
    queries' scatters and binary searches run about 6 % faster on them) a few MB at a time, each part of
    the mapping released as soon as it is copied: the two copies never coexist."""
    base = array.base
    buffer = base.obj if isinstance(base, memoryview) else base
    if not isinstance(buffer, mmap.mmap) or not len(array):
        return array
    out = np.empty_like(array)
    flat_in, flat_out = array.view(np.uint8), out.view(np.uint8)
    step = 8 << 20  # bytes, a multiple of the page size
    for start in range(0, len(flat_in), step):
        end = min(start + step, len(flat_in))
        flat_out[start:end] = flat_in[start:end]
        buffer.madvise(mmap.MADV_DONTNEED, start, end - start)
    return out


@dataclass
class Chunk:
    """Consecutive documents (rows ``start …``) as a CSR: ``sizes`` terms a row, then each row's term ids
    and term frequencies in quarters."""

    start: int
    sizes: npt.NDArray[np.int64]
    terms: npt.NDArray[np.int32]
    quarters: npt.NDArray[np.uint16]


def build_csc(chunks: list[Chunk], n_terms: int) -> tuple[IntArray, npt.NDArray[np.int32], npt.NDArray[np.uint16]]:
    """``indptr``, ``rows`` and quarters of the CSC over ``n_terms`` columns of the ``chunks`` (in row
    order), emptying the list: each chunk is transposed on its own (scipy) and its postings scattered
    to their columns' next free positions, so every column's rows come out ascending, and the chunk
    is freed before the next one. The output arrays are allocated once and their pages touched as
    they fill (``_fresh``): peak memory is the output plus a chunk, not the input plus the output."""
    df = np.zeros(n_terms, dtype=np.int64)
    for chunk in chunks:
        df += np.bincount(chunk.terms, minlength=n_terms)
    indptr = np.zeros(n_terms + 1, dtype=np.int64)
    np.cumsum(df, out=indptr[1:])
    total = int(indptr[-1])
    rows = _fresh(total, np.int32)
    quarters = _fresh(total, np.uint16)
    cursor = indptr[:-1].copy()
    chunks.reverse()  # popped from the end: the first chunk first
    while chunks:
        chunk = chunks.pop()
        local_indptr = np.zeros(len(chunk.sizes) + 1, dtype=np.int64)
        np.cumsum(chunk.sizes, out=local_indptr[1:])
        csr = sp.csr_matrix((chunk.quarters, chunk.terms, local_indptr), shape=(len(chunk.sizes), n_terms), copy=False)
        csc = csr.tocsc()
        del csr
        counts = np.diff(csc.indptr)
        pos = np.repeat(cursor - csc.indptr[:-1], counts)
        pos += np.arange(len(pos), dtype=np.int64)
        rows[pos] = csc.indices + np.int32(chunk.start)
        quarters[pos] = csc.data
        cursor += counts
        del chunk, csc, pos
        if len(chunks) % _TRIM_EVERY == 0:
            release_memory()
    return indptr, rows, quarters


def concatenated(starts: IntArray, lengths: IntArray, total: int) -> IntArray:
    """Positions of the postings ``[starts[i], starts[i] + lengths[i])``, list after list."""
    shift = starts - (np.cumsum(lengths) - lengths)
    idx = np.repeat(shift, lengths)
    idx += _ARANGE[:total] if total <= GROUP else np.arange(total, dtype=np.int64)
    return idx


def add_lists(
    scores: FloatArray,
    rows: npt.NDArray[np.int32],
    weights: npt.NDArray[Any],
    starts: list[int],
    ends: list[int],
    qs: list[float],
    buffers: tuple[FloatArray, FloatArray],
) -> None:
    """``scores[row] += weight · q`` for every posting of the lists, list after list (float32; ``weights``
    may be codes, then ``qs`` are scaled by their unit)."""
    if len(starts) == 1:
        # one list: ``np.add.at`` straight from the column (numpy ≥ 2 has a fast path for it: about
        # twice as fast as a gather, add and scatter)
        a, b = starts[0], ends[0]
        add = np.multiply(weights[a:b], np.float32(qs[0]), out=buffers[0][: b - a])
        np.add.at(scores, rows[a:b], add)
        return
    s = np.array(starts, dtype=np.int64)
    lengths = np.array(ends, dtype=np.int64) - s
    total = int(lengths.sum())
    if not total:
        return
    idx = concatenated(s, lengths, total)
    values = np.multiply(weights.take(idx), np.repeat(np.array(qs, dtype=np.float32), lengths))
    np.add.at(scores, rows.take(idx).astype(np.intp, copy=False), values)


def lookup(
    indptr: IntArray,
    rows: npt.NDArray[np.int32],
    weights: npt.NDArray[Any],
    term_ids: IntArray,
    keys: npt.NDArray[np.integer[Any]],
) -> FloatArray:
    """The weight of each term in each row of ``keys`` (rows × terms; 0 where the row lacks the term):
    one binary search per (row, term) pair, all pairs advanced together."""
    out = np.zeros((len(keys), len(term_ids)), dtype=np.float32)
    if not len(keys) or not len(term_ids) or not len(rows):
        return out
    starts = indptr[term_ids]
    ends = indptr[term_ids + 1]
    base = np.broadcast_to(starts, out.shape).copy()
    n = np.broadcast_to(ends - starts, out.shape).copy()
    key: Any = keys.astype(rows.dtype)[:, None]
    last = len(rows) - 1
    # branch-free lower bound: ``base`` ends on the last position whose row is below the key, or start
    while True:
        half = n >> 1
        if not half.any():
            break
        probe = base + half
        np.minimum(probe, last, out=probe)
        below = rows.take(probe) < key
        base = np.where(below, probe, base)
        n -= half
    # base is the first position when every row of the list is ≥ key, otherwise the last one < key
    nonempty = ends > starts
    at = np.minimum(base, last)
    first = rows.take(at) >= key
    pos = np.where(first, base, base + 1)
    np.minimum(pos, last, out=pos)
    hit = (pos < ends) & nonempty & (rows.take(pos) == key)
    out[hit] = weights.take(pos[hit])
    return out
