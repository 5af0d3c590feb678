"""Bulk import of achievements and demands: the API, the command, and the rules they share."""

from __future__ import annotations

import io
import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from apps.listings.importing import ACHIEVEMENT_KIND, Vocabulary, convert_values
from apps.listings.models import Achievement, Demand, ListingEvent, ListingStatus
from tests.factories import OrganizationFactory, UserFactory, member_of, operator_user
from tests.listings.bulk_factories import (
    AUTO_PARTS,
    COLLEGE,
    INSTITUTE,
    SAMPLE_ROWS,
    SAMPLES_DIR,
    UNIVERSITY,
    UNVERIFIED,
    achievement_row,
    csv_bytes,
    jsonl_bytes,
    sample_bytes,
    sample_owners,
    upload,
)
from tests.listings.factories import make_achievement

pytestmark = pytest.mark.django_db

MODELS = {"achievements": Achievement, "demands": Demand}


@pytest.fixture
def owners():
    return sample_owners()


@pytest.fixture
def operator():
    return operator_user(email="operator@example.cn")


@pytest.fixture
def operator_client(client_for, operator):
    return client_for(operator)


def post_file(client, kind: str, name: str, content: bytes, **flags: bool):
    data = {"file": upload(name, content), **{k: "true" if v else "false" for k, v in flags.items()}}
    return client.post(f"/api/v1/{kind}/import", data, format="multipart")


def _codes(body: dict) -> list[tuple[int, str, str]]:
    return [(e["row"], e["field"], e["code"]) for e in body["rows"]]


# --- good files --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(SAMPLE_ROWS))
def test_sample_files_import(name, owners, operator_client, operator):
    kind = name.split(".")[0]
    response = post_file(operator_client, kind, name, sample_bytes(name))
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["created"] == body["total_rows"] == SAMPLE_ROWS[name]
    assert body["failed_rows"] == 0 and body["rows"] == []
    assert MODELS[kind].objects.count() == SAMPLE_ROWS[name]
    # One creation event per listing, by the operator.
    link = kind[:-1]
    events = ListingEvent.objects.filter(**{f"{link}__isnull": False})
    assert events.count() == SAMPLE_ROWS[name]
    assert set(events.values_list("actor_id", flat=True)) == {operator.pk}


def test_chinese_csv_fields_become_codes(owners, operator_client, operator):
    response = post_file(operator_client, "achievements", "成果.csv", sample_bytes("achievements.csv"))
    assert response.status_code == 201
    vision = Achievement.objects.get(title="发动机缸体表面缺陷在线视觉检测系统")
    assert vision.owner == owners[UNIVERSITY]
    assert vision.technology_field_id == "03"
    assert sorted(vision.industries.values_list("code", flat=True)) == ["automotive", "intelligent-manufacturing"]
    assert vision.keywords == ["机器视觉", "缺陷检测", "深度学习"]
    assert vision.cooperation_modes == ["transfer", "licence"]
    assert (vision.price_type, vision.price_min, vision.price_max) == ("range", Decimal(500000), Decimal(1200000))
    assert vision.contact_email == "tech@example.cn"
    assert "发动机" in vision.search_head.split()  # segmented for search like an API-created listing
    # 已发布: published directly, with the operator as reviewer and a published event.
    assert vision.status == ListingStatus.PUBLISHED
    assert vision.published_at is not None and vision.reviewed_by == operator
    assert ListingEvent.objects.get(achievement=vision).to_status == ListingStatus.PUBLISHED

    fixed = Achievement.objects.get(title="高强钢汽车结构件热成形工艺")
    assert (fixed.price_type, fixed.price_min, fixed.price_max) == ("fixed", Decimal(800000), Decimal(800000))
    draft = Achievement.objects.get(title="工程机械液压系统故障预测与健康管理平台")
    assert draft.status == ListingStatus.DRAFT and draft.published_at is None and draft.expires_on is None
    assert draft.owner == owners[COLLEGE]


