"""Claims: submission (computed by :mod:`apps.subsidies.rules` from the contracts as they stand), the
operator's review and decision, and the disbursement."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts.models import User
from apps.contracts.amounts import paid_technology_amount
from apps.contracts.models import Contract, Registration, RegistrationStatus
from apps.contracts.selectors import market_today, paid_subquery
from apps.core.errors import ApplicationError
from apps.core.lifecycle import Lifecycle, Transition
from apps.notifications.services import notify
from apps.organizations.access import require_operator, resolve_owner
from apps.organizations.models import Membership, Organization
from apps.subsidies.errors import SubsidyError
from apps.subsidies.models import (
    ClaimedContract,
    ClaimStatus,
    Disbursement,
    SubsidyClaim,
    SubsidyRound,
)
from apps.subsidies.rules import ZERO, ContractFacts, compute_claim, parse_rules

S = ClaimStatus
CLAIM_LIFECYCLE = Lifecycle(
    transitions={
        "review": Transition(sources=(S.SUBMITTED,), target=S.UNDER_REVIEW),
        "approve": Transition(sources=(S.UNDER_REVIEW,), target=S.APPROVED),
        "reject": Transition(sources=(S.SUBMITTED, S.UNDER_REVIEW), target=S.REJECTED),
        "disburse": Transition(sources=(S.APPROVED,), target=S.DISBURSED),
    },
    error_code=SubsidyError.BAD_TRANSITION,
    message=gettext_lazy("A claim that is %(status)s cannot do this."),
    labels=ClaimStatus,
)
# Claims that hold their amount against the per-enterprise cap and the round's budget.
HOLDING = (S.SUBMITTED, S.UNDER_REVIEW, S.APPROVED, S.DISBURSED)
MAX_CONTRACTS = 50


def contract_facts(*, contracts: Iterable[Contract], claimant_role: str) -> list[ContractFacts]:
    """What the rules need of each contract: registered or not, the paid technology amount (on the
    recognised amounts when registered) and where the claimant and the other party are."""
    ids = [c.pk for c in contracts]
    registered = Registration.objects.filter(contract_id=OuterRef("pk"), status=RegistrationStatus.REGISTERED)
    rows = (
        Contract.objects.filter(pk__in=ids)
        .annotate(
            paid=paid_subquery(),
            is_registered=Exists(registered),
            recognised_contract=Subquery(registered.values("recognised_contract_amount")[:1]),
            recognised_technology=Subquery(registered.values("recognised_technology_amount")[:1]),
        )
        .order_by("signed_on", "pk")
    )
    facts = []
    other = "seller" if claimant_role == "buyer" else "buyer"
    for row in rows:
        contract_amount = row.recognised_contract or row.contract_amount
        technology = row.recognised_technology if row.recognised_technology is not None else row.technology_amount
        base = paid_technology_amount(paid=row.paid, contract_amount=contract_amount, technology_amount=technology)
        facts.append(
            ContractFacts(
                contract_id=row.pk,
                contract_type=row.type,
                registered=row.is_registered,
                paid_technology_amount=base,
                claimant_region=getattr(row, f"{claimant_role}_region_id"),
                counterparty_region=getattr(row, f"{other}_region_id"),
                counterparty_country=getattr(row, f"{other}_country_id"),
            )
        )
    return facts


def _held_this_year(*, enterprise_id: int, policy_name: str, year: int) -> Decimal:
    total = SubsidyClaim.objects.filter(
        enterprise_id=enterprise_id, policy__name=policy_name, year=year, status__in=HOLDING
    ).aggregate(total=Sum(Coalesce("approved_amount", "computed_amount")))["total"]
    return total or ZERO


@transaction.atomic
def claim_submit(
    *,
    actor: User,
    round: SubsidyRound,
    contract_ids: list[int],
    enterprise_id: int | None = None,
    new_sales_revenue: Decimal | None = None,
) -> SubsidyClaim:
    """An enterprise claims the subsidy on some of its contracts in an open round. The amount is computed
    now, under the round's policy version, and kept with its breakdown."""
    enterprise = resolve_owner(
        actor=actor,
        owner_id=enterprise_id,
        required_message=_("Say which of your organisations claims (enterprise_id)."),
        not_member_message=_("You can only claim for an organisation you belong to."),
    )
    # One claim at a time per enterprise: the yearly cap counts what its other claims hold.
    Organization.objects.select_for_update().filter(pk=enterprise.pk).first()
    today = market_today()
    if not round.opens_on <= today <= round.closes_on:
        raise ApplicationError(
            _("This round takes claims from %(opens)s to %(closes)s.")
            % {"opens": round.opens_on, "closes": round.closes_on},
            code=SubsidyError.ROUND_CLOSED,
            status=409,
        )
    wanted = list(dict.fromkeys(contract_ids))
    if not wanted or len(wanted) > MAX_CONTRACTS:
        raise ApplicationError(
            _("Claim between 1 and %(max)s contracts.") % {"max": MAX_CONTRACTS},
            code=SubsidyError.NO_CONTRACTS,
            field_errors={"contract_ids": _("Empty or too many.")},
        )
    policy = round.policy
    rules = parse_rules(policy.rules)
    if rules.max_contracts_per_claim is not None and len(wanted) > rules.max_contracts_per_claim:
        raise ApplicationError(
            _("This policy takes at most %(max)s contract(s) per claim.") % {"max": rules.max_contracts_per_claim},
            code=SubsidyError.TOO_MANY_CONTRACTS,
            field_errors={"contract_ids": _("Too many for this policy.")},
        )
    if rules.cap_by_new_sales_revenue and new_sales_revenue is None:
        raise ApplicationError(
            _("This policy caps a claim by the new sales revenue of the year: declare it (new_sales_revenue)."),
            code=SubsidyError.REVENUE_REQUIRED,
            field_errors={"new_sales_revenue": _("Required by this policy.")},
        )
    party = Q(buyer_id=enterprise.pk) if rules.claimant_role == "buyer" else Q(seller_id=enterprise.pk)
    contracts = list(Contract.objects.filter(party, pk__in=wanted))
    missing = sorted(set(wanted) - {c.pk for c in contracts})
    if missing:
        role = _("buyer") if rules.claimant_role == "buyer" else _("seller")
        raise ApplicationError(
            _("Under this policy the %(role)s claims: these contracts are unknown or not yours as %(role)s: %(ids)s.")
            % {"role": role, "ids": ", ".join(map(str, missing))},
            code=SubsidyError.NOT_CLAIMANT,
            field_errors={"contract_ids": _("Not the claimant's contracts.")},
            extra={"contract_ids": missing},
        )
    taken = sorted(
        ClaimedContract.objects.filter(policy_name=policy.name, contract_id__in=wanted, active=True).values_list(
            "contract_id", flat=True
        )
    )
    if taken:
        raise _already_claimed(taken)
    held = _held_this_year(enterprise_id=enterprise.pk, policy_name=policy.name, year=round.opens_on.year)
    computed = compute_claim(
        rules,
        contract_facts(contracts=contracts, claimant_role=rules.claimant_role),
        already_granted_this_year=held,
        new_sales_revenue=new_sales_revenue,
    )
    breakdown: dict[str, Any] = {
        "policy": {"id": policy.pk, "name": policy.name, "version": policy.version, "rules": policy.rules},
        "already_granted_this_year": f"{held:.2f}",
        "declared_new_sales_revenue": None if new_sales_revenue is None else f"{new_sales_revenue:.2f}",
        "enterprise_cap_remaining_before": None
        if computed.enterprise_cap_remaining_before is None
        else f"{computed.enterprise_cap_remaining_before:.2f}",
        "lines": [line.as_data() for line in computed.lines],
        "total": f"{computed.total:.2f}",
    }
    if computed.total <= 0:
        raise ApplicationError(
            _("None of these contracts qualifies for a subsidy under this policy."),
            code=SubsidyError.NOTHING_ELIGIBLE,
            extra={"breakdown": breakdown},
        )
    claim = SubsidyClaim.objects.create(
        round=round,
        policy=policy,
        enterprise=enterprise,
        year=round.opens_on.year,
        computed_amount=computed.total,
        breakdown=breakdown,
        submitted_by=actor,
    )
    try:
        with transaction.atomic():
            ClaimedContract.objects.bulk_create(
                ClaimedContract(claim=claim, contract_id=line.contract_id, policy_name=policy.name, amount=line.amount)
                for line in computed.lines
                if line.amount > 0
            )
    except IntegrityError:
        raced = sorted(
            ClaimedContract.objects.filter(policy_name=policy.name, contract_id__in=wanted, active=True).values_list(
                "contract_id", flat=True
            )
        )
        raise _already_claimed(raced) from None
    return claim


