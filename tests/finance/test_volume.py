"""The financing volume: CSV and XLSX exports with Chinese headers, and the dashboard's finance panel."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import translation
from openpyxl import load_workbook

from apps.finance import services
from apps.finance.models import ProductKind
from apps.organizations.models import QualificationKind
from apps.organizations.services import qualification_submit, qualification_verify
from tests.factories import TEST_PASSWORD
from tests.finance.helpers import IP_PLEDGE_PRODUCT

pytestmark = pytest.mark.django_db


def _disburse(fw, *, amount: str, on: date, kind: str = "ip_pledge_loan") -> None:
    values = {k: v for k, v in IP_PLEDGE_PRODUCT.items() if k != "eligibility_rules"}
    for key in ("min_amount", "max_amount", "min_rate", "max_rate"):
        values[key] = Decimal(values[key])
    values.update(kind=kind, name=f"{kind}-{amount}")
    product = services.product_create(actor=fw.banker, institution=fw.bank, eligibility_rules=[], **values)
    product = services.product_publish(actor=fw.banker, product=product)
    request = services.request_create(
        actor=fw.owner, amount=Decimal(amount), term_months=12, purpose="流动资金", collateral_ids=[fw.patent.pk]
    )
    application = services.application_submit(actor=fw.owner, request=request, product=product)
    services.application_approve(
        actor=fw.banker, application=application, amount=Decimal(amount), rate=Decimal("4.000"), term_months=12
    )
    services.application_disburse(actor=fw.banker, application=application, amount=Decimal(amount), disbursed_on=on)


def test_exports_and_window(client_for, fw):
    _disburse(fw, amount="1000000.00", on=date(2026, 10, 9))
    _disburse(fw, amount="500000.00", on=date(2026, 11, 3), kind="sci_tech_loan")
    _disburse(fw, amount="200000.00", on=date(2025, 12, 31))
    operator = client_for(fw.operator)
    window = {"date_from": "2026-01", "date_to": "2026-11", "by": "kind"}
    body = operator.get("/api/v1/stats/financing", window).json()
    assert body["rows"] == [
        {"kind": "ip_pledge_loan", "count": 1, "amount": "1000000.00"},
        {"kind": "sci_tech_loan", "count": 1, "amount": "500000.00"},
    ]
    assert body["total_amount"] == "1500000.00"
    csv = operator.get("/api/v1/stats/financing", {**window, "format": "csv"})
    assert csv.status_code == 200
    text = b"".join(csv.streaming_content).decode("utf-8-sig")
    # Files carry the Chinese labels of the kinds (科创贷 …), whatever the request's language.
    with translation.override("zh-hans"):
        pledge, sci_tech = str(ProductKind.IP_PLEDGE_LOAN.label), str(ProductKind.SCI_TECH_LOAN.label)
    assert text.splitlines() == [
        "产品类型,笔数,金额（元）",
        f"{pledge},1,1000000.00",
        f"{sci_tech},1,500000.00",
        "合计,2,1500000.00",
    ]
    xlsx = operator.get("/api/v1/stats/financing", {**window, "by": "month", "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [
        ["放款月份", "笔数", "金额（元）"],
        ["2026-10", 1, 1000000],
        ["2026-11", 1, 500000],
        ["合计", 2, 1500000],
    ]
    bad = operator.get("/api/v1/stats/financing", {"by": "colour"})
    assert bad.status_code == 400


def test_dashboard_shows_the_finance_panel(fw):
    _disburse(fw, amount="1234567.00", on=date(2026, 11, 3))
    client = Client()
    client.post("/stats/login/", {"username": fw.operator.email, "password": TEST_PASSWORD})
    html = client.get("/stats/dashboard/", {"year": "2026"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="h-finance"' in html
    assert "123.46" in html  # ¥1,234,567 in 万元


def test_the_volume_by_the_borrowers_qualification_on_the_disbursement_day(client_for, fw):
    # 科技型中小企业 valid until 2026-10-31: the October loan counts under it, the November one under none.
    tag = qualification_submit(
        actor=fw.owner,
        organization=fw.enterprise,
        kind="tech_sme",
        certificate_number="202645020100123",
        valid_from=date(2026, 1, 1),
        valid_until=date(2026, 10, 31),
        evidence="https://www.innofund.gov.cn/ 入库编号 202645020100123",
    )
    # A pending tag counts for nothing: verify it (the operator).
    qualification_verify(actor=fw.operator, tag=tag, approve=True)
    _disburse(fw, amount="1000000.00", on=date(2026, 10, 9))
    _disburse(fw, amount="500000.00", on=date(2026, 11, 3), kind="sci_tech_loan")
    operator = client_for(fw.operator)
    body = operator.get("/api/v1/stats/financing", {"by": "qualification,kind"}).json()
    assert body["rows"] == [
        {"qualification": "tech_sme", "kind": "ip_pledge_loan", "count": 1, "amount": "1000000.00"},
        {"qualification": "none", "kind": "sci_tech_loan", "count": 1, "amount": "500000.00"},
    ]
    assert (body["total_count"], body["total_amount"]) == (2, "1500000.00")
    csv = operator.get("/api/v1/stats/financing", {"by": "qualification", "format": "csv"})
    text = b"".join(csv.streaming_content).decode("utf-8-sig")
    with translation.override("zh-hans"):
        sme = str(QualificationKind.TECH_SME.label)
    lines = ["企业资质,笔数,金额（元）", f"{sme},1,1000000.00", "无,1,500000.00", "合计,2,1500000.00"]
    assert text.splitlines() == lines
    # The borrower itself may not read the market's figures.
    assert client_for(fw.owner).get("/api/v1/stats/financing", {"by": "qualification"}).status_code == 403
