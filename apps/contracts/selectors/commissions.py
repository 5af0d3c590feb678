"""Reads of brokers' commissions on the contracts of the deals they broker."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Exists, OuterRef, QuerySet

from apps.brokers.commission import CommissionTerms, commission_due
from apps.brokers.models import Broker, Introduction
from apps.contracts import amounts
from apps.contracts.models import (
    Contract,
)
from apps.contracts.selectors.contracts import paid_subquery
from apps.deals.models import DealParticipant, ParticipantRole


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
        .annotate(paid_amount=paid_subquery())
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
