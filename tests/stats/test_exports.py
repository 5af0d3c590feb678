"""The report as CSV and XLSX: Chinese headers and labels, 万元, growth, totals, formula guard."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from apps.stats.exports import report_csv, write_report_xlsx
from apps.stats.selectors import stats_report
from tests.brokers.factories import make_broker
from tests.factories import operator_user
from tests.stats.report_cells import add

pytestmark = pytest.mark.django_db

URL = "/api/v1/stats/report"
HEADERS = [
    "期间",
    "合同类型",
    "技术领域",
    "合同数(项)",
    "合同成交额(万元)",
    "技术交易额(万元)",
    "到位金额(万元)",
    "上年同期合同数(项)",
    "上年同期合同成交额(万元)",
    "上年同期技术交易额(万元)",
    "上年同期到位金额(万元)",
    "合同数同比增长(%)",
    "合同成交额同比增长(%)",
    "技术交易额同比增长(%)",
    "到位金额同比增长(%)",
]


@pytest.fixture
def operator():
    return operator_user()


@pytest.fixture
def figures():
    add("2024-05", amount="1000000.00", technology="800000.00", contract_type="development", technology_field="01")
    add("2025-05", amount="1500000.00", technology="1200000.00", contract_type="development", technology_field="01")
    add("2025-06", amount="123456.78", paid="50.00", contract_type="licence", technology_field="05")


def parse_csv(chunks) -> list[list[str]]:
    raw = b"".join(chunks)
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def report(operator, **kwargs):
    kwargs.setdefault("group_by", ["period", "contract_type", "technology_field"])
    return stats_report(actor=operator, date_from=date(2025, 1, 1), date_to=date(2025, 12, 1), **kwargs)


def test_csv_has_chinese_headers_labels_wan_and_growth(operator, figures):
    rows = parse_csv(report_csv(report(operator)))
    assert rows[0] == HEADERS
    assert rows[1] == [
        "2025年",
        "技术开发",
        "电子信息",
        "1",
        "150.00",
        "120.00",
        "0.00",
        "1",
        "100.00",
        "80.00",
        "0.00",
        "0.00",
        "50.00",
        "50.00",
        "",
    ]
    assert rows[2][:7] == ["2025年", "技术许可", "新材料及其应用", "1", "12.35", "12.35", "0.01"]
    assert rows[2][11:] == ["", "", "", ""]  # nothing a year earlier: no growth
    assert rows[3][:7] == ["合计", "", "", "2", "162.35", "132.35", "0.01"]
    assert rows[3][11:13] == ["100.00", "62.35"]
    assert len(rows) == 4


def test_xlsx_parses_back_with_headers_number_formats_and_totals(operator, figures):
    out = io.BytesIO()
    written = write_report_xlsx(report(operator, period="quarter"), out)
    assert written == 3
    workbook = load_workbook(io.BytesIO(out.getvalue()))
    sheet = workbook["技术合同成交统计"]
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0] == HEADERS
    assert values[1][:7] == ["2025年第2季度", "技术开发", "电子信息", 1, 150, 120, 0]
    assert values[2][:3] == ["2025年第2季度", "技术许可", "新材料及其应用"]
    assert Decimal(str(values[2][4])) == Decimal("12.35")
    assert values[1][12] == pytest.approx(0.5)
    assert values[2][12] is None
    assert values[3][0] == "合计"
    row = sheet[2]
    assert row[3].number_format == "#,##0"
    assert row[4].number_format == "#,##0.00"
    assert row[12].number_format == "0.00%"
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].font.bold and sheet["A4"].font.bold
    about = {r[0].value: r[1].value for r in workbook["说明"].iter_rows()}
    assert about["统计期间"] == "2025年01月至2025年12月"
    assert about["金额单位"].startswith("万元")


def test_export_without_grouping_or_comparison(operator, figures):
    rows = parse_csv(report_csv(report(operator, group_by=[], compare=False)))
    assert rows == [
        ["统计范围", "合同数(项)", "合同成交额(万元)", "技术交易额(万元)", "到位金额(万元)"],
        ["合计", "2", "162.35", "132.35", "0.01"],
    ]


def test_zones_periods_and_brokers_in_chinese_with_the_formula_guard(operator):
    sly = make_broker(name='=HYPERLINK("http://evil.example","点我")')
    add("2025-02", amount="10000.00", buyer_zone="asean", buyer_area="704", broker=str(sly.pk))
    add("2025-03", amount="20000.00", buyer_zone="hmt", buyer_area="810000")
    add("2025-03", amount="30000.00", buyer_zone="province", buyer_area="450100")
    built = report(operator, group_by=["period", "buyer_zone", "buyer_area", "broker"], period="month", compare=False)

    rows = parse_csv(report_csv(built))
    assert rows[0][:4] == ["期间", "技术流向（买方区域）", "买方所在地区", "技术经纪人"]
    labelled = [row[:3] for row in rows[1:-1]]
    assert labelled == [
        ["2025年2月", "东盟", "越南"],
        ["2025年3月", "省内", "南宁市"],
        ["2025年3月", "港澳台", "香港特别行政区"],
    ]
    assert rows[1][3].startswith("'=HYPERLINK(")
    assert rows[2][3] == "无经纪人"

    out = io.BytesIO()
    write_report_xlsx(built, out)
    sheet = load_workbook(io.BytesIO(out.getvalue()))["技术合同成交统计"]
    guarded = sheet["D2"]
    assert guarded.data_type == "s"
    assert guarded.value.startswith("=HYPERLINK(")


def test_the_api_serves_csv_and_xlsx_in_chinese_whatever_the_language(client_for, figures):
    client = client_for(operator_user())
    params = {"group_by": "period,contract_type,technology_field", "date_from": "2025-01", "date_to": "2025-12"}
    response = client.get(URL, {**params, "format": "csv"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"] and ".csv" in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"
    rows = parse_csv(response.streaming_content)
    assert rows[0] == HEADERS
    assert rows[1][:3] == ["2025年", "技术开发", "电子信息"]

    xlsx = client.get(URL, {**params, "format": "xlsx"}, HTTP_ACCEPT_LANGUAGE="en")
    assert xlsx.status_code == 200
    assert xlsx["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content)))["技术合同成交统计"]
    assert [c.value for c in sheet[1]] == HEADERS
    assert [c.value for c in sheet[2]][:3] == ["2025年", "技术开发", "电子信息"]

    refused = client.get(URL, {"format": "csv", "period": "week"})
    assert refused.status_code == 400
    assert refused["Content-Type"] == "application/problem+json"
