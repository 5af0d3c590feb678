"""The demo's post-subsidy round (后补助): a policy version in force, an open round, and one claim on a paid,
registered demo contract, approved and disbursed, all through the subsidies services. Idempotent by names."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Q

from apps.accounts.models import User
from apps.contracts.models import Contract, RegistrationStatus
from apps.core.errors import ApplicationError
from apps.subsidies.models import PolicyStatus, SubsidyClaim, SubsidyPolicy, SubsidyRound
from apps.subsidies.services import (
    claim_decide,
    claim_disburse,
    claim_start_review,
    claim_submit,
    policy_activate,
    policy_create,
    round_create,
)

POLICY_NAME = "柳州市技术交易后补助（演示）"
POLICY_VERSION = "2026-01"
ROUND_NAME = "2026年度技术交易后补助（演示）"
RULES = {
    "claimant_role": "buyer",
    "shares": {"transfer": "0.10", "development": "0.05", "licence": "0.05"},
    "min_paid_technology_amount": "100000.00",
    "cap_per_contract": "500000.00",
    "cap_per_enterprise_year": "1000000.00",
    "require_registered": True,
    "claimant_region_prefixes": ["4502"],
    "counterparty_location": "any",
    "city_region_prefix": "4502",
}


def load_subsidies(
    *, operator: User, member_of: Callable[[int], User | None], today: date, progress: Callable[..., None]
) -> None:
    policy = SubsidyPolicy.objects.filter(name=POLICY_NAME, version=POLICY_VERSION).first()
    created = policy is None
    if policy is None:
        policy = policy_create(
            actor=operator,
            name=POLICY_NAME,
            version=POLICY_VERSION,
            effective_from=date(today.year, 1, 1),
            effective_until=date(today.year + 1, 12, 31),
            rules=RULES,
            source="演示数据，仿南宁、广西技术交易后补助办法",
        )
    if policy.status == PolicyStatus.DRAFT:
        policy = policy_activate(actor=operator, policy=policy)
    progress("subsidy round", f"{POLICY_NAME} {POLICY_VERSION}", created=created, count=0)
    subsidy_round = SubsidyRound.objects.filter(name=ROUND_NAME).first()
    created = subsidy_round is None
    if subsidy_round is None:
        subsidy_round = round_create(
            actor=operator,
            policy=policy,
            name=ROUND_NAME,
            opens_on=max(today - timedelta(days=30), policy.effective_from),
            closes_on=today + timedelta(days=60),
            budget=Decimal("5000000.00"),
        )
    progress("subsidy round", ROUND_NAME, created=created)
    if SubsidyClaim.objects.filter(round=subsidy_round).exists():
        return
    # The first registered transfer or development contract whose buyer is a Liuzhou organisation.
    candidates = Contract.objects.filter(
        Q(type="transfer") | Q(type="development"),
        buyer__isnull=False,
        buyer_region__code__startswith="4502",
        registrations__status=RegistrationStatus.REGISTERED,
    ).order_by("signed_on", "pk")
    for contract in candidates[:20]:
        buyer_user = member_of(contract.buyer_id)  # type: ignore[arg-type]
        if buyer_user is None:
            continue
        try:
            claim = claim_submit(
                actor=buyer_user, round=subsidy_round, contract_ids=[contract.pk], enterprise_id=contract.buyer_id
            )
        except ApplicationError:  # a contract the rules refuse (unpaid, below the threshold …): try the next
            continue
        claim_start_review(actor=operator, claim=claim)
        claim = claim_decide(actor=operator, claim=claim, decision="approve", note="演示：材料齐全，全额批准。")
        claim_disburse(actor=operator, claim=claim, paid_on=today, reference=f"DEMO-SUBSIDY-{claim.pk}")
        progress("subsidy round", f"{contract.title}: ¥{claim.approved_amount:,.2f}", created=True, count=0)
        return