def _already_claimed(ids: list[int]) -> ApplicationError:
    return ApplicationError(
        _("Already claimed under this policy: %(ids)s.") % {"ids": ", ".join(map(str, ids))},
        code=SubsidyError.ALREADY_CLAIMED,
        status=409,
        extra={"contract_ids": ids},
    )


def _operator(actor: User) -> None:
    require_operator(actor, _("Subsidy policies, rounds and decisions are the market operator's."))


def _tell_enterprise(claim: SubsidyClaim, title: Any) -> None:
    members = [m.user for m in Membership.objects.filter(organization_id=claim.enterprise_id).select_related("user")]
    if members:
        notify(recipients=members, kind="subsidies.claim_decided", title=title, body=claim.decision_note, target=claim)


@transaction.atomic
def claim_start_review(*, actor: User, claim: SubsidyClaim) -> SubsidyClaim:
    _operator(actor)
    CLAIM_LIFECYCLE.move(model=SubsidyClaim, pk=claim.pk, action="review")
    return SubsidyClaim.objects.get(pk=claim.pk)


@transaction.atomic
def claim_decide(
    *, actor: User, claim: SubsidyClaim, decision: str, approved_amount: Decimal | None = None, note: str = ""
) -> SubsidyClaim:
    """Approve (the computed amount, or less with a reason, within the round's budget) or reject (with a
    reason; the contracts may then be claimed again)."""
    _operator(actor)
    locked = SubsidyClaim.objects.select_for_update().select_related("round").get(pk=claim.pk)
    CLAIM_LIFECYCLE.check(locked.status, decision)
    note = note.strip()
    if decision == "reject":
        if not note:
            raise ApplicationError(
                _("Say why the claim is rejected."),
                code=SubsidyError.REASON_REQUIRED,
                field_errors={"note": _("Required.")},
            )
        CLAIM_LIFECYCLE.move(
            model=SubsidyClaim,
            pk=locked.pk,
            action="reject",
            decision_note=note,
            decided_by_id=actor.pk,
            decided_at=timezone.now(),
        )
        ClaimedContract.objects.filter(claim=locked).update(active=False)
        decided = SubsidyClaim.objects.get(pk=locked.pk)
        _tell_enterprise(decided, gettext_lazy("Your subsidy claim was rejected"))
        return decided
    amount = locked.computed_amount if approved_amount is None else approved_amount
    if amount > locked.computed_amount or amount <= 0:
        raise ApplicationError(
            _("The approved amount must be more than zero and at most the computed ¥%(amount)s.")
            % {"amount": f"{locked.computed_amount:,.2f}"},
            code=SubsidyError.AMOUNT_TOO_HIGH,
            field_errors={"approved_amount": _("Out of range.")},
        )
    if amount < locked.computed_amount and not note:
        raise ApplicationError(
            _("Say why the approved amount is less than the computed one."),
            code=SubsidyError.REASON_REQUIRED,
            field_errors={"note": _("Required when the amount is reduced.")},
        )
    # The round's budget, under its row lock so two approvals cannot both fit the last yuan.
    budget_round = SubsidyRound.objects.select_for_update().get(pk=locked.round_id)
    committed = (
        SubsidyClaim.objects.filter(round=budget_round, status__in=(S.APPROVED, S.DISBURSED)).aggregate(
            total=Sum("approved_amount")
        )["total"]
        or ZERO
    )
    if committed + amount > budget_round.budget:
        raise ApplicationError(
            _("The round's budget of ¥%(budget)s would be exceeded (¥%(committed)s already approved).")
            % {"budget": f"{budget_round.budget:,.2f}", "committed": f"{committed:,.2f}"},
            code=SubsidyError.BUDGET_EXCEEDED,
            status=409,
            extra={"budget": f"{budget_round.budget:.2f}", "committed": f"{committed:.2f}"},
        )
    CLAIM_LIFECYCLE.move(
        model=SubsidyClaim,
        pk=locked.pk,
        action="approve",
        approved_amount=amount,
        decision_note=note,
        decided_by_id=actor.pk,
        decided_at=timezone.now(),
    )
    decided = SubsidyClaim.objects.get(pk=locked.pk)
    _tell_enterprise(decided, gettext_lazy("Your subsidy claim was approved"))
    return decided


