"""The kppatent-zh judged set (apps/matching/data/evalsets/README.md): its frozen demands and manifest,
and ``manage.py build_kppatent_set``, which joins them with the upstream KPPatent-ZH file.

The upstream file is third-party data that the repository does not ship, so the builder is exercised
here on files in its format written by the test; the frozen part is checked as committed."""

from __future__ import annotations

import hashlib
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from apps.matching.engine.evalsets import KPPATENT_DEMANDS, KPPATENT_MANIFEST, parse_record
from apps.matching.engine.evaluation import SetFormatError, language, load_set, parse_lines, split_demands

# Frozen: a changed file is a new set — record it here and in docs/matching.md with fresh figures.
DEMANDS_SHA256 = "33e34635a1d070cd6c64232e3ab482a2b8443029d3ef126c4777168ec9382995"
MANIFEST_SHA256 = "49c2baa83c734d66b2434f584c68d1e9ff874d4156660269f2f2afd778bbab18"
HELD_OUT = (
    "d02 d03 d05 d06 d09 d13 d15 d17 d18 d20 d21 d24 d26 d28 d31 d33 d34 d35 d36 d41 "
    "d45 d46 d48 d50 d52 d54 d55 d56 d58 d60"
)


def test_the_demands_and_the_manifest_are_frozen_and_the_held_out_half_fixed() -> None:
    assert hashlib.sha256(KPPATENT_DEMANDS.read_bytes()).hexdigest() == DEMANDS_SHA256
    assert hashlib.sha256(KPPATENT_MANIFEST.read_bytes()).hexdigest() == MANIFEST_SHA256
    judged = parse_lines(KPPATENT_DEMANDS.read_text(encoding="utf-8").splitlines(), source="demands")
    parts = split_demands(judged.judged_demands())
    assert " ".join(sorted(str(d.id) for d in parts["held_out"])) == HELD_OUT
    assert len(parts["dev"]) == 30


def test_every_demand_has_a_solving_listing_and_judges_only_listed_patents() -> None:
    judged = parse_lines(KPPATENT_DEMANDS.read_text(encoding="utf-8").splitlines(), source="demands")
    manifest = json.loads(KPPATENT_MANIFEST.read_text(encoding="utf-8"))
    listed = {f"{manifest['id_prefix']}{i}" for i in manifest["records"]}
    assert len(listed) == len(manifest["records"]) >= 150
    assert len(judged.demands) >= 40 and not judged.achievements
    assert {language(d) for d in judged.demands} == {"zh", "en"}
    for demand in judged.demands:
        grades = judged.grades[demand.id]
        assert 2 in grades.values(), demand.id
        assert set(grades) <= listed, demand.id
    assert manifest["source"]["licence"] == "MIT"


def record(title: str, abstract: str) -> dict[str, str]:
    text = f"标题：{title}\n摘要：{abstract}\n权利声明：1.一种装置，其特征在于……"
    return {"instruction": "根据专利的以下内容，生成该专利的关键词列表。", "input": text, "output": "装置"}


def upstream(tmp_path: Path, records: list[dict[str, str]], listed: list[int], demands: list[dict]) -> dict[str, Path]:
    """An upstream file, a manifest pinning it and a demands file, as the repository's are laid out."""
    source = tmp_path / "test_data_TAC.json"
    source.write_text(json.dumps(records, ensure_ascii=False, indent=4), encoding="utf-8")
    manifest = tmp_path / "source.json"
    pinned = hashlib.sha256(source.read_bytes()).hexdigest()
    manifest.write_text(
        json.dumps({"source": {"sha256": pinned, "path": "test_data_TAC.json"}, "id_prefix": "kp-", "records": listed}),
        encoding="utf-8",
    )
    overlay = tmp_path / "demands.jsonl"
    overlay.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in demands), encoding="utf-8")
    return {"source": source, "manifest": manifest, "demands": overlay}


