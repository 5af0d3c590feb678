"""Bulk export: CSV and XLSX with Chinese headers, formula injection neutralised, what each reader may see."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from urllib.parse import unquote

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from openpyxl import load_workbook

from apps.listings.models import Achievement, ListingStatus
from tests.factories import OrganizationFactory, member_of, operator_user
from tests.listings.bulk_factories import upload
from tests.listings.factories import make_achievement, make_demand

pytestmark = pytest.mark.django_db

INJECTION = '=HYPERLINK("http://evil.example","点我")'


@pytest.fixture
def owner_org():
    return OrganizationFactory(name="广西示例科技大学")


@pytest.fixture
def listings(owner_org):
    """Two published achievements (one with a formula-like title), one draft."""
    return {
        "vision": make_achievement(owner_org, title="视觉检测系统", industries=["automotive", "machinery"]),
        "formula": make_achievement(owner_org, title=INJECTION, keywords=["+cmd", "@SUM(1)"], technology_field="05"),
        "draft": make_achievement(owner_org, title="未发布的草稿", status=ListingStatus.DRAFT),
    }


@pytest.fixture
def operator():
    return operator_user()


def read_csv(response) -> list[list[str]]:
    content = b"".join(response.streaming_content)
    assert content.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads the Chinese correctly
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def read_xlsx(response):
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return workbook.active


def test_operator_csv_has_chinese_headers_confidential_columns_and_neutralised_cells(client_for, operator, listings):
    response = client_for(operator).get("/api/v1/achievements/export", {"format": "csv", "status": "published"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert unquote(disposition.split("filename*=utf-8''")[1]) == f"科技成果_{timezone.localdate():%Y%m%d}.csv"
    assert response["X-Export-Truncated"] == "false"
    rows = read_csv(response)
    header = rows[0]
    assert header[:3] == ["编号", "标题", "译名"]
    assert {"技术领域", "产业", "成果简介", "所属机构统一社会信用代码", "保密内容", "联系电话"} <= set(header)
    by_id = {int(r[0]): dict(zip(header, r, strict=True)) for r in rows[1:]}
    assert set(by_id) == {listings["vision"].pk, listings["formula"].pk}
    vision = by_id[listings["vision"].pk]
    assert vision["产业"] == "汽车；机械"
    assert vision["技术领域"] == "先进制造"
    assert vision["合作方式"] == "转让；许可"
    assert vision["状态"] == "已发布"
    assert Decimal(vision["最低价格"]) == Decimal("500000")
    assert vision["保密内容"] == "核心算法参数与训练数据说明。"
    formula = by_id[listings["formula"].pk]
    assert formula["标题"] == "'" + INJECTION
    assert formula["关键词"] == "'+cmd；@SUM(1)"  # only the cell's first character matters


def test_xlsx_reads_back_with_string_cells_never_formulas(client_for, operator, listings):
    response = client_for(operator).get("/api/v1/achievements/export", {"format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "filename*=utf-8''%E7%A7%91%E6%8A%80%E6%88%90%E6%9E%9C_" in response["Content-Disposition"]
    sheet = read_xlsx(response)
    assert sheet.title == "科技成果"
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["B"].width == 36  # 标题
    rows = list(sheet.iter_rows())
    header = [c.value for c in rows[0]]
    assert header[:2] == ["编号", "标题"] and "保密内容" in header
    assert rows[0][0].font.bold
    titles = {row[1].value: row[1] for row in rows[1:]}
    assert set(titles) == {"视觉检测系统", INJECTION}
    cell = titles[INJECTION]
    assert cell.data_type == "s"  # a string, shown as typed, never evaluated
    price = rows[1][header.index("最低价格")].value
    assert price == 500000


def test_members_get_teaser_columns_and_published_listings_only(client_for, owner_org, listings):
    other = member_of(OrganizationFactory())
    owner = member_of(owner_org)
    for user in (other, owner):
        rows = read_csv(client_for(user).get("/api/v1/achievements/export"))
        header = rows[0]
        assert not {"保密内容", "联系人", "联系电话", "联系邮箱"} & set(header)
        assert "核心算法参数与训练数据说明。" not in str(rows)
        assert {r[1] for r in rows[1:]} == {"视觉检测系统", "'" + INJECTION}
    # The owner asks for its own listings of any status, like the list endpoint (mine=true).
    mine = read_csv(client_for(owner).get("/api/v1/achievements/export", {"mine": "true"}))
    assert "未发布的草稿" in {r[1] for r in mine[1:]}
    theirs = read_csv(client_for(other).get("/api/v1/achievements/export", {"status": "draft"}))
    assert len(theirs) == 1  # another organisation's drafts are not visible: header only


def test_export_requires_login(api_client, listings):
    response = api_client.get("/api/v1/achievements/export")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


def test_filters_and_bad_parameters(client_for, operator, listings):
    client = client_for(operator)
    rows = read_csv(client.get("/api/v1/achievements/export", {"technology_field": "05"}))
    assert [r[1] for r in rows[1:]] == ["'" + INJECTION]
    bad_format = client.get("/api/v1/achievements/export", {"format": "pdf"})
    assert bad_format.status_code == 400
    assert bad_format.json()["errors"][0]["field"] == "format"
    bad_filter = client.get("/api/v1/achievements/export", {"region": "45"})
    assert bad_filter.status_code == 400
    assert bad_filter["Content-Type"] == "application/problem+json"


def test_row_cap(client_for, operator, listings, settings):
    settings.LISTING_EXPORT_MAX_ROWS = 1
    response = client_for(operator).get("/api/v1/achievements/export", {"status": "published"})
    assert response["X-Export-Truncated"] == "true"
    assert response["X-Export-Max-Rows"] == "1"
    rows = read_csv(response)
    assert len(rows) == 2
    assert int(rows[1][0]) == listings["formula"].pk  # newest published first


# user, memberships, the truncation probe, the rows (and the industries prefetch for achievements).
EXPORT_QUERIES = {"achievements": 5, "demands": 4}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("kind", ["achievements", "demands"])
def test_query_count_does_not_grow_with_rows(kind, fmt, client_for, operator, owner_org, django_assert_num_queries):
    client = client_for(operator)

    def export(expected_rows: int) -> None:
        with django_assert_num_queries(EXPORT_QUERIES[kind]):
            response = client.get(f"/api/v1/{kind}/export", {"format": fmt})
            content = b"".join(response.streaming_content)
        rows = list(load_workbook(io.BytesIO(content)).active.iter_rows()) if fmt == "xlsx" else content.splitlines()
        assert len(rows) == expected_rows + 1

    for n in range(5):
        if kind == "achievements":
            make_achievement(owner_org, industries=["automotive", "steel"])
        else:
            make_demand(owner_org, industry="automotive")
        if n in (0, 4):
            export(n + 1)


def test_demand_export_columns(client_for, operator, owner_org):
    make_demand(owner_org, title="齿轮热处理", industry="automotive", wanted_stage="pilot", region_preference="450200")
    rows = read_csv(client_for(operator).get("/api/v1/demands/export"))
    row = dict(zip(rows[0], rows[1], strict=True))
    assert (row["标题"], row["产业"], row["期望阶段"], row["意向地区代码"]) == ("齿轮热处理", "汽车", "中试", "450200")
    assert row["需求描述"].startswith("齿轮渗碳淬火")


def test_exported_csv_imports_again(client_for, operator, listings):
    client = client_for(operator)
    exported = b"".join(client.get("/api/v1/achievements/export", {"mine": "false"}).streaming_content)
    # Withdrawn listings no longer block their duplicates: the same file comes back in as new listings.
    Achievement.objects.update(status=ListingStatus.WITHDRAWN)
    response = client.post(
        "/api/v1/achievements/import", {"file": upload("科技成果.csv", exported)}, format="multipart"
    )
    assert response.status_code == 201, response.json()
    assert "编号" in response.json()["ignored_columns"]
    again = Achievement.objects.filter(status=ListingStatus.PUBLISHED)
    assert {a.title for a in again} == {"视觉检测系统", INJECTION}  # the formula guard is taken off again
    vision = again.get(title="视觉检测系统")
    assert sorted(vision.industries.values_list("code", flat=True)) == ["automotive", "machinery"]
    assert vision.confidential_detail == "核心算法参数与训练数据说明。"


def test_export_command_writes_files(owner_org, listings, tmp_path, operator):
    out = io.StringIO()
    xlsx = tmp_path / "成果.xlsx"
    call_command("export_listings", "achievements", str(xlsx), "--acting-user", operator.email, stdout=out)
    assert "2 rows written" in out.getvalue()
    sheet = load_workbook(xlsx).active
    assert "保密内容" in [c.value for c in next(sheet.iter_rows())]

    path = tmp_path / "drafts.csv"
    out = io.StringIO()
    call_command(
        "export_listings",
        "achievements",
        str(path),
        "--acting-user",
        operator.email,
        "--filter",
        "status=draft",
        stdout=out,
    )
    assert "1 rows written" in out.getvalue()
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert rows[1][1] == "未发布的草稿"

    # Without an acting user: what an anonymous reader sees, teaser columns only.
    public = tmp_path / "public.csv"
    call_command("export_listings", "achievements", str(public), stdout=io.StringIO())
    header = next(csv.reader(io.StringIO(public.read_text(encoding="utf-8-sig"))))
    assert "保密内容" not in header
    with pytest.raises(CommandError, match="NAME=VALUE"):
        call_command("export_listings", "achievements", str(public), "--filter", "status")
    with pytest.raises(CommandError, match="Bad filter"):
        call_command("export_listings", "achievements", str(public), "--filter", "region=4")