def test_demand_jsonl_fields(owners, operator_client):
    response = post_file(operator_client, "demands", "demands.jsonl", sample_bytes("demands.jsonl"))
    assert response.status_code == 201
    noise = Demand.objects.get(title="挖掘机驾驶室降噪减振")
    assert (noise.industry_id, noise.wanted_stage, noise.region_preference_id) == ("machinery", "pilot", "450000")
    assert noise.status == ListingStatus.PUBLISHED
    water = Demand.objects.get(title="精细化工废水中有机物高效降解")
    assert water.technology_field_id == "07" and water.status == ListingStatus.DRAFT
    assert water.budget_min == Decimal(800000) and water.budget_max is None


@pytest.mark.parametrize(("encoding", "reported"), [("gb18030", "gb18030"), ("utf-8-sig", "utf-8"), ("utf-8", "utf-8")])
def test_csv_encodings(encoding, reported, owners, operator_client):
    content = sample_bytes("achievements.csv").decode("utf-8").encode(encoding)
    response = post_file(operator_client, "achievements", "achievements.csv", content)
    assert response.status_code == 201, response.json()
    assert response.json()["encoding"] == reported
    assert Achievement.objects.filter(title="螺蛳粉酸笋低温发酵与风味稳定技术").exists()


def test_english_headers_markup_and_unknown_columns(owners, operator_client):
    rows = [
        {
            "Title": "<b>视觉</b><script>alert(1)</script>检测",
            "summary": "摘要含 <i>标记</i> 与 & 符号。",
            "technology_field": "3",  # Excel turned 03 into 3
            "industries": "automotive,机械",
            "trl": "6.0",
            "cooperation_modes": "transfer；许可",
            "expires_on": "2030年6月30日",
            "price_type": "fixed",
            "price_min": "1,200,000元",
            "owner_credit_code": UNIVERSITY.lower(),
            "备注": "ignored",
        }
    ]
    content = csv_bytes(rows, headers=list(rows[0]))
    response = post_file(operator_client, "achievements", "a.csv", content)
    assert response.status_code == 201, response.json()
    assert response.json()["ignored_columns"] == ["备注"]
    stored = Achievement.objects.get()
    assert stored.title == "<b>视觉</b><script>alert(1)</script>检测"  # stored verbatim, as text
    assert stored.summary == "摘要含 <i>标记</i> 与 & 符号。"
    assert stored.technology_field_id == "03" and stored.trl == 6
    assert stored.price_min == stored.price_max == Decimal(1200000)
    assert str(stored.expires_on) == "2030-06-30"
    assert sorted(stored.industries.values_list("code", flat=True)) == ["automotive", "machinery"]


def test_json_array_file(owners, operator_client):
    items = [json.loads(line) for line in sample_bytes("demands.jsonl").decode().splitlines()]
    response = post_file(operator_client, "demands", "demands.json", json.dumps(items, ensure_ascii=False).encode())
    assert response.status_code == 201
    assert (response.json()["format"], response.json()["created"]) == ("jsonl", 2)


def test_convert_values_is_pure():
    vocabulary = Vocabulary(technology_fields={"先进制造": "03"}, industries={"汽车": "automotive"})
    data = convert_values(
        ACHIEVEMENT_KIND,
        {
            "technology_field": "先进制造",
            "industries": "汽车、steel ；",
            "cooperation_modes": "作价入股,转让",
            "keywords": "'=danger; 安全",
            "expires_on": "2030/1/2",
            "price_type": "面议",
        },
        vocabulary,
    )
    assert data == {
        "technology_field": "03",
        "industries": ["automotive", "steel"],
        "cooperation_modes": ["equity", "transfer"],
        "keywords": ["=danger", "安全"],  # the export's formula guard is taken off again
        "expires_on": "2030-01-02",
        "price_type": "negotiable",
    }


# --- bad rows: atomic, partial, dry run --------------------------------------------------------


def _mixed_rows() -> list[dict[str, str]]:
    return [
        achievement_row(),
        achievement_row(技术成熟度="12"),
        achievement_row(所属机构统一社会信用代码="91450200MA5KXXXX00"),
        achievement_row(技术领域="量子计算", 价格类型="面议"),
        achievement_row(所属机构统一社会信用代码=UNVERIFIED),
        achievement_row(最低价格="900000"),  # above the maximum: the builder's cross-field rule
        achievement_row(状态="已成交"),
        achievement_row(),
    ]


