"""Bulk IP assets over HTTP: an XLSX of patents with Chinese headers checked as single creates are, co-owners,
the template round trip, JSON Lines export equal to the list, scoping and re-import without duplicates."""

from __future__ import annotations

import json
from datetime import date

import pytest

from apps.ip.models import IPAsset, IPCoOwner, IPLegalEvent, LegalStatus
from tests.bulk_files import fill_template, post_import, template_info, xlsx_bytes
from tests.factories import OrganizationFactory, member_of, operator_user
from tests.ip.factories import IPAssetFactory, make_application_number

pytestmark = pytest.mark.django_db

URL = "/api/v1/ip-assets/import"
HEADERS = (
    "专利名称",
    "专利类型",
    "申请号",
    "专利号",
    "申请日",
    "授权日",
    "法律状态",
    "主分类号",
    "共有人",
    "权利人统一社会信用代码",
)


@pytest.fixture
def university():
    return OrganizationFactory(name="柳州工学院")


@pytest.fixture
def partner():
    return OrganizationFactory(name="柳州示例汽车零部件有限公司")


@pytest.fixture
def staff(university):
    return member_of(university)


def patent(owner, title, number, **changes):
    values = {
        "专利名称": title,
        "专利类型": "发明专利",
        "申请号": number,
        "专利号": "",
        "申请日": date(2020, 3, 2),
        "授权日": None,
        "法律状态": "审中",
        "主分类号": "G01N21/88",
        "共有人": "",
        "权利人统一社会信用代码": owner.credit_code,
    }
    values.update(changes)
    return [values[h] for h in HEADERS]


def test_patents_from_xlsx_are_checked_like_single_creates(client_for, staff, university, partner):
    good = make_application_number(1)
    granted = make_application_number(2)
    rows = [
        patent(university, "一种螺蛳粉汤料的制备方法", good, 共有人=f"{partner.credit_code}；张三"),  # row 2
        patent(
            university,
            "一种轮毂铸造模具",
            granted,
            专利号=f"ZL{granted}",
            授权日="2022年5月10日",
            法律状态="有效",
        ),  # row 3
        patent(university, "校验位错误的专利", "202010123456.7"),  # row 4: the check digit should be 2
        patent(university, "类型不符的专利", make_application_number(3, type_digit="2")),  # row 5: a utility model
        patent(partner, "别人的专利", make_application_number(4)),  # row 6: not the caller's organisation
    ]
    client = client_for(staff)
    refused = post_import(client, URL, "专利清单.xlsx", xlsx_bytes(HEADERS, rows), language="en")
    assert refused.status_code == 400
    found = {(e["row"], e["column"], e["code"]) for e in refused.json()["rows"]}
    assert (4, "申请号", "invalid_ip_identifier") in found
    assert (5, "申请号", "patent_kind_mismatch") in found
    assert (6, "权利人统一社会信用代码", "not_owner_member") in found
    assert not IPAsset.objects.exists()

    imported = post_import(client, URL, "专利清单.xlsx", xlsx_bytes(HEADERS, rows), partial=True)
    assert imported.status_code == 201, imported.json()
    assert imported["Location"] == "/api/v1/ip-assets"  # many records: the list they joined
    assert (imported.json()["created"], imported.json()["failed_rows"]) == (2, 3)
    first = IPAsset.objects.get(application_number=good)
    assert (first.owner_id, first.kind, first.ipc_main, first.filing_date) == (
        university.pk,
        "invention",
        "G01N 21/88",
        date(2020, 3, 2),
    )
    co_owners = list(IPCoOwner.objects.filter(asset=first).values_list("organization_id", "person_name"))
    assert co_owners == [(partner.pk, ""), (None, "张三")]
    second = IPAsset.objects.get(application_number=granted)
    assert (second.legal_status, second.grant_date) == (LegalStatus.GRANTED, date(2022, 5, 10))
    # The legal history starts as a single create starts it: filed, then granted.
    assert list(IPLegalEvent.objects.filter(asset=second).values_list("kind", flat=True)) == ["filed", "granted"]


