"""Bulk contracts over HTTP: an XLSX with Chinese headers imported by a party (parties by credit code or by
name, amounts incl. the technology transaction amount), checked as single creates are; the template round
trip, the JSON Lines export equal to the list, scoping, and re-import without duplicates."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest

from apps.contracts.models import Contract
from apps.contracts.selectors import market_today
from apps.core.models import Effect
from tests.bulk_files import fill_template, post_import, template_info, xlsx_bytes
from tests.factories import OrganizationFactory, member_of, operator_user

pytestmark = pytest.mark.django_db

URL = "/api/v1/contracts/import"
HEADERS = (
    "合同名称",
    "合同编号",
    "合同类型",
    "合同子类型",
    "知识产权类型",
    "技术领域",
    "签订日期",
    "合同金额",
    "技术交易额",
    "买方统一社会信用代码",
    "买方名称",
    "买方地区代码",
    "买方主体类型",
    "卖方统一社会信用代码",
)


@pytest.fixture
def university():
    return OrganizationFactory(name="广西示例科技大学", type="university", entity_type_id="022", region_id="450203")


@pytest.fixture
def factory_org():
    return OrganizationFactory(name="柳州示例汽车零部件有限公司", region_id="450205", entity_type_id="150")


@pytest.fixture
def staff(university):
    return member_of(university)


def contract_row(seller, number: str, **changes):
    values = {
        "合同名称": f"齿轮渗碳热处理技术转让合同{number}",
        "合同编号": number,
        "合同类型": "技术转让",
        "合同子类型": "专利权转让",
        "知识产权类型": "发明专利",
        "技术领域": "先进制造",
        "签订日期": market_today() - timedelta(days=30),
        "合同金额": 1000000,
        "技术交易额": 800000.5,
        "买方统一社会信用代码": "",
        "买方名称": "",
        "买方地区代码": "",
        "买方主体类型": "",
        "卖方统一社会信用代码": seller.credit_code,
    }
    values.update(changes)
    return [values[h] for h in HEADERS]


def test_contracts_from_xlsx_with_parties_and_technology_amounts(client_for, staff, university, factory_org):
    outsider = OrganizationFactory()
    rows = [
        contract_row(university, "LZ-2026-001", 买方统一社会信用代码=factory_org.credit_code),  # row 2: on platform
        contract_row(
            university,
            "LZ-2026-002",
            合同类型="技术开发",
            合同子类型="委托开发",
            知识产权类型="软件著作权",
            签订日期=(market_today() - timedelta(days=3)).strftime("%Y年%m月%d日"),
            合同金额="￥600,000.00元",
            技术交易额="",
            买方名称="柳州某机械厂（未入驻）",
            买方地区代码="450204",
            买方主体类型="私营企业",
        ),  # row 3: a buyer off the platform, by name, region and entity type name
        contract_row(university, "LZ-2026-003", 合同子类型="委托开发", 买方统一社会信用代码=factory_org.credit_code),
        contract_row(university, "LZ-2026-004", 技术交易额=1200000, 买方统一社会信用代码=factory_org.credit_code),
        contract_row(outsider, "LZ-2026-005", 买方统一社会信用代码=factory_org.credit_code),  # row 6: not a party
        contract_row(
            university, "LZ-2026-006", 签订日期=date(2099, 1, 1), 买方统一社会信用代码=factory_org.credit_code
        ),
    ]
    client = client_for(staff)
    refused = post_import(client, URL, "合同台账.xlsx", xlsx_bytes(HEADERS, rows), language="en")
    assert refused.status_code == 400
    found = {(e["row"], e["column"], e["code"]) for e in refused.json()["rows"]}
    assert found == {
        (4, "合同子类型", "contract_subtype_mismatch"),
        (5, "技术交易额", "contract_deductions_exceed_amount"),
        (6, "", "contract_not_allowed"),
        (7, "签订日期", "contract_signed_in_future"),
    }
    assert not Contract.objects.exists() and not Effect.objects.filter(name="contracts.check_bypass").exists()

    imported = post_import(client, URL, "合同台账.xlsx", xlsx_bytes(HEADERS, rows), partial=True)
    assert imported.status_code == 201, imported.json()
    assert (imported.json()["created"], imported.json()["failed_rows"]) == (2, 4)
    first = Contract.objects.get(contract_number="LZ-2026-001")
    assert (first.seller_id, first.buyer_id, first.type, first.subtype) == (
        university.pk,
        factory_org.pk,
        "transfer",
        "patent_right_transfer",
    )
    assert (first.contract_amount, first.technology_amount) == (Decimal("1000000.00"), Decimal("800000.50"))
    assert list(first.deductions.values_list("kind", "amount")) == [("other", Decimal("199999.50"))]
    second = Contract.objects.get(contract_number="LZ-2026-002")
    assert (second.buyer_id, second.buyer_name, second.buyer_region_id, second.buyer_entity_type_id) == (
        None,
        "柳州某机械厂（未入驻）",
        "450204",
        "170",
    )
    assert second.technology_amount == second.contract_amount == Decimal("600000.00")
    assert second.signed_on == market_today() - timedelta(days=3)
    # The single create's effects come with every imported contract.
    assert Effect.objects.filter(name="contracts.check_bypass").count() == 2


def test_template_round_trip_and_reimport_without_duplicates(client_for, staff, university, factory_org):
    client = client_for(staff)
    template = client.get("/api/v1/contracts/import/template.xlsx")
    assert template.status_code == 200
    headers, comments, validations = template_info(template.content)
    assert {"合同名称*", "合同类型*", "合同金额*", "技术交易额", "卖方统一社会信用代码"} <= set(headers)
    assert len(comments) == len(headers) and validations == 5
    filled = fill_template(
        template.content,
        [
            {
                "合同名称": "螺蛳粉汤料杀菌工艺技术咨询合同",
                "合同类型": "技术咨询",
                "合同子类型": "可行性论证",
                "知识产权类型": "未涉及知识产权",
                "技术领域": "农业",
                "签订日期": market_today(),
                "合同金额": 50000,
                "买方统一社会信用代码": factory_org.credit_code,
                "卖方统一社会信用代码": university.credit_code,
            }
        ],
    )
    assert post_import(client, URL, "模板.xlsx", filled).status_code == 201
    again = post_import(client, URL, "模板.xlsx", filled, on_existing="skip")
    assert (again.status_code, again.json()["created"], again.json()["skipped"]) == (200, 0, 1)
    reported = post_import(client, URL, "模板.xlsx", filled)
    assert [e["code"] for e in reported.json()["rows"]] == ["already_stored"]
    assert Contract.objects.count() == 1


def test_jsonl_export_equals_the_list_and_stays_with_the_parties(client_for, staff, university, factory_org):
    other_seller = OrganizationFactory()
    rows = [contract_row(university, f"EXP-{n}", 买方统一社会信用代码=factory_org.credit_code) for n in range(3)]
    assert post_import(client_for(staff), URL, "a.xlsx", xlsx_bytes(HEADERS, rows)).status_code == 201
    foreign = [contract_row(other_seller, "FOREIGN-1", 买方统一社会信用代码=factory_org.credit_code)]
    assert (
        post_import(client_for(member_of(other_seller)), URL, "b.xlsx", xlsx_bytes(HEADERS, foreign)).status_code == 201
    )
    client = client_for(staff)
    for params in ({}, {"type": "transfer"}, {"organization": factory_org.pk}):
        listed = client.get("/api/v1/contracts", {**params, "page_size": 100}).json()["results"]
        response = client.get("/api/v1/contracts/export", {**params, "format": "jsonl"})
        assert response.status_code == 200
        exported = [json.loads(line) for line in b"".join(response.streaming_content).decode().splitlines()]
        assert exported == listed, params
        assert "FOREIGN-1" not in {c["contract_number"] for c in exported}
    # The buyer sees the contracts it is a party to, the operator all of them.
    buyer_lines = client_for(member_of(factory_org)).get("/api/v1/contracts/export?format=jsonl")
    assert len(b"".join(buyer_lines.streaming_content).splitlines()) == 4
    bad = client.get("/api/v1/contracts/export", {"format": "jsonl", "type": "nonsense"})
    assert bad.status_code == 400 and bad["Content-Type"] == "application/problem+json"
    everything = client_for(operator_user()).get("/api/v1/contracts/export", HTTP_ACCEPT="application/x-ndjson")
    assert len(b"".join(everything.streaming_content).splitlines()) == 4