EXPECTED_ERRORS = [
    (2, "trl", "max_value"),
    (3, "owner_credit_code", "unknown_owner"),
    (4, "technology_field", "unknown_technology_field"),
    (5, "owner_credit_code", "owner_not_verified"),
    (6, "price_min", "price_inconsistent"),
    (7, "status", "invalid_status"),
]


def test_one_bad_row_stores_nothing(owners, operator_client):
    response = post_file(operator_client, "achievements", "mixed.csv", csv_bytes(_mixed_rows()))
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "import_rows_invalid"
    assert body["type"].endswith("import_rows_invalid")
    assert sorted(_codes(body)) == sorted(EXPECTED_ERRORS)
    assert (body["total_rows"], body["failed_rows"], body["valid_rows"], body["created"]) == (8, 6, 2, 0)
    assert body["rows"][0]["column"] == "技术成熟度"
    assert Achievement.objects.count() == 0
    assert ListingEvent.objects.count() == 0
    assert Achievement.industries.through.objects.count() == 0


def test_partial_stores_the_good_rows(owners, operator_client):
    response = post_file(operator_client, "achievements", "mixed.csv", csv_bytes(_mixed_rows()), partial=True)
    assert response.status_code == 201
    body = response.json()
    assert (body["created"], body["failed_rows"], body["error_count"]) == (2, 6, 6)
    assert sorted(_codes(body)) == sorted(EXPECTED_ERRORS)
    assert Achievement.objects.count() == 2
    assert ListingEvent.objects.count() == 2


def test_bad_rows_in_jsonl(owners, operator_client):
    good = json.loads(sample_bytes("achievements.jsonl").decode().splitlines()[0])
    content = jsonl_bytes([good, {**good, "trl": 0, "title": "另一项"}]) + b"not json\n[1, 2]\n"
    response = post_file(operator_client, "achievements", "a.jsonl", content, partial=True)
    assert response.status_code == 201
    assert _codes(response.json()) == [(2, "trl", "min_value"), (3, "row", "invalid_json"), (4, "row", "invalid_json")]
    assert Achievement.objects.count() == 1


def test_jsonl_money_in_exponent_notation_or_nan_is_a_row_error(owners, operator_client):
    """The JSON Lines reader reads numbers as the API's JSON parser does: ``1e5`` is not money, NaN not JSON."""
    good = json.loads(sample_bytes("achievements.jsonl").decode().splitlines()[0])
    line = json.dumps({**good, "title": "指数写法的价格", "price_min": 0}, ensure_ascii=False)
    exponent = line.replace('"price_min": 0', '"price_min": 1e5').encode() + b"\n"
    not_a_number = line.replace('"price_min": 0', '"price_min": NaN').replace("指数", "非数").encode() + b"\n"
    content = jsonl_bytes([good]) + exponent + not_a_number
    response = post_file(operator_client, "achievements", "a.jsonl", content, partial=True)
    assert response.status_code == 201, response.json()
    assert _codes(response.json()) == [(2, "price_min", "invalid_money"), (3, "row", "invalid_json")]
    assert list(Achievement.objects.values_list("title", flat=True)) == [good["title"]]


def test_dry_run_stores_nothing(owners, operator_client):
    response = post_file(operator_client, "achievements", "a.csv", sample_bytes("achievements.csv"), dry_run=True)
    assert response.status_code == 200
    body = response.json()
    assert (body["dry_run"], body["valid_rows"], body["created"]) == (True, 4, 0)
    assert Achievement.objects.count() == 0 and ListingEvent.objects.count() == 0
    # A dry run answers as the real import would, bad rows included.
    bad = post_file(operator_client, "achievements", "m.csv", csv_bytes(_mixed_rows()), dry_run=True)
    assert bad.status_code == 400 and bad.json()["failed_rows"] == 6


