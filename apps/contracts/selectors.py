"""Reads of contracts, payments and registrations, always scoped to the acting user.

Who sees a contract: members of the buyer and seller organisations, the brokers taking part in its
deal, and the operator; anyone else gets a 404. Registrations are seen by those who see the contract.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import DecimalField, Exists, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from apps.brokers.commission import CommissionTerms, commission_due
from apps.brokers.models import Broker, Introduction
from apps.contracts import amounts
from apps.contracts.models import (
    Contract,
    Deduction,
    Payment,
    PaymentMilestone,
    Registration,
    RegistrationEvent,
    RegistrationStatus,
    RuleSet,
    WorkingDayException,
)
from apps.contracts.workdays import Exceptions
from apps.core.history import tracked_events
from apps.deals.models import DealParticipant, ParticipantRole
from apps.organizations.selectors import is_operator, organization_ids

SHANGHAI = ZoneInfo("Asia/Shanghai")


def market_today() -> date:
    """Today in Asia/Shanghai (signing dates, deadlines and payment dates are dates there)."""
    return timezone.now().astimezone(SHANGHAI).date()


def start_of_day(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=SHANGHAI)


# --- contracts ---------------------------------------------------------------------------------


def _actor_id(actor: Any) -> int:
    return int(getattr(actor, "pk", None) or 0)


def _brokered_by(actor: Any) -> Exists:
    return Exists(
        DealParticipant.objects.filter(
            deal_id=OuterRef("deal_id"), role=ParticipantRole.BROKER, broker__user_id=_actor_id(actor)
        )
    )


def _paid_subquery() -> Coalesce:
    paid = (
        Payment.objects.filter(contract_id=OuterRef("pk"))
        .order_by()
        .values("contract_id")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return Coalesce(
        Subquery(paid, output_field=DecimalField(max_digits=16, decimal_places=2)),
        Value(Decimal("0.00")),
        output_field=DecimalField(max_digits=16, decimal_places=2),
    )


def _registration_status_subquery() -> Subquery:
    latest = Registration.objects.filter(contract_id=OuterRef("pk")).order_by("-id").values("status")[:1]
    return Subquery(latest)


def contract_visible_qs(actor: Any) -> QuerySet[Contract]:
    qs = Contract.objects.all()
    if is_operator(actor):
        return qs
    orgs = organization_ids(actor)
    return qs.filter(Q(buyer_id__in=orgs) | Q(seller_id__in=orgs) | _brokered_by(actor))


def _with_related(qs: QuerySet[Contract]) -> QuerySet[Contract]:
    return (
        qs.select_related("buyer", "seller", "technology_field")
        .prefetch_related("deductions")
        .annotate(paid_amount=_paid_subquery(), registration_status=_registration_status_subquery())
    )


def contract_list(*, actor: Any, filters: dict[str, Any] | None = None) -> QuerySet[Contract]:
    qs = _with_related(contract_visible_qs(actor))
    filters = filters or {}
    for name in ("type", "legacy_class", "subtype", "programme_class", "ip_type", "is_import"):
        if filters.get(name) not in (None, ""):
            qs = qs.filter(**{name: filters[name]})
    if filters.get("deal"):
        qs = qs.filter(deal_id=filters["deal"])
    if filters.get("organization"):
        qs = qs.filter(Q(buyer_id=filters["organization"]) | Q(seller_id=filters["organization"]))
    if filters.get("signed_from"):
        qs = qs.filter(signed_on__gte=filters["signed_from"])
    if filters.get("signed_to"):
        qs = qs.filter(signed_on__lte=filters["signed_to"])
    return qs


def access_contract(*, actor: Any, pk: int) -> Contract:
    try:
        return _with_related(contract_visible_qs(actor)).get(pk=pk)
    except (Contract.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def is_contract_party(*, actor: Any, contract: Contract) -> bool:
    orgs = organization_ids(actor)
    return contract.buyer_id in orgs or contract.seller_id in orgs


def is_contract_broker(*, actor: Any, contract: Contract) -> bool:
    if contract.deal_id is None:
        return False
    return DealParticipant.objects.filter(
        deal_id=contract.deal_id, role=ParticipantRole.BROKER, broker__user_id=_actor_id(actor)
    ).exists()


def deduction_list(*, contract: Contract) -> QuerySet[Deduction]:
    # ``contract`` came from access_contract, so the actor may see it.
    return Deduction.objects.filter(contract=contract).order_by("id")


def milestone_list(*, contract: Contract) -> QuerySet[PaymentMilestone]:
    return PaymentMilestone.objects.filter(contract=contract).annotate(
        paid_amount=Coalesce(
            Sum("payments__amount"),
            Value(Decimal("0.00")),
            output_field=DecimalField(max_digits=16, decimal_places=2),
        )
    )


def payment_list(*, contract: Contract) -> QuerySet[Payment]:
    return Payment.objects.filter(contract=contract)


def paid_total(*, contract_id: int) -> Decimal:
    total = Payment.objects.filter(contract_id=contract_id).aggregate(total=Sum("amount"))["total"]
    return total or Decimal("0.00")


def contract_history(*, contract: Contract) -> QuerySet[Any]:
    """Every tracked change of the contract, its deductions, milestones, payments and registrations
    (and their events), oldest first, each with the acting user and URL in ``pgh_context``."""
    return tracked_events(
        contract,
        "contracts.ContractEvent",
        "contracts.DeductionEvent",
        "contracts.PaymentMilestoneEvent",
        "contracts.PaymentEvent",
        "contracts.RegistrationHistoryEvent",
        "contracts.RegistrationEventHistoryEvent",
    )


# --- registration ------------------------------------------------------------------------------


def rule_set_in_force(*, on: date) -> RuleSet | None:
    """The registration rules in force on ``on``: the latest effective on or before it."""
    return RuleSet.objects.filter(effective_from__lte=on).order_by("-effective_from").first()


def calendar_exceptions(*, start: date, end: date) -> Exceptions:
    """{date: is_working_day} of the calendar's exceptions between ``start`` and ``end``."""
    rows = WorkingDayException.objects.filter(date__gte=start, date__lte=end).values_list("date", "is_working_day")
    return dict(rows)


