"""Reads of settlement, after-deal tracking, royalties and revenue sharing, scoped to the acting user.

What hangs off a contract is seen by whoever sees the contract (its parties, its deal's brokers, the
operator: :func:`apps.contracts.selectors.access_contract`, else 404). A university's schemes and
allocation reports are seen by its admins only (others 404); a researcher with an account sees the
allocations made to them. The market-wide reconciliation is the operator's (403 otherwise).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Case, DecimalField, F, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce
from django.http import Http404

from apps.contracts.models import Contract, Payment
from apps.contracts.selectors import contract_visible_qs
from apps.organizations.access import Actor, admin_organization_ids, require_operator
from apps.organizations.models import Organization
from apps.settlement import ledger
from apps.settlement.models import (
    DistributionScheme,
    EscrowMilestone,
    Implementation,
    ImplementationReport,
    IncomeAllocation,
    Posting,
    PostingKind,
    PostingLine,
    RoyaltyReport,
    RoyaltyTerm,
)

_MONEY = DecimalField(max_digits=16, decimal_places=2)
ZERO = Decimal("0.00")


def _sum(expression: Any) -> Coalesce:
    return Coalesce(Sum(expression), Value(ZERO), output_field=_MONEY)


# --- escrow -------------------------------------------------------------------------------------------


def _with_escrow_figures(qs: QuerySet[EscrowMilestone]) -> QuerySet[EscrowMilestone]:
    signed = Case(When(postings__kind=PostingKind.DEPOSIT, then=F("postings__amount")), default=-F("postings__amount"))
    deposited = Case(When(postings__kind=PostingKind.DEPOSIT, then=F("postings__amount")), default=Value(ZERO))
    return qs.annotate(held=_sum(signed), deposited=_sum(deposited))


def escrow_milestone_list(*, contract: Contract) -> QuerySet[EscrowMilestone]:
    return _with_escrow_figures(EscrowMilestone.objects.filter(contract=contract)).order_by("due_on", "id")


def access_escrow_milestone(*, actor: Actor, pk: int) -> EscrowMilestone:
    visible = contract_visible_qs(actor).values("pk")
    try:
        return _with_escrow_figures(EscrowMilestone.objects.filter(contract_id__in=visible)).get(pk=pk)
    except EscrowMilestone.DoesNotExist:
        raise Http404 from None


def escrow_figures(*, pk: int) -> EscrowMilestone:
    return _with_escrow_figures(EscrowMilestone.objects.filter(pk=pk)).get()


def posting_list(*, contract: Contract) -> QuerySet[Posting]:
    return Posting.objects.filter(contract=contract).prefetch_related("lines").order_by("id")


@dataclass
class Reconciliation:
    """Escrow and payments side by side; ``differences`` lists what does not agree (empty when all does)."""

    contract_id: int | None
    contract_title: str
    deposited: Decimal = ZERO
    held: Decimal = ZERO
    released: Decimal = ZERO
    refunded: Decimal = ZERO
    payments_total: Decimal = ZERO
    payments_from_escrow: Decimal = ZERO
    ledger_balanced: bool = True
    differences: list[str] = field(default_factory=list)


def _figures(
    contract_id: int | None,
    title: str,
    totals: ledger.Totals,
    payments_total: Decimal,
    payments_from_escrow: Decimal,
    balanced: bool,
) -> Reconciliation:
    result = Reconciliation(
        contract_id=contract_id,
        contract_title=title,
        deposited=totals.deposited,
        held=totals.held,
        released=totals.released,
        refunded=totals.refunded,
        payments_total=payments_total,
        payments_from_escrow=payments_from_escrow,
        ledger_balanced=balanced,
    )
    if not balanced:
        result.differences.append("ledger_unbalanced")
    if result.held < 0:
        result.differences.append("escrow_negative")
    if result.released != result.payments_from_escrow:
        result.differences.append("releases_differ_from_payments")
    return result


def contract_reconciliation(*, contract: Contract) -> Reconciliation:
    postings = Posting.objects.filter(contract=contract)
    lines = PostingLine.objects.filter(posting__contract=contract).aggregate(d=_sum("debit"), c=_sum("credit"))
    payments = Payment.objects.filter(contract=contract).aggregate(
        t=_sum("amount"), e=_sum(Case(When(escrow_posting__isnull=False, then=F("amount")), default=Value(ZERO)))
    )
    return _figures(
        contract.pk,
        contract.title,
        ledger.totals(postings.values_list("kind", "amount")),
        payments["t"],
        payments["e"],
        lines["d"] == lines["c"],
    )


def market_reconciliation(*, actor: Actor) -> tuple[Reconciliation, list[Reconciliation]]:
    """The market's totals and one row per contract with escrow postings (the operator only).

    Four grouped queries whatever the number of contracts.
    """
    require_operator(actor)
    rows: dict[int, Reconciliation] = {}
    titles = dict(Contract.objects.filter(postings__isnull=False).distinct().values_list("pk", "title"))
    per_kind: dict[int, list[tuple[str, Decimal]]] = {pk: [] for pk in titles}
    for contract_id, kind, amount in (
        Posting.objects.values("contract_id", "kind").annotate(s=_sum("amount")).values_list("contract_id", "kind", "s")
    ):
        per_kind[contract_id].append((kind, amount))
    sides = {
        contract_id: debit == credit
        for contract_id, debit, credit in PostingLine.objects.values("posting__contract_id")
        .annotate(d=_sum("debit"), c=_sum("credit"))
        .values_list("posting__contract_id", "d", "c")
    }
    paid = {
        contract_id: (total, escrow)
        for contract_id, total, escrow in Payment.objects.filter(contract_id__in=list(titles))
        .values("contract_id")
        .annotate(
            t=_sum("amount"),
            e=_sum(Case(When(escrow_posting__isnull=False, then=F("amount")), default=Value(ZERO))),
        )
        .values_list("contract_id", "t", "e")
    }
    for pk in sorted(titles):
        totals = ledger.totals(per_kind[pk])
        total_paid, escrow_paid = paid.get(pk, (ZERO, ZERO))
        rows[pk] = _figures(pk, titles[pk], totals, total_paid, escrow_paid, sides.get(pk, True))
    market = _figures(
        None,
        "",
        ledger.Totals(
            deposited=sum((r.deposited for r in rows.values()), ZERO),
            released=sum((r.released for r in rows.values()), ZERO),
            refunded=sum((r.refunded for r in rows.values()), ZERO),
        ),
        sum((r.payments_total for r in rows.values()), ZERO),
        sum((r.payments_from_escrow for r in rows.values()), ZERO),
        all(r.ledger_balanced for r in rows.values()),
    )
    return market, list(rows.values())


def account_balances(*, contract: Contract | None = None) -> dict[str, Decimal]:
    lines = PostingLine.objects.all() if contract is None else PostingLine.objects.filter(posting__contract=contract)
    rows = lines.values_list("account", "debit", "credit")
    return ledger.balances(ledger.Line(a, d, c) for a, d, c in rows)


# --- after the deal -------------------------------------------------------------------------------------


def implementation_of(*, contract: Contract) -> Implementation | None:
    return Implementation.objects.filter(contract=contract).first()


def implementation_report_list(*, contract: Contract) -> QuerySet[ImplementationReport]:
    return ImplementationReport.objects.filter(contract=contract).order_by("period_start", "id")


# --- royalties -------------------------------------------------------------------------------------------


def royalty_term_of(*, contract: Contract) -> RoyaltyTerm:
    term = RoyaltyTerm.objects.filter(contract=contract).first()
    if term is None:
        raise Http404
    return term


def royalty_report_list(*, contract: Contract) -> QuerySet[RoyaltyReport]:
    return (
        RoyaltyReport.objects.filter(contract=contract)
        .annotate(paid=_sum("payments__payment__amount"))
        .order_by("period_index")
    )


def access_royalty_report(*, actor: Actor, pk: int) -> RoyaltyReport:
    visible = contract_visible_qs(actor).values("pk")
    try:
        return (
            RoyaltyReport.objects.filter(contract_id__in=visible)
            .select_related("contract")
            .annotate(paid=_sum("payments__payment__amount"))
            .get(pk=pk)
        )
    except RoyaltyReport.DoesNotExist:
        raise Http404 from None


def royalty_report_figures(*, pk: int) -> RoyaltyReport:
    return RoyaltyReport.objects.annotate(paid=_sum("payments__payment__amount")).get(pk=pk)


# --- revenue sharing ---------------------------------------------------------------------------------------


def access_sharing_organization(*, actor: Actor, pk: int) -> Organization:
    """An organisation whose income distribution the actor administers; anyone else gets a 404."""
    if pk not in admin_organization_ids(actor):
        raise Http404
    try:
        return Organization.objects.get(pk=pk)
    except Organization.DoesNotExist:
        raise Http404 from None


def scheme_list(*, organization: Organization) -> QuerySet[DistributionScheme]:
    return DistributionScheme.objects.filter(organization=organization).prefetch_related("shares")


def access_payment_for_split(*, actor: Actor, pk: int) -> Payment:
    """A payment of a contract the actor sees (else 404); the service decides whether they may split it."""
    visible = contract_visible_qs(actor).values("pk")
    try:
        return Payment.objects.select_related("contract").get(pk=pk, contract_id__in=visible)
    except (Payment.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def allocation_report(*, organization: Organization, year: int | None) -> list[dict[str, Any]]:
    """Per beneficiary and year: income allocated (transfer prices and royalties), largest first."""
    qs = IncomeAllocation.objects.filter(organization=organization)
    if year is not None:
        qs = qs.filter(received_on__year=year)
    rows = (
        qs.values("received_on__year", "kind", "name", "user_id")
        .annotate(
            total=_sum("amount"),
            transfer_price=_sum(Case(When(source="transfer_price", then=F("amount")), default=Value(ZERO))),
            royalty=_sum(Case(When(source="royalty", then=F("amount")), default=Value(ZERO))),
        )
        .order_by("received_on__year", "-total", "name")
    )
    return [
        {
            "year": row["received_on__year"],
            "kind": row["kind"],
            "name": row["name"],
            "user_id": row["user_id"],
            "total": row["total"],
            "transfer_price": row["transfer_price"],
            "royalty": row["royalty"],
        }
        for row in rows
    ]


def allocation_list(*, organization: Organization, year: int | None) -> QuerySet[IncomeAllocation]:
    qs = IncomeAllocation.objects.filter(organization=organization)
    if year is not None:
        qs = qs.filter(received_on__year=year)
    return qs.select_related("payment").order_by("received_on", "id")


def my_allocation_list(*, actor: Actor) -> QuerySet[IncomeAllocation]:
    user_id = getattr(actor, "pk", None)
    return IncomeAllocation.objects.filter(Q(user_id=user_id) & Q(user_id__isnull=False)).order_by(
        "-received_on", "-id"
    )
