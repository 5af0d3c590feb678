"""What a new index version costs a serving process in fingerprinting, old way beside new, in one run.

    .venv/bin/python bench/matching/fingerprint.py --sizes 10000,100000,1000000

Every worker process publishes its index's fingerprint after each sync (``apps.matching.serving``), so it
is recomputed once per new version. The fingerprint depends only on the live rows' content digests, so
the index here is given ``n`` synthetic rows directly (building a real million-row index takes minutes
and changes nothing in this measurement). The baseline is the previous implementation (ids sorted, one
hash update per row), run on the same index in the same process, alternating with the new one.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

from apps.matching.engine import MatchIndex  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"


def synthetic_index(n: int) -> MatchIndex:

    index = MatchIndex("achievement")
    rng = np.random.default_rng(1)
    index._cols._grow(n)
    index._cols.digest[:n] = rng.integers(0, 256, size=(n, 16), dtype=np.uint8).view("V16").ravel()
    index._cols.alive[:n] = True
    index._cols.size = n
    index._row_of = {pk: pk for pk in range(n)}
    return index


def old_fingerprint(index: MatchIndex) -> str:
    """The implementation before: ids in a sorted order, one hash update per row."""
    hasher = hashlib.sha256(f"{index.kind}\x1e{index.tokeniser.digest}".encode())
    digests = index._cols.digest
    for doc_id in sorted(index._row_of, key=lambda i: (type(i).__name__, str(i))):
        digest = digests[index._row_of[doc_id]].tobytes().hex()
        hasher.update(f"{type(doc_id).__name__}:{doc_id}\x1f{digest}\x1e".encode())
    return hasher.hexdigest()


def measure(n: int, rounds: int) -> dict[str, float]:
    index = synthetic_index(n)
    old_fingerprint(index), index.fingerprint()  # warm up
    old_ms, new_ms = [], []
    for _ in range(rounds):  # alternating, so load on the machine hits both alike
        started = time.process_time()
        old_fingerprint(index)
        old_ms.append((time.process_time() - started) * 1000)
        started = time.process_time()
        index.fingerprint()
        new_ms.append((time.process_time() - started) * 1000)
    old, new = statistics.median(old_ms), statistics.median(new_ms)
    return {"rows": n, "old_ms": round(old, 2), "new_ms": round(new, 3), "speedup": round(old / new, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    rows = []
    for n in (int(s) for s in args.sizes.split(",")):
        print(f"fingerprint at {n:,} rows …", file=sys.stderr, flush=True)
        rows.append(measure(n, args.rounds))
    lines = [
        "index fingerprint per new version, CPU time, median of alternating rounds",
        f"{'rows':>10}  {'before ms':>10}  {'after ms':>9}  {'×':>7}",
        *(f"{r['rows']:>10,}  {r['old_ms']:>10,.1f}  {r['new_ms']:>9.2f}  {r['speedup']:>7,.0f}" for r in rows),
    ]
    text = "\n".join(lines)
    print(text)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "fingerprint.txt").write_text(text + "\n")
    (RESULTS / "fingerprint.json").write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
