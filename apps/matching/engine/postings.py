"""Vectorised primitives over the main segment's posting lists (a CSC matrix: ``indptr``, ``rows``, ``weights``).

Every function here adds or looks up postings *in the order the caller gives the terms*, one float32
addition per posting, so a row's score is the same float32 sum whichever primitive computed it: a
run of short posting lists is added in one ``np.add.at`` call over their concatenation (``ufunc.at``
applies the additions in index order), a long one with a gather, add and scatter (a column holds a
row once), and a few rows look their weights up by binary search — all the lists at once.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]

# Consecutive posting lists shorter than SHORT are added together (one concatenation, one add.at), up
# to GROUP postings at a time; a longer list is added on its own.
SHORT = 2048
GROUP = 1 << 17
_ARANGE = np.arange(GROUP, dtype=np.int64)


def concatenated(starts: IntArray, lengths: IntArray, total: int) -> IntArray:
    """Positions of the postings ``[starts[i], starts[i] + lengths[i])``, list after list."""
    shift = starts - (np.cumsum(lengths) - lengths)
    idx = np.repeat(shift, lengths)
    idx += _ARANGE[:total] if total <= GROUP else np.arange(total, dtype=np.int64)
    return idx


def add_lists(
    scores: FloatArray,
    rows: npt.NDArray[np.int32],
    weights: FloatArray,
    starts: list[int],
    ends: list[int],
    qs: list[float],
    buffers: tuple[FloatArray, FloatArray],
) -> None:
    """``scores[row] += weight · q`` for every posting of the lists, list after list (float32)."""
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
    values = weights.take(idx)
    values *= np.repeat(np.array(qs, dtype=np.float32), lengths)
    np.add.at(scores, rows.take(idx).astype(np.intp, copy=False), values)


def lookup(
    indptr: IntArray,
    rows: npt.NDArray[np.int32],
    weights: FloatArray,
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
