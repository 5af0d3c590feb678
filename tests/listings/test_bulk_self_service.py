"""Bulk for the organisations that hold the data: an XLSX with Chinese headers imported by a university
into its own listings (rows go to review), the template round trip, JSON Lines exports equal to the list,
scoping, re-import without duplicates and the limits — all over HTTP."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from apps.listings.models import Achievement, ListingStatus
from apps.notifications.models import Notification
from apps.organizations.models import VerificationStatus
from tests.bulk_files import fill_template, post_import, template_info, xlsx_bytes
from tests.factories import OrganizationFactory, member_of, operator_user
from tests.listings.factories import make_achievement

pytestmark = pytest.mark.django_db

URL = "/api/v1/achievements/import"
HEADERS = (
    "成果名称",
    "成果简介",
    "技术领域",
    "产业",
    "关键词",
    "技术成熟度",
    "合作方式",
    "价格类型",
    "最低价格",
    "最高价格",
    "有效期",
    "所属机构统一社会信用代码",
)


@pytest.fixture
def university():
    return OrganizationFactory(name="广西示例科技大学", type="university", entity_type_id="022")


@pytest.fixture
def rival():
    return OrganizationFactory(name="柳州另一所大学", type="university", entity_type_id="022")


@pytest.fixture
def staff(university):
    return member_of(university)


@pytest.fixture
def operator():
    return operator_user()


def row(university, n: int, **changes):
    values = {
        "成果名称": f"铝合金轮毂低压铸造缺陷控制技术{n}",
        "成果简介": "优化低压铸造充型与凝固工艺，轮毂气孔缺陷率由4%降至0.8%。",
        "技术领域": "先进制造",
        "产业": "汽车",
        "关键词": "低压铸造；铝合金",
        "技术成熟度": 6,
        "合作方式": "转让、许可",
        "价格类型": "价格区间",
        "最低价格": 300000,
        "最高价格": 500000.5,
        "有效期": date(2030, 12, 31),
        "所属机构统一社会信用代码": university.credit_code,
    }
    values.update(changes)
    return [values[h] for h in HEADERS]


def mixed_file(university, rival) -> bytes:
    return xlsx_bytes(
        HEADERS,
        [
            row(university, 1),  # sheet row 2: good, Excel date and numbers
            row(university, 2, 有效期="2030年6月30日", 最低价格="¥300,000元", 最高价格="400000"),  # 3: good, text
            row(university, 3, 技术成熟度=12),  # 4: bad TRL
            row(rival, 4),  # 5: another organisation's
            row(university, 5, 最低价格="3E5"),  # 6: money with an exponent
        ],
    )


def test_xlsx_with_chinese_headers_checks_every_row_then_imports_the_good_ones(
    client_for, staff, university, rival, operator
):
    client = client_for(staff)
    content = mixed_file(university, rival)
    refused = post_import(client, URL, "成果清单.xlsx", content, language="en")
    assert refused.status_code == 400
    body = refused.json()
    assert body["code"] == "import_rows_invalid" and body["format"] == "xlsx"
    assert (body["total_rows"], body["failed_rows"], body["created"]) == (5, 3, 0)
    found = {(e["row"], e["column"], e["code"]) for e in body["rows"]}
    assert (4, "技术成熟度", "max_value") in found
    assert (5, "所属机构统一社会信用代码", "owner_not_yours") in found
    assert (6, "最低价格", "invalid_money") in found
    not_yours = next(e for e in body["rows"] if e["code"] == "owner_not_yours")
    assert not_yours["message"] == "You can import listings only for your own organisations."
    assert not Achievement.objects.exists()

    # The same file in Chinese: the serializers' messages come in the request's language.
    zh = post_import(client, URL, "成果清单.xlsx", content).json()
    trl = next(e for e in zh["rows"] if e["column"] == "技术成熟度")
    assert any("\u4e00" <= ch <= "\u9fff" for ch in trl["message"]), trl

    imported = post_import(client, URL, "成果清单.xlsx", content, partial=True)
    assert imported.status_code == 201, imported.json()
    assert (imported.json()["created"], imported.json()["failed_rows"]) == (2, 3)
    stored = {a.title: a for a in Achievement.objects.all()}
    assert set(stored) == {"铝合金轮毂低压铸造缺陷控制技术1", "铝合金轮毂低压铸造缺陷控制技术2"}
    first, second = stored["铝合金轮毂低压铸造缺陷控制技术1"], stored["铝合金轮毂低压铸造缺陷控制技术2"]
    assert first.expires_on == date(2030, 12, 31) and second.expires_on == date(2030, 6, 30)
    assert (first.price_min, first.price_max) == (Decimal("300000.00"), Decimal("500000.50"))
    assert second.price_min == Decimal("300000.00")
    # Imported listings enter review as a submit would: submitted, owned by the university, nothing published.
    assert {a.status for a in stored.values()} == {ListingStatus.SUBMITTED}
    assert all(a.submitted_at and a.owner_id == university.pk and a.created_by_id == staff.pk for a in stored.values())
    assert Notification.objects.filter(recipient=operator, kind="listing_submitted").count() == 1


def test_an_unverified_organisation_imports_drafts_only(client_for):
    pending = OrganizationFactory(verification_status=VerificationStatus.PENDING)
    client = client_for(member_of(pending))
    response = post_import(client, URL, "a.xlsx", xlsx_bytes(HEADERS, [row(pending, 1)]))
    assert response.status_code == 201, response.json()
    assert Achievement.objects.get().status == ListingStatus.DRAFT
    asks_review = xlsx_bytes((*HEADERS, "状态"), [[*row(pending, 2), "待审核"], [*row(pending, 3), "已发布"]])
    refused = post_import(client, URL, "b.xlsx", asks_review).json()
    assert [(e["row"], e["code"]) for e in refused["rows"]] == [(2, "owner_not_verified"), (3, "invalid_status")]
    assert Achievement.objects.count() == 1


def test_template_round_trip(client_for, staff, university):
    client = client_for(staff)
    response = client.get("/api/v1/achievements/import/template.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    headers, comments, validations = template_info(response.content)
    assert "标题*" in headers and "技术领域*" in headers and "有效期" in headers
    assert len(comments) == len(headers) and validations >= 4
    filled = fill_template(
        response.content,
        [
            {
                "所属机构统一社会信用代码": university.credit_code,
                "标题": "基于机器视觉的零件表面缺陷检测",
                "成果简介": "深度学习检测零件表面划痕与裂纹，检出率99%。",
                "技术领域": "电子信息",
                "技术成熟度": 7,
                "合作方式": "许可",
                "有效期": date(2029, 1, 31),
            }
        ],
    )
    imported = post_import(client, URL, "模板.xlsx", filled)
    assert imported.status_code == 201, imported.json()
    assert imported.json()["ignored_columns"] == []
    listing = Achievement.objects.get()
    assert (listing.title, listing.technology_field_id, listing.trl) == ("基于机器视觉的零件表面缺陷检测", "01", 7)


def test_reimporting_the_same_file_stores_nothing_twice(client_for, staff, university):
    client = client_for(staff)
    content = xlsx_bytes(HEADERS, [row(university, 1), row(university, 2)])
    assert post_import(client, URL, "a.xlsx", content).json()["created"] == 2
    again = post_import(client, URL, "a.xlsx", content, on_existing="skip")
    assert again.status_code == 200
    assert (again.json()["created"], again.json()["skipped"], again.json()["failed_rows"]) == (0, 2, 0)
    reported = post_import(client, URL, "a.xlsx", content)
    assert reported.status_code == 400
    assert {e["code"] for e in reported.json()["rows"]} == {"duplicate_listing"}
    assert Achievement.objects.count() == 2


def test_limits_are_problem_documents(client_for, staff, university, settings):
    client = client_for(staff)
    content = xlsx_bytes(HEADERS, [row(university, 1), row(university, 2)])
    settings.LISTING_IMPORT_MAX_ROWS = 1
    too_many = post_import(client, URL, "a.xlsx", content)
    assert too_many.status_code == 400
    assert too_many["Content-Type"] == "application/problem+json"
    assert too_many.json()["code"] == "import_too_many_rows" and too_many.json()["max_rows"] == 1
    settings.LISTING_IMPORT_MAX_BYTES = 1000
    too_large = post_import(client, URL, "a.xlsx", content)
    assert too_large.status_code == 413 and too_large.json()["code"] == "import_file_too_large"
    assert not Achievement.objects.exists()


def _lines(response) -> list[dict]:
    body = b"".join(response.streaming_content).decode("utf-8")
    return [json.loads(line) for line in body.splitlines()]


def test_jsonl_export_equals_the_list_and_stays_in_scope(client_for, staff, university, rival):
    mine = [make_achievement(university, title=f"本校成果{n}") for n in range(3)]
    draft = make_achievement(university, title="本校草稿", status=ListingStatus.DRAFT)
    make_achievement(rival, title="他校成果")
    rival_draft = make_achievement(rival, title="他校草稿", status=ListingStatus.DRAFT)
    client = client_for(staff)
    for params in ({}, {"mine": "true"}, {"mine": "true", "status": "draft"}):
        listed = client.get("/api/v1/achievements", {**params, "page_size": 100}).json()["results"]
        by_query = client.get("/api/v1/achievements/export", {**params, "format": "jsonl"})
        assert by_query.status_code == 200
        assert by_query["Content-Type"] == "application/x-ndjson; charset=utf-8"
        by_accept = client.get("/api/v1/achievements/export", params, HTTP_ACCEPT="application/x-ndjson")
        exported = _lines(by_query)
        assert sorted(exported, key=lambda i: i["id"]) == sorted(listed, key=lambda i: i["id"]), params
        assert _lines(by_accept) == exported
        assert rival_draft.pk not in {i["id"] for i in exported}
    own = _lines(client.get("/api/v1/achievements/export", {"format": "jsonl", "mine": "true"}))
    assert {i["id"] for i in own} == {a.pk for a in [*mine, draft]}
    assert "本校成果0" in b"".join(client.get("/api/v1/achievements/export?format=jsonl").streaming_content).decode()
