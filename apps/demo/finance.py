"""The demo's technology finance (科技金融): qualification tags, institutions' products, enterprises'
requests and applications (one approved and disbursed, one waiting), and the city's risk pool with
the disbursed loan enrolled. Created through the services, after the market (patents exist by then).
Idempotent: what exists already (by product name, by the enterprise's open request) is left alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from apps.accounts.models import User
from apps.demo.data import DEMO_EMAIL_DOMAIN, ORGANIZATIONS_BY_KEY
from apps.finance import services
from apps.finance.models import FinancialProduct, FinancingRequest, RiskPool
from apps.ip.models import IPAsset
from apps.organizations.models import Organization, QualificationTag
from apps.organizations.services import qualification_submit, qualification_verify

OPERATOR = "wei.lihua"
BANKER = "wei.jun"
INVESTOR = "ban.tao"


@dataclass(frozen=True)
class DemoTag:
    owner: str
    kind: str
    number: str
    from_days: int  # valid from today + from_days (negative: in the past)
    until_days: int


DEMO_TAGS: tuple[DemoTag, ...] = (
    DemoTag("auto_parts", "tech_sme", "2026450202A0000101", -240, 125),
    DemoTag("machinery", "high_tech_enterprise", "GR202445000321", -700, 395),
    DemoTag("machinery", "tech_sme", "2026450205A0000207", -240, 125),
    # Expired: the enterprise must renew before a tech_sme rule admits it again.
    DemoTag("steel", "tech_sme", "2025450206A0000033", -600, -235),
)

IP_PLEDGE_RULES = [
    {"rule": "granted_patents_min", "count": 1},
    {"rule": "pledgeable_asset_required"},
    {"rule": "region_in", "codes": ["450200"]},
]

DEMO_PRODUCTS: tuple[dict[str, Any], ...] = (
    {
        "institution": "bank",
        "by": BANKER,
        "name": "示例银行知识产权质押贷",
        "kind": "ip_pledge_loan",
        "description": "以已授权、年费已缴、未质押的专利质押，质押率最高50%。",
        "min_amount": "100000.00",
        "max_amount": "10000000.00",
        "min_term_months": 6,
        "max_term_months": 36,
        "min_rate": "3.200",
        "max_rate": "4.500",
        "eligibility_rules": IP_PLEDGE_RULES,
    },
    {
        "institution": "bank",
        "by": BANKER,
        "name": "示例银行科创贷",
        "kind": "sci_tech_loan",
        "description": "面向入库科技型中小企业的信用贷款，纳入市风险补偿资金池。",
        "min_amount": "100000.00",
        "max_amount": "3000000.00",
        "min_term_months": 6,
        "max_term_months": 24,
        "min_rate": "3.450",
        "max_rate": "4.350",
        "eligibility_rules": [{"rule": "qualification", "kind": "tech_sme"}],
    },
    {
        "institution": "investor",
        "by": INVESTOR,
        "name": "示例创投投贷联动计划",
        "kind": "investment_loan_linkage",
        "description": "股权投资与合作银行贷款联动，适用于高新技术企业。",
        "min_amount": "2000000.00",
        "max_amount": "20000000.00",
        "min_term_months": 12,
        "max_term_months": 60,
        "min_rate": "0.000",
        "max_rate": "4.000",
        "eligibility_rules": [
            {"rule": "qualification", "kind": "high_tech_enterprise"},
            {"rule": "granted_patents_min", "count": 2},
        ],
    },
)


def _user(local: str) -> User:
    return User.objects.get(email=f"{local}@{DEMO_EMAIL_DOMAIN}")


def _org(key: str) -> Organization:
    return Organization.objects.get(credit_code=ORGANIZATIONS_BY_KEY[key].credit_code)


def _admin(key: str) -> User:
    from apps.demo.market import ACTING_PERSON

    return _user(ACTING_PERSON[key])


def load_finance(*, each: Callable[[Any, Callable[[Any], None]], None], progress: Callable[..., None]) -> None:
    """``each(items, make)`` runs each item in its own savepoint; ``progress(kind, label, created=)`` reports."""
    today = timezone.localdate()
    operator = _user(OPERATOR)

    def tag(demo: DemoTag) -> None:
        owner = _org(demo.owner)
        if QualificationTag.objects.filter(organization=owner, certificate_number=demo.number).exists():
            progress("finance", f"{demo.kind} {owner.short_name}", created=False)
            return
        created = qualification_submit(
            actor=_admin(demo.owner),
            organization=owner,
            kind=demo.kind,
            certificate_number=demo.number,
            valid_from=today + timedelta(days=demo.from_days),
            valid_until=today + timedelta(days=demo.until_days),
            evidence="示例：广西科技厅公示名单（演示）",
        )
        qualification_verify(actor=operator, tag=created, approve=True)
        progress("finance", f"{demo.kind} {owner.short_name}", created=True)

    def product(demo: dict[str, Any]) -> None:
        if FinancialProduct.objects.filter(name=demo["name"]).exists():
            progress("finance", demo["name"], created=False)
            return
        values = {k: v for k, v in demo.items() if k not in ("institution", "by")}
        for key in ("min_amount", "max_amount", "min_rate", "max_rate"):
            values[key] = Decimal(values[key])
        actor = _user(demo["by"])
        made = services.product_create(actor=actor, institution=_org(demo["institution"]), **values)
        services.product_publish(actor=actor, product=made)
        progress("finance", demo["name"], created=True)

    def flows(_item: Any) -> None:
        machinery = _org("machinery")
        if FinancingRequest.objects.filter(enterprise=machinery).exists():
            progress("finance", "financing requests", created=False)
            return
        owner = _admin("machinery")
        patent = IPAsset.objects.filter(owner=machinery, title="一种电动装载机能量回收控制方法").first()
        request = services.request_create(
            actor=owner,
            enterprise_id=machinery.pk,
            amount=Decimal("3000000.00"),
            term_months=24,
            purpose="电动装载机能量回收系统量产线技改",
            kind="ip_pledge_loan",
            collateral_ids=[patent.pk] if patent else [],
        )
        banker = _user(BANKER)
        pledge_loan = FinancialProduct.objects.get(name="示例银行知识产权质押贷")
        application = services.application_submit(actor=owner, request=request, product=pledge_loan)
        services.application_review(actor=banker, application=application)
        services.application_approve(
            actor=banker,
            application=application,
            amount=Decimal("2500000.00"),
            rate=Decimal("3.650"),
            term_months=24,
            note="专利评估值500万元，质押率50%。",
        )
        services.application_disburse(
            actor=banker, application=application, amount=Decimal("2500000.00"), disbursed_on=today - timedelta(days=20)
        )
        pool = RiskPool.objects.filter(name="柳州市科技金融风险补偿资金池").first()
        if pool is None:
            pool = services.pool_create(
                actor=operator,
                name="柳州市科技金融风险补偿资金池",
                region_code="450200",
                pool_share=Decimal("40.00"),
                bank_share=Decimal("40.00"),
                guarantor_share=Decimal("20.00"),
            )
            services.pool_contribute(
                actor=operator,
                pool=pool,
                amount=Decimal("20000000.00"),
                posted_on=today - timedelta(days=90),
                memo="市级财政注资（演示）",
            )
        enrolment = services.enrolment_request(
            actor=banker, application=application, pool=pool, guarantor_id=_org("guarantor").pk
        )
        services.enrolment_decide(actor=operator, enrolment=enrolment, approve=True, note="符合入池条件")

        auto_parts = _admin("auto_parts")
        waiting = services.request_create(
            actor=auto_parts,
            enterprise_id=_org("auto_parts").pk,
            amount=Decimal("1000000.00"),
            term_months=12,
            purpose="轻量化副车架研发流动资金",
            kind="sci_tech_loan",
        )
        services.application_submit(
            actor=auto_parts, request=waiting, product=FinancialProduct.objects.get(name="示例银行科创贷")
        )
        progress("finance", "financing requests and applications", created=True, count=2)

    each(DEMO_TAGS, tag)
    each(DEMO_PRODUCTS, product)
    each([None], flows)