@transaction.atomic
def claim_disburse(
    *, actor: User, claim: SubsidyClaim, paid_on: date, reference: str, amount: Decimal | None = None
) -> Disbursement:
    """Record the payment of an approved claim: the approved amount, once."""
    _operator(actor)
    locked = SubsidyClaim.objects.select_for_update().get(pk=claim.pk)
    CLAIM_LIFECYCLE.check(locked.status, "disburse")
    if amount is not None and amount != locked.approved_amount:
        raise ApplicationError(
            _("The disbursement pays the approved amount, ¥%(amount)s.") % {"amount": f"{locked.approved_amount:,.2f}"},
            code=SubsidyError.DISBURSEMENT_AMOUNT,
            field_errors={"amount": _("Not the approved amount.")},
        )
    if paid_on > market_today():
        raise ApplicationError(
            _("The payment date is in the future."),
            code=SubsidyError.DATE_IN_FUTURE,
            field_errors={"paid_on": _("After today.")},
        )
    try:
        with transaction.atomic():
            disbursement = Disbursement.objects.create(
                claim=locked, amount=locked.approved_amount, paid_on=paid_on, reference=reference, recorded_by=actor
            )
    except IntegrityError:
        raise ApplicationError(
            _("Payment reference %(reference)s is already recorded.") % {"reference": reference},
            code=SubsidyError.REFERENCE_TAKEN,
            status=409,
            field_errors={"reference": _("Already recorded.")},
        ) from None
    CLAIM_LIFECYCLE.move(model=SubsidyClaim, pk=locked.pk, action="disburse")
    return disbursement