def test_template_round_trip_and_reimport_without_duplicates(client_for, staff, university):
    client = client_for(staff)
    template = client.get("/api/v1/ip-assets/import/template.xlsx")
    assert template.status_code == 200
    headers, comments, validations = template_info(template.content)
    assert {"类型*", "名称*", "申请号", "共有人"} <= set(headers)
    assert len(comments) == len(headers) and validations == 2
    numbers = [make_application_number(), make_application_number()]
    filled = fill_template(
        template.content,
        [
            {"类型": "发明专利", "名称": f"一种检测方法{n}", "申请号": number, "申请日": date(2021, 1, 5)}
            for n, number in enumerate(numbers)
        ]
        + [{"类型": "软件著作权", "名称": "柳州科技大市场撮合软件V1.0", "登记号": "2019SR1234567"}],
    )
    first = post_import(client, URL, "模板.xlsx", filled)
    assert first.status_code == 201, first.json()
    assert first.json()["created"] == 3
    # The owner column was left out: the caller's only organisation owns them.
    assert set(IPAsset.objects.values_list("owner_id", flat=True)) == {university.pk}
    again = post_import(client, URL, "模板.xlsx", filled, on_existing="skip")
    assert (again.status_code, again.json()["created"], again.json()["skipped"]) == (200, 0, 3)
    reported = post_import(client, URL, "模板.xlsx", filled)
    assert reported.status_code == 400
    assert {e["code"] for e in reported.json()["rows"]} == {"already_stored"}
    assert IPAsset.objects.count() == 3


def test_jsonl_export_equals_the_list_and_never_shows_another_organisations_assets(client_for, staff, university):
    mine = IPAssetFactory.create_batch(3, owner=university)
    theirs = IPAssetFactory(owner=OrganizationFactory())
    client = client_for(staff)
    for params in ({}, {"kind": "invention"}, {"q": mine[0].application_number[:8]}):
        listed = client.get("/api/v1/ip-assets", {**params, "page_size": 100}).json()["results"]
        response = client.get("/api/v1/ip-assets/export", params, HTTP_ACCEPT="application/x-ndjson")
        assert response.status_code == 200
        exported = [json.loads(line) for line in b"".join(response.streaming_content).decode().splitlines()]
        assert exported == listed, params
    everything = b"".join(client.get("/api/v1/ip-assets/export?format=jsonl").streaming_content).decode()
    assert theirs.application_number not in everything and mine[0].application_number in everything
    # The operator reads the whole register.
    operator_lines = client_for(operator_user()).get("/api/v1/ip-assets/export?format=jsonl")
    assert len(b"".join(operator_lines.streaming_content).decode().splitlines()) == 4


def test_limits_and_bad_files(client_for, staff, university, settings):
    client = client_for(staff)
    content = xlsx_bytes(HEADERS, [patent(university, "一", make_application_number())] * 3)
    settings.BULK_IMPORT_MAX_ROWS = 2
    assert post_import(client, URL, "a.xlsx", content).json()["code"] == "import_too_many_rows"
    settings.BULK_IMPORT_MAX_BYTES = 100
    response = post_import(client, URL, "a.xlsx", content)
    assert (response.status_code, response.json()["code"]) == (413, "import_file_too_large")
    settings.BULK_IMPORT_MAX_BYTES = 10_000_000
    missing = post_import(client, URL, "a.xlsx", xlsx_bytes(("申请号",), [["201710601862.3"]]))
    assert (missing.status_code, missing.json()["code"]) == (400, "import_missing_columns")
    assert missing.json()["missing_columns"] == ["类型", "名称"]
    checked = post_import(
        client, URL, "a.xlsx", xlsx_bytes(HEADERS, [patent(university, "一", make_application_number())]), dry_run=True
    )
    assert (checked.status_code, checked.json()["valid_rows"], checked.json()["created"]) == (200, 1, 0)
    wrong = post_import(client, URL, "a.pdf", b"%PDF-1.4")
    assert (wrong.status_code, wrong.json()["code"]) == (415, "import_unsupported_file_type")
    assert not IPAsset.objects.exists()