def calendar_years() -> set[int]:
    """The years the calendar has holidays for (every year has some, so a year without rows is missing)."""
    return {d.year for d in WorkingDayException.objects.dates("date", "year")}


def registration_visible_qs(actor: Any) -> QuerySet[Registration]:
    qs = Registration.objects.select_related("contract", "applicant", "rule_set")
    if is_operator(actor):
        return qs
    return qs.filter(contract__in=contract_visible_qs(actor))


def registration_list(*, actor: Any, filters: dict[str, Any] | None = None) -> QuerySet[Registration]:
    qs = registration_visible_qs(actor)
    filters = filters or {}
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("contract"):
        qs = qs.filter(contract_id=filters["contract"])
    if filters.get("overdue") is True:
        qs = qs.filter(status=RegistrationStatus.APPLIED, deadline__lt=market_today())
    elif filters.get("overdue") is False:
        qs = qs.exclude(status=RegistrationStatus.APPLIED, deadline__lt=market_today())
    return qs


def access_registration(*, actor: Any, pk: int) -> Registration:
    try:
        return registration_visible_qs(actor).get(pk=pk)
    except (Registration.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def registration_event_list(*, registration: Registration) -> QuerySet[RegistrationEvent]:
    return RegistrationEvent.objects.filter(registration=registration).select_related("actor").order_by("id")


# --- commissions -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CommissionLine:
    """One contract a broker took part in, with what its payments earned the broker so far."""

    contract: Contract
    introduction: Introduction | None
    paid_amount: Decimal
    paid_technology_amount: Decimal
    commission: Decimal


def broker_commission_contracts(*, broker: Broker) -> QuerySet[Contract]:
    """Contracts of deals ``broker`` takes part in, newest first, with the paid amount annotated."""
    taking_part = DealParticipant.objects.filter(
        deal_id=OuterRef("deal_id"), role=ParticipantRole.BROKER, broker_id=broker.pk
    )
    return (
        Contract.objects.filter(Exists(taking_part))
        .select_related("deal")
        .annotate(paid_amount=_paid_subquery())
        .order_by("-id")
    )


def broker_commission_lines(*, broker: Broker, contracts: list[Contract]) -> list[CommissionLine]:
    """The commission on each of ``contracts`` under the broker's introduction of its two parties.

    The introduction that counts is the deal's own when it is the broker's; otherwise the broker's
    latest introduction of the same two parties recorded before the contract. A contract with neither
    earns nothing (``introduction`` None). One query for the introductions, whatever the page size.
    """
    if not contracts:
        return []
    party_ids = {pk for c in contracts for pk in (c.buyer_id, c.seller_id) if pk is not None}
    intros = list(
        Introduction.objects.filter(broker=broker, party_a_id__in=party_ids, party_b_id__in=party_ids).order_by(
            "-created_at", "-id"
        )
    )
    lines = []
    for contract in contracts:
        chosen = None
        deal_intro_id = contract.deal.introduction_id if contract.deal is not None else None
        pair = {contract.buyer_id, contract.seller_id}
        for intro in intros:
            if intro.pk == deal_intro_id:
                chosen = intro
                break
        if chosen is None:
            chosen = next(
                (i for i in intros if {i.party_a_id, i.party_b_id} == pair and i.created_at <= contract.created_at),
                None,
            )
        paid = getattr(contract, "paid_amount", None) or Decimal("0.00")
        paid_technology = amounts.paid_technology_amount(
            paid=paid, contract_amount=contract.contract_amount, technology_amount=contract.technology_amount
        )
        commission = amounts.ZERO
        if chosen is not None:
            terms = CommissionTerms(
                rate=chosen.commission_rate, fixed=chosen.commission_fixed, cap=chosen.commission_cap
            )
            commission = commission_due(terms=terms, paid_technology=paid_technology)
        lines.append(
            CommissionLine(
                contract=contract,
                introduction=chosen,
                paid_amount=paid,
                paid_technology_amount=paid_technology,
                commission=commission,
            )
        )
    return lines


def bypass_window_start(*, signed_on: date) -> datetime:
    return start_of_day(signed_on) - timedelta(days=settings.CONTRACT_BYPASS_WINDOW_DAYS)
