"""Judged sets whose listings come from a third-party file that this repository does not ship.

The ``kppatent-zh`` set (``apps/matching/data/evalsets/README.md``) pairs real Chinese patent titles and
abstracts from the public KPPatent-ZH data set with demands and judgements written for this project.
The repository keeps only its own part — the demands and judgements (``kppatent-zh.demands.jsonl``)
and a manifest (``kppatent-zh.source.json``: where the upstream file is, its sha256, its licence and
which of its records are listings) — and ``assemble_kppatent`` joins them with the upstream file into
one set in the evaluation format (``shared/data/README.md``), refusing a file whose digest differs.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

from .evaluation import SetFormatError, parse_lines

EVALSETS = Path(__file__).resolve().parents[1] / "data" / "evalsets"
KPPATENT_MANIFEST = EVALSETS / "kppatent-zh.source.json"
KPPATENT_DEMANDS = EVALSETS / "kppatent-zh.demands.jsonl"

# One upstream record's "input": the title, the abstract, then the claims (not used).
_RECORD = re.compile(r"标题：(?P<title>.*?)\n摘要：(?P<abstract>.*?)\n权利声明：", re.S)


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def parse_record(record: Any, where: str) -> tuple[str, str]:
    """The title and abstract of one upstream record (``{"instruction", "input", "output"}``)."""
    text = record.get("input") if isinstance(record, dict) else None
    match = _RECORD.match(text) if isinstance(text, str) else None
    if match is None:
        raise SetFormatError(f"{where}: no title and abstract in the record")
    title, abstract = match["title"].strip(), match["abstract"].strip()
    if not title or not abstract:
        raise SetFormatError(f"{where}: empty title or abstract")
    return title, abstract


def assemble_kppatent(
    source: Path, manifest_path: Path = KPPATENT_MANIFEST, demands_path: Path = KPPATENT_DEMANDS
) -> list[str]:
    """The set's JSON Lines: one achievement per manifest record, then the demand and judgement lines.

    Raises ``SetFormatError`` when the source is not the file the manifest pins, a listed record cannot
    be read, or the result is not a valid set whose judgements all name a listing of the set."""
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    pinned = manifest["source"]["sha256"]
    actual = sha256_of(source)
    if actual != pinned:
        raise SetFormatError(f"{source}: sha256 {actual}, the manifest pins {pinned} ({manifest['source']['path']})")
    records = json.loads(source.read_text(encoding="utf-8"))
    if not isinstance(records, list):
        raise SetFormatError(f"{source}: expected a JSON list of records")
    prefix = manifest["id_prefix"]
    lines = []
    for index in manifest["records"]:
        if not isinstance(index, int) or not 0 <= index < len(records):
            raise SetFormatError(f"{manifest_path}: record {index!r} is not in {source} ({len(records)} records)")
        title, abstract = parse_record(records[index], f"{source}[{index}]")
        lines.append(
            json.dumps(
                {"kind": "achievement", "id": f"{prefix}{index}", "title": title, "summary": abstract, "lang": "zh"},
                ensure_ascii=False,
            )
        )
    lines += [line for line in demands_path.read_text(encoding="utf-8").splitlines() if line.strip()]
    judged = parse_lines(lines, source=f"{source} + {demands_path}")
    listed = {a.id for a in judged.achievements}
    for demand, grades in judged.grades.items():
        unknown = sorted(str(a) for a in grades if a not in listed)
        if unknown:
            raise SetFormatError(f"{demands_path}: demand {demand} judges listings not in the set: {unknown}")
    return lines
