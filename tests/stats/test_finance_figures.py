"""Technology-finance figures in the statistics: IP pledge financing (知识产权质押融资额) by month and pledgee,
post-subsidies paid by month and policy, over the API, as CSV and XLSX, and on the dashboard's cards."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from apps.contracts.selectors import market_today
from apps.custody.models import Pledge
from apps.subsidies.models import ClaimStatus, Disbursement, SubsidyClaim, SubsidyPolicy, SubsidyRound
from tests.factories import OrganizationFactory, member_of, operator_user
from tests.ip.factories import IPAssetFactory
from tests.stats.test_dashboard import card, logged_in

pytestmark = pytest.mark.django_db

URL = "/api/v1/stats/finance"


@pytest.fixture
def figures():
    today = market_today()
    owner = OrganizationFactory()
    bank = OrganizationFactory(name="柳州银行股份有限公司")
    for n, amount in enumerate(("3000000.00", "1500000.00")):
        Pledge.objects.create(
            asset=IPAssetFactory(owner=owner, granted=True),
            pledgee_organization=bank,
            pledgee_name=bank.name,
            pledgors=[{"organization_id": owner.pk, "name": ""}],
            secured_amount=Decimal(amount),
            term_start=today,
            term_end=today + timedelta(days=365),
            registration_date=today,
            registration_number=f"Y-{n}",
        )
    # A pledge recorded by name only (before pledgees were organisations) counts under that name.
    Pledge.objects.create(
        asset=IPAssetFactory(owner=owner, granted=True),
        pledgee_name="旧银行",
        pledgors=[],
        secured_amount=Decimal("500000.00"),
        term_start=today,
        term_end=today + timedelta(days=365),
        registration_date=today,
        registration_number="Y-old",
    )
    policy = SubsidyPolicy.objects.create(
        name="后补助", version="2026-01", effective_from=date(today.year, 1, 1), status="active", rules={}
    )
    subsidy_round = SubsidyRound.objects.create(
        policy=policy, name="第一批", opens_on=today, closes_on=today, budget=Decimal("1000000.00")
    )
    claim = SubsidyClaim.objects.create(
        round=subsidy_round,
        policy=policy,
        enterprise=owner,
        year=today.year,
        computed_amount=Decimal("80000.00"),
        approved_amount=Decimal("70000.00"),
        status=ClaimStatus.DISBURSED,
    )
    Disbursement.objects.create(claim=claim, amount=Decimal("70000.00"), paid_on=today, reference="LZCZ-9")
    return today, bank


def test_the_operator_reads_pledge_financing_and_subsidies_paid(client_for, figures):
    today, bank = figures
    month = f"{today:%Y-%m}"
    response = client_for(operator_user()).get(URL, {"date_from": month, "date_to": month})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["pledge_count"], body["pledge_amount"]) == (3, "5000000.00")
    assert body["pledges_by_month"] == [{"month": month, "count": 3, "amount": "5000000.00"}]
    assert body["pledges_by_pledgee"][0] == {
        "pledgee_organization_id": bank.pk,
        "pledgee": bank.name,
        "count": 2,
        "amount": "4500000.00",
    }
    assert body["pledges_by_pledgee"][1]["pledgee"] == "旧银行"
    assert (body["subsidy_count"], body["subsidy_amount"]) == (1, "70000.00")
    assert body["subsidies_by_policy"][0]["policy"] == "后补助 2026-01"
    # An earlier window has none of it.
    earlier = client_for(operator_user()).get(URL, {"date_from": "2020-01", "date_to": "2020-12"}).json()
    assert (earlier["pledge_amount"], earlier["subsidy_amount"]) == ("0.00", "0.00")


def test_exports_and_access(client_for, figures):
    operator = client_for(operator_user())
    csv_text = b"".join(operator.get(URL, {"format": "csv"}).streaming_content).decode("utf-8-sig")
    assert "知识产权质押融资额,合计,3,5000000.00" in csv_text
    assert "后补助兑现金额,合计,1,70000.00" in csv_text
    xlsx = operator.get(URL, {"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == ["指标", "分组", "笔数", "金额(元)"]
    assert ["知识产权质押融资额", "合计", 3, 5000000] in rows  # amounts are numbers a spreadsheet can add up
    assert xlsx["Cache-Control"] == "private, no-store"
    assert xlsx["Content-Disposition"].startswith('attachment; filename="technology-finance-')
    refused = client_for(member_of(OrganizationFactory())).get(URL)
    assert refused.status_code == 403
    bad = operator.get(URL, {"date_from": "2026-13"})
    assert bad.status_code == 400
    unknown = operator.get(URL, {"group_by": "bank"})
    assert (unknown.status_code, unknown.json()["code"]) == (400, "validation_error")


def test_a_name_that_starts_like_a_formula_never_runs_in_the_files(client_for, figures):
    today, _bank = figures
    formula = '=HYPERLINK("http://evil.example","点击")'
    Pledge.objects.create(
        asset=IPAssetFactory(owner=OrganizationFactory(), granted=True),
        pledgee_name=formula,
        pledgors=[],
        secured_amount=Decimal("1.00"),
        term_start=today,
        term_end=today + timedelta(days=365),
        registration_date=today,
        registration_number="Y-formula",
    )
    operator = client_for(operator_user())
    csv_text = b"".join(operator.get(URL, {"format": "csv"}).streaming_content).decode("utf-8-sig")
    quoted = formula.replace('"', '""')
    assert f'知识产权质押融资额,"\'{quoted}",1,1.00' in csv_text  # a leading ' makes it text
    sheet = load_workbook(io.BytesIO(b"".join(operator.get(URL, {"format": "xlsx"}).streaming_content))).active
    cells = [row for row in sheet.iter_rows() if row[1].value == formula]
    assert len(cells) == 1 and cells[0][1].data_type == "s"  # shown as typed, a string: never run
    assert cells[0][3].value == 1


def test_the_dashboard_shows_both_cards(figures):
    html = logged_in(operator_user()).get("/stats/dashboard/").content.decode()
    assert card(html, "pledge_financing")[0] == "500.00 万元"
    assert card(html, "subsidies_paid")[0] == "7.00 万元"
