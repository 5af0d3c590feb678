"""The demo market's life after a deal: one licence contract between the university and the auto-parts
maker, loaded through the settlement services, showing

- a settlement plan with a milestone settled from escrow (a contract payment), one funded and held,
  one awaiting the buyer's deposit;
- the buyer's 小试 and 中试 reports (counted in the after-deal statistics);
- a running royalty (提成): quarterly sales reports with the amounts due, answered and partly paid;
- the university's income distribution scheme and each payment split among its researchers.

Loaded once: a second run finds the contract by its number and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from apps.accounts.models import User
from apps.contracts.models import Contract
from apps.contracts.services import contract_create, contract_document_attach, milestone_create
from apps.demo.data import DEMO_EMAIL_DOMAIN, DEMO_MARK, ORGANIZATIONS_BY_KEY
from apps.organizations.models import Organization
from apps.settlement import royalty
from apps.settlement.models import RoyaltyTerm
from apps.settlement.services import (
    escrow_accept,
    escrow_deposit,
    escrow_milestone_create,
    implementation_report_create,
    royalty_payment_record,
    royalty_report_answer,
    royalty_report_submit,
    royalty_term_create,
    scheme_create,
)

CONTRACT_NUMBER = "GXUST-2025-XK-007"
SIGNED_DAYS_AGO = 400

Progress = Callable[..., None]


def _user(local_part: str) -> User:
    return User.objects.get(email=f"{local_part}@{DEMO_EMAIL_DOMAIN}")


def _org(key: str) -> Organization:
    return Organization.objects.get(credit_code=ORGANIZATIONS_BY_KEY[key].credit_code)


def load_settlement(*, today: date, progress: Progress, demo_pdf: Callable[[str], bytes]) -> int | None:
    """Load the demo's after-deal story; the new contract's id (for the statistics fold), or None."""
    if Contract.objects.filter(contract_number=CONTRACT_NUMBER).exists():
        progress("after-deal story", f"{CONTRACT_NUMBER} settlement, royalties and revenue sharing", created=False)
        return None
    university, buyer_org = _org("university"), _org("auto_parts")
    licensor, licensee = _user("li.wenbo"), _user("qin.haiyang")
    signed_on = today - timedelta(days=SIGNED_DAYS_AGO)

    scheme_create(
        actor=licensor,
        organization=university,
        name="广西科技大学科技成果转化收益分配办法（演示）",
        effective_from=signed_on - timedelta(days=60),
        min_researcher_percent=Decimal("70"),
        shares=[
            {
                "kind": "researcher",
                "name": "陈雨晴（项目负责人）",
                "user": _user("chen.yuqing"),
                "percent": Decimal("50"),
            },
            {"kind": "researcher", "name": "团队成员（3 人）", "percent": Decimal("20")},
            {"kind": "department", "name": "机械与汽车工程学院", "percent": Decimal("15")},
            {"kind": "institution", "name": "广西科技大学", "percent": Decimal("15")},
        ],
    )
    contract = contract_create(
        actor=licensor,
        data={
            "title": DEMO_MARK + "齿轮渗碳淬火变形控制专利普通许可合同",
            "contract_number": CONTRACT_NUMBER,
            "type": "licence",
            "subtype": "ordinary_patent_licence",
            "ip_type": "invention_patent",
            "technology_field_code": "03",
            "programme_class": "provincial",
            "signed_on": signed_on,
            "valid_from": signed_on,
            "valid_until": signed_on + timedelta(days=365 * 5),
            "contract_amount": Decimal("1500000.00"),
            "deductions": [],
            "buyer_id": buyer_org.pk,
            "seller_id": university.pk,
        },
    )
    upload = SimpleUploadedFile(
        f"{CONTRACT_NUMBER}.pdf", demo_pdf(f"Demo contract {CONTRACT_NUMBER}"), content_type="application/pdf"
    )
    contract = contract_document_attach(actor=licensor, contract=contract, upload=upload)

    # Settlement plan: delivered and settled, funded and held, awaiting funds.
    plan = [
        ("技术资料与工艺包交付", "300000.00", 30, "工艺文件、热处理曲线及检验规程各 1 套，买方书面确认"),
        ("中试线调试验收", "500000.00", 200, "中试线连续运行 72 小时，渗碳层深度偏差不超过 ±0.1 mm"),
        ("产业化批量验收", "200000.00", 500, "批量生产 10,000 件，变形超差率低于 0.5%"),
    ]
    milestones = [
        escrow_milestone_create(
            actor=licensor,
            contract=contract,
            title=title,
            amount=Decimal(amount),
            due_on=signed_on + timedelta(days=days),
            acceptance_criteria=criteria,
        )
        for title, amount, days, criteria in plan
    ]
    # The rest of the contract amount is the royalties expected over the term, paid as reported (not escrowed).
    milestone_create(
        actor=licensor,
        contract=contract,
        title="许可使用费提成（预计）",
        due_on=signed_on + timedelta(days=365 * 5),
        amount=Decimal("500000.00"),
    )
    escrow_deposit(
        actor=licensee, milestone=milestones[0], amount=Decimal("300000.00"), external_reference="ICBC-DEMO-0001"
    )
    escrow_accept(actor=licensee, milestone=milestones[0], note="资料齐全，验收通过")
    escrow_deposit(
        actor=licensee, milestone=milestones[1], amount=Decimal("500000.00"), external_reference="ICBC-DEMO-0002"
    )

    # After the deal: 小试 then 中试.
    implementation_report_create(
        actor=licensee,
        contract=contract,
        stage="small_trial",
        period_start=signed_on + timedelta(days=10),
        period_end=signed_on + timedelta(days=100),
        revenue=Decimal("0"),
        output_value=Decimal("150000.00"),
        jobs_created=3,
        units_produced=500,
        note="小试样件 500 件，变形量下降 40%",
    )
    implementation_report_create(
        actor=licensee,
        contract=contract,
        stage="pilot",
        period_start=signed_on + timedelta(days=101),
        period_end=min(signed_on + timedelta(days=280), today - timedelta(days=1)),
        revenue=Decimal("1200000.00"),
        output_value=Decimal("1800000.00"),
        jobs_created=12,
        units_produced=3000,
        note="中试线投产，齿轮寿命提升 30%",
    )

    # Running royalty: 4% of net sales + ¥1.50 a unit, at least ¥120,000 a year, quarterly.
    term = royalty_term_create(
        actor=licensor,
        contract=contract,
        period="quarter",
        starts_on=signed_on,
        rate_percent=Decimal("4"),
        per_unit_fee=Decimal("1.50"),
        minimum_annual=Decimal("120000.00"),
        due_days=30,
    )
    _royalties(term=term, today=today, licensor=licensor, licensee=licensee)
    progress("after-deal story", f"{CONTRACT_NUMBER} settlement, royalties and revenue sharing", created=True)
    return contract.pk


SALES = [("380000.00", 2000), ("520000.00", 2600), ("610000.00", 3100), ("450000.00", 2400)]


def _royalties(*, term: RoyaltyTerm, today: date, licensor: User, licensee: User) -> None:
    """Report every quarter that has ended (up to four); acknowledge all but the last, pay the first two."""
    for index, (sales, units) in enumerate(SALES, start=1):
        _start, end = royalty.period_bounds(starts_on=term.starts_on, period=term.period, index=index)
        if end >= today:
            break
        report = royalty_report_submit(
            actor=licensee, term=term, period_index=index, net_sales=Decimal(sales), units_sold=units
        )
        if end + timedelta(days=40) >= today:
            continue  # the latest report waits for the licensor's answer
        report = royalty_report_answer(actor=licensor, report=report, action="acknowledge")
        if index <= 2:
            royalty_payment_record(
                actor=licensee,
                report=report,
                amount=report.amount_due,
                paid_on=end + timedelta(days=20),
                reference=f"BOC-DEMO-R{index}",
            )