def test_duplicates_in_file_and_against_stored_listings(owners, operator_client):
    stored = make_achievement(owners[UNIVERSITY], status=ListingStatus.DRAFT)
    make_achievement(owners[UNIVERSITY], status=ListingStatus.WITHDRAWN, title="已撤回的成果")
    first = achievement_row()
    rows = [
        first,
        dict(first),  # same owner, title and text: a duplicate within the file
        achievement_row(标题=stored.title, 成果简介=stored.summary),  # stored and active
        dict(first, 所属机构统一社会信用代码=INSTITUTE),  # same text, another owner: fine
        achievement_row(标题="已撤回的成果", 成果简介=stored.summary),  # matches only a withdrawn one
    ]
    response = post_file(operator_client, "achievements", "d.csv", csv_bytes(rows), partial=True)
    assert response.status_code == 201
    body = response.json()
    assert _codes(body) == [(2, "title", "duplicate_in_file"), (3, "title", "duplicate_listing")]
    assert "第 1 行" in body["rows"][0]["message"]  # zh-hans, the default language
    assert body["created"] == 3
    assert Achievement.objects.count() == 2 + 3


# --- who and what may be imported --------------------------------------------------------------


def test_members_import_only_their_own_and_anonymous_cannot_import(owners, client_for, api_client):
    # The sample file names several owners: a member of one may not import onto the others (self-service
    # import is tested end to end in tests/core/test_bulk_import.py).
    member = member_of(owners[UNIVERSITY])
    response = post_file(client_for(member), "achievements", "a.csv", sample_bytes("achievements.csv"))
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "import_rows_invalid"
    assert {e["code"] for e in body["rows"] if e["field"] == "owner_credit_code"} == {"owner_not_yours"}
    outsider = UserFactory()  # belongs to no organisation
    response = post_file(client_for(outsider), "achievements", "a.csv", sample_bytes("achievements.csv"))
    assert response.status_code == 403
    assert post_file(api_client, "achievements", "a.csv", sample_bytes("achievements.csv")).status_code == 401
    assert Achievement.objects.count() == 0


def test_file_too_large(owners, operator_client, settings):
    settings.LISTING_IMPORT_MAX_BYTES = 100
    response = post_file(operator_client, "achievements", "a.csv", sample_bytes("achievements.csv"))
    assert response.status_code == 413
    assert response.json()["code"] == "import_file_too_large"
    assert Achievement.objects.count() == 0


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("notes.txt", "标题\n".encode()),
        ("binary.csv", b"\x00\x01\x02 PNG?"),
    ],
)
def test_unsupported_file_types(name, content, operator_client):
    response = post_file(operator_client, "achievements", name, content)
    assert response.status_code == 415
    assert response.json()["code"] == "import_unsupported_file_type"


def test_broken_xlsx_is_a_bad_format(operator_client):
    response = post_file(operator_client, "achievements", "成果.xlsx", b"PK\x03\x04rest of a zip")
    assert response.status_code == 400
    assert response.json()["code"] == "import_bad_format"


def test_too_many_rows(owners, operator_client, settings):
    settings.LISTING_IMPORT_MAX_ROWS = 3
    response = post_file(operator_client, "achievements", "a.csv", sample_bytes("achievements.csv"))
    assert response.status_code == 400
    assert response.json()["code"] == "import_too_many_rows"
    assert Achievement.objects.count() == 0


@pytest.mark.parametrize(
    ("content", "code"),
    [
        ("标题,成果简介\n甲,乙\n".encode(), "import_missing_columns"),
        (csv_bytes([achievement_row()], headers=[*achievement_row(), "title"]), "import_duplicate_columns"),
        (b"\xff\xfe\x81", "import_bad_encoding"),
        (b"  \n", "import_empty_file"),
    ],
)
def test_bad_files(content, code, operator_client):
    response = post_file(operator_client, "achievements", "bad.csv", content)
    assert response.status_code == 400
    assert response.json()["code"] == code