DEMANDS = [
    {"kind": "demand", "id": "q1", "title": "正极材料烧结匣钵开裂", "description": "匣钵被锂盐侵蚀。", "lang": "zh"},
    {"kind": "judgement", "demand": "q1", "achievement": "kp-2", "grade": 2},
]
RECORDS = [
    record("一种碳化硅匣钵", "本发明公开了一种用于锂电池正极材料烧结的碳化硅匣钵，耐锂盐侵蚀，不易开裂。"),
    {"instruction": "x", "input": "摘要：没有标题的记录", "output": ""},
    record("一种洗衣机排水阀", "本发明公开了一种可拆洗的洗衣机排水阀，防止杂物积聚。"),
]


def build(files: dict[str, Path], out: Path) -> str:
    stdout = StringIO()
    call_command(
        "build_kppatent_set",
        str(files["source"]),
        "--manifest",
        str(files["manifest"]),
        "--demands",
        str(files["demands"]),
        "--out",
        str(out),
        stdout=stdout,
    )
    return stdout.getvalue()


def test_the_builder_joins_the_listed_records_with_the_demands_into_a_set(tmp_path: Path) -> None:
    files = upstream(tmp_path, [RECORDS[0], RECORDS[2], RECORDS[1]], [0, 1], DEMANDS)
    files["demands"].write_text(files["demands"].read_text().replace("kp-2", "kp-0"), encoding="utf-8")
    out = tmp_path / "set" / "kppatent.jsonl"
    assert build(files, out).strip() == f"{out}: 4 lines"
    judged = load_set(out)
    assert [(a.id, a.title, a.lang) for a in judged.achievements] == [
        ("kp-0", "一种碳化硅匣钵", "zh"),
        ("kp-1", "一种洗衣机排水阀", "zh"),
    ]
    assert judged.achievements[1].text == "本发明公开了一种可拆洗的洗衣机排水阀，防止杂物积聚。"
    assert judged.grades == {"q1": {"kp-0": 2}}
    # the assembled set is what evaluate_matching reads
    stdout = StringIO()
    call_command("evaluate_matching", str(out), stdout=stdout)
    assert json.loads(stdout.getvalue())["queries"] == 1


def test_the_builder_refuses_a_source_other_than_the_pinned_one(tmp_path: Path) -> None:
    files = upstream(tmp_path, RECORDS, [0, 2], DEMANDS)
    files["source"].write_text(files["source"].read_text(encoding="utf-8") + " ", encoding="utf-8")
    with pytest.raises(CommandError, match="sha256"):
        build(files, tmp_path / "out.jsonl")
    assert not (tmp_path / "out.jsonl").exists()


def test_the_builder_refuses_an_unreadable_record_and_a_judgement_of_an_unlisted_patent(tmp_path: Path) -> None:
    files = upstream(tmp_path, RECORDS, [0, 1, 2], DEMANDS)
    with pytest.raises(CommandError, match=r"\[1\]: no title and abstract"):
        build(files, tmp_path / "out.jsonl")
    files = upstream(tmp_path, RECORDS, [0], DEMANDS)
    with pytest.raises(CommandError, match=r"q1 judges listings not in the set: \['kp-2'\]"):
        build(files, tmp_path / "out.jsonl")
    files = upstream(tmp_path, RECORDS, [0, 7], DEMANDS)
    with pytest.raises(CommandError, match="record 7 is not in"):
        build(files, tmp_path / "out.jsonl")


def test_a_record_needs_both_a_title_and_an_abstract() -> None:
    assert parse_record(RECORDS[0], "r") == (
        "一种碳化硅匣钵",
        "本发明公开了一种用于锂电池正极材料烧结的碳化硅匣钵，耐锂盐侵蚀，不易开裂。",
    )
    for bad in ({"input": "标题：\n摘要：有摘要\n权利声明："}, {"input": 3}, "not a record"):
        with pytest.raises(SetFormatError):
            parse_record(bad, "r")
