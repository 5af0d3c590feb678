"""Synthetic achievements and demands for the matching benchmark. No Django, no database.

Text comes from ``bench.listings.vocabulary``: rjieba ships its dictionary compiled into the binary
(no readable dict.txt), so the vocabulary is every content word of the city's innovation plan and of
the CSL matching set, segmented and tagged with rjieba (about 13,500 words), plus each technology
field's domain terms, drawn Zipf-distributed by frequency rank from a mixture of the whole vocabulary,
the listing's field and the listing's own topic words (a text repeats its subject). About 3 % of the
listings are in English. Structured fields follow bench/listings: field shares of a manufacturing
city, TRL, cooperation modes, prices, regions (70 % Liuzhou), 85 % published, some with an expiry.

Generated once per (n, seed) into ``bench/matching/cache/`` as JSON Lines and reused.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from multiprocessing import Pool
from pathlib import Path
from typing import Any

from apps.matching.engine import Achievement, Demand
from bench.listings.vocabulary import DEMAND_OPENERS, FIELD_SHARES, TextModel, Vocabulary, build_vocabulary

CACHE_DIR = Path(__file__).resolve().parent / "cache"
GENERATOR_VERSION = 1
CHUNK = 5_000

INDUSTRIES = [
    "automotive",
    "steel",
    "machinery",
    "chemicals",
    "new-energy-vehicles",
    "intelligent-connected-vehicles",
    "high-end-equipment",
    "intelligent-manufacturing",
    "electronic-information",
    "industrial-internet",
    "new-materials",
    "biomedicine",
    "energy-saving-environmental",
    "luosifen",
    "cane-sugar",
    "fruit-processing",
    "food",
    "building-materials",
]
MODES = ("self_implementation", "transfer", "licence", "cooperative", "equity", "other")
REGIONS = ("450202", "450203", "450204", "450205", "450206", "450222", "450100", "450300", "440100", "110000")
REGION_WEIGHTS = (20, 20, 12, 10, 8, 5, 10, 8, 6, 6)
STAGES = ("lab", "small_scale", "pilot", "mass_production")
TODAY = date(2026, 11, 27)

_vocabulary: Vocabulary | None = None
_fields = list(FIELD_SHARES)
_field_weights = list(FIELD_SHARES.values())


def _init() -> None:
    global _vocabulary
    _vocabulary = build_vocabulary()


def _text(model: TextModel, rng: random.Random, field: str, *, demand: bool) -> dict[str, Any]:
    topic = model.topic(field)
    if rng.random() < 0.03:
        length = int(rng.triangular(80, 400, 180))
        return {"title": model.english_title(), "text": model.english_text(length=length), "keywords": [], "lang": "en"}
    if demand:
        length = int(rng.triangular(30, 200, 80))
        title = model.demand_title(field, topic)
        text = model.text(field, topic, length=length, openers=DEMAND_OPENERS)
    else:
        length = int(rng.triangular(80, 400, 180))
        title = model.achievement_title(field, topic)
        text = model.text(field, topic, length=length)
    return {"title": title[:200], "text": text, "keywords": model.keywords(field, topic), "lang": "zh"}


def _achievement(model: TextModel, rng: random.Random, n: int) -> dict[str, Any]:
    field = rng.choices(_fields, _field_weights)[0]
    record = _text(model, rng, field, demand=False)
    record.update(
        id=n,
        field=field,
        industries=rng.sample(INDUSTRIES, rng.choice((0, 1, 1, 2, 3))),
        trl=rng.randint(1, 9),
        cooperation=rng.sample(MODES, rng.choice((1, 1, 2, 3))),
        price=(None if rng.random() < 0.4 else str(Decimal(int(rng.lognormvariate(13, 1.2))))),
        region=rng.choices(REGIONS, REGION_WEIGHTS)[0],
        published=rng.random() < 0.85,
        expires_on=(TODAY + timedelta(days=rng.randint(-400, 900))).isoformat() if rng.random() < 0.3 else None,
    )
    return record


def _demand(model: TextModel, rng: random.Random, n: int) -> dict[str, Any]:
    field = rng.choices(_fields, _field_weights)[0]
    record = _text(model, rng, field, demand=True)
    record.update(
        id=f"q{n}",
        field=field if rng.random() < 0.8 else None,
        industries=rng.sample(INDUSTRIES, rng.choice((0, 1, 1))),
        wanted_stage=rng.choice((*STAGES, None)),
        cooperation=rng.sample(MODES, rng.choice((0, 1, 2))),
        budget=(None if rng.random() < 0.3 else str(Decimal(int(rng.lognormvariate(13, 1.0))))),
        region=rng.choices(REGIONS, REGION_WEIGHTS)[0],
    )
    return record


def _chunk(task: tuple[str, int, int, int]) -> bytes:
    kind, seed, start, stop = task
    rng = random.Random(f"{seed}:{kind}:{start}")
    assert _vocabulary is not None  # noqa: S101 — set by the pool initialiser
    model = TextModel(_vocabulary, rng)
    make = _achievement if kind == "achievement" else _demand
    lines = [json.dumps(make(model, rng, n), ensure_ascii=False) for n in range(start, stop)]
    return ("\n".join(lines) + "\n").encode()


def ensure(kind: str, n: int, seed: int, *, workers: int = 2, progress: Any = None) -> Path:
    """The cached corpus file for (kind, n, seed), generated when missing."""
    CACHE_DIR.mkdir(exist_ok=True)
    path = CACHE_DIR / f"{kind}-{n}-{seed}-v{GENERATOR_VERSION}.jsonl"
    if path.exists():
        return path
    # each chunk of CHUNK records is generated from (seed, kind, its start) alone, so the first n records
    # of a larger corpus of the same seed are this corpus: readers stop after n (read_achievements' limit)
    for larger in sorted(CACHE_DIR.glob(f"{kind}-*-{seed}-v{GENERATOR_VERSION}.jsonl")):
        size = larger.name.split("-")[-3]
        if size.isdigit() and int(size) > n:
            return larger
    partial = path.with_suffix(".partial")
    tasks = [(kind, seed, start, min(start + CHUNK, n)) for start in range(0, n, CHUNK)]
    with Pool(workers, initializer=_init) as pool, partial.open("wb") as out:
        for blob in pool.imap(_chunk, tasks):
            out.write(blob)
            if progress is not None:
                progress.update(blob.count(b"\n"))
    partial.rename(path)
    return path


def read_achievements(path: Path, limit: int | None = None) -> Iterator[Achievement]:
    with path.open(encoding="utf-8") as handle:
        for i, line in enumerate(handle):
            if limit is not None and i >= limit:
                return
            r = json.loads(line)
            yield Achievement(
                id=r["id"],
                title=r["title"],
                text=r["text"],
                keywords=tuple(r["keywords"]),
                field=r["field"],
                industries=frozenset(r["industries"]),
                trl=r["trl"],
                cooperation=frozenset(r["cooperation"]),
                price=Decimal(r["price"]) if r["price"] else None,
                region=r["region"],
                lang=r["lang"],
                published=r["published"],
                expires_on=date.fromisoformat(r["expires_on"]) if r["expires_on"] else None,
            )


def read_demands(path: Path, limit: int | None = None) -> list[Demand]:
    out: list[Demand] = []
    with path.open(encoding="utf-8") as handle:
        for i, line in enumerate(handle):
            if limit is not None and i >= limit:
                break
            r = json.loads(line)
            out.append(
                Demand(
                    id=r["id"],
                    title=r["title"],
                    text=r["text"],
                    keywords=tuple(r["keywords"]),
                    field=r["field"],
                    industries=frozenset(r["industries"]),
                    wanted_stage=r["wanted_stage"],
                    cooperation=frozenset(r["cooperation"]),
                    budget=Decimal(r["budget"]) if r["budget"] else None,
                    region=r["region"],
                    lang=r["lang"],
                )
            )
    return out