def test_missing_file_and_bad_flag(operator_client):
    assert operator_client.post("/api/v1/achievements/import", {}, format="multipart").status_code == 400
    response = operator_client.post(
        "/api/v1/achievements/import",
        {"file": upload("a.csv", sample_bytes("achievements.csv")), "partial": "perhaps"},
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "partial"


def test_import_query_count_does_not_grow_with_rows(owners, operator_client, django_assert_max_num_queries):
    # Warm the per-process caches (reference codes) so both runs count the same work.
    post_file(operator_client, "achievements", "w.csv", csv_bytes([achievement_row()]), dry_run=True)
    with django_assert_max_num_queries(30) as small:
        post_file(operator_client, "achievements", "s.csv", csv_bytes([achievement_row() for _ in range(2)]))
    with django_assert_max_num_queries(30) as large:
        post_file(operator_client, "achievements", "l.csv", csv_bytes([achievement_row() for _ in range(40)]))
    assert Achievement.objects.count() == 42
    assert len(large.captured_queries) == len(small.captured_queries)


# --- the management command --------------------------------------------------------------------


def test_command_imports_with_summary(owners, operator):
    out, err = io.StringIO(), io.StringIO()
    path = SAMPLES_DIR / "demands.csv"
    call_command("import_listings", "demands", str(path), "--acting-user", operator.email, stdout=out, stderr=err)
    summary = out.getvalue()
    assert "3 rows read (csv, utf-8); 3 valid, 0 failed" in summary
    assert "Stored 3." in summary
    assert "rows/s" in summary
    assert Demand.objects.count() == 3
    assert set(Demand.objects.values_list("created_by", flat=True)) == {operator.pk}
    assert Demand.objects.get(owner__credit_code=AUTO_PARTS).status == ListingStatus.PUBLISHED


def test_command_dry_run_and_failure(owners, tmp_path):
    out = io.StringIO()
    call_command("import_listings", "achievements", str(SAMPLES_DIR / "achievements.jsonl"), "--dry-run", stdout=out)
    assert "Dry run: nothing stored." in out.getvalue()
    assert Achievement.objects.count() == 0

    bad = tmp_path / "mixed.csv"
    bad.write_bytes(csv_bytes(_mixed_rows()))
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="未导入任何数据"):
        call_command("import_listings", "achievements", str(bad), "--no-progress", stdout=out, stderr=err)
    assert "row 2: trl (技术成熟度)" in err.getvalue()
    assert "8 rows read, 6 with errors" in out.getvalue()
    assert Achievement.objects.count() == 0

    call_command("import_listings", "achievements", str(bad), "--partial", stdout=io.StringIO(), stderr=io.StringIO())
    assert Achievement.objects.count() == 2


def test_command_refuses_non_operator_and_missing_file(owners, tmp_path):
    member = member_of(OrganizationFactory())
    path = str(SAMPLES_DIR / "achievements.csv")
    with pytest.raises(CommandError, match="not a member of the market operator"):
        call_command("import_listings", "achievements", path, "--acting-user", member.email)
    with pytest.raises(CommandError, match="No user"):
        call_command("import_listings", "achievements", path, "--acting-user", "nobody@example.cn")
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_listings", "achievements", str(tmp_path / "missing.csv"))
    assert Achievement.objects.count() == 0


def test_command_worker_processes_give_the_same_result(owners, tmp_path):
    rows = [achievement_row() for _ in range(6)]
    rows[3]["技术成熟度"] = "0"
    rows.append(dict(rows[0]))  # a duplicate of row 1, found across chunks checked by different workers
    path = tmp_path / "a.csv"
    path.write_bytes(csv_bytes(rows, encoding="gb18030"))
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "import_listings",
        "achievements",
        str(path),
        "--partial",
        "--jobs",
        "2",
        "--batch-size",
        "2",
        stdout=out,
        stderr=err,
    )
    assert "7 rows read (csv, gb18030); 5 valid, 2 failed" in out.getvalue()
    assert "row 4: trl" in err.getvalue() and "row 7: title" in err.getvalue()
    assert Achievement.objects.count() == 5
    assert Achievement.industries.through.objects.count() == 10
