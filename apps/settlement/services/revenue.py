"""Revenue sharing (成果转化收益分配): a university's distribution schemes and the split of each income.

An income is a contract payment received by the seller (a transfer or licence price, a royalty). It is
split under the seller's scheme version in force on the day it was paid (:mod:`apps.settlement.sharing`
does the arithmetic), once: splitting the same payment again returns the allocations already made.
Payments the settlement services record (escrow releases, royalty payments) are split at once; a
payment recorded directly on the contract is split when the university's admin asks.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.contracts.models import Payment
from apps.core.errors import ApplicationError
from apps.organizations.access import admin_organization_ids
from apps.organizations.models import Organization, OrganizationType
from apps.settlement import sharing
from apps.settlement.models import (
    BeneficiaryKind,
    DistributionScheme,
    DistributionShare,
    IncomeAllocation,
    IncomeSource,
    RoyaltyPayment,
)
from apps.settlement.services.errors import SettlementError, bad_input, not_allowed

SHARING_ORGANIZATION_TYPES = (OrganizationType.UNIVERSITY, OrganizationType.RESEARCH_INSTITUTE)


def check_scheme_admin(*, actor: User, organization: Organization) -> None:
    """Only the organisation's own admins manage its schemes (the caller already 404s outsiders)."""
    if organization.pk not in admin_organization_ids(actor):
        raise not_allowed(_("Only the organisation's administrators manage its income distribution."))


@transaction.atomic
def scheme_create(
    *,
    actor: User,
    organization: Organization,
    name: str,
    effective_from: date,
    shares: list[dict[str, Any]],
    min_researcher_percent: Decimal = Decimal("70"),
) -> DistributionScheme:
    """A new version of the organisation's scheme; shares add up to 100%, the researchers' at least the floor."""
    check_scheme_admin(actor=actor, organization=organization)
    if organization.type not in SHARING_ORGANIZATION_TYPES:
        raise ApplicationError(
            _("Only universities and research institutes share transfer income with their researchers."),
            code=SettlementError.SCHEME_NOT_ALLOWED,
            status=400,
        )
    Organization.objects.select_for_update().filter(pk=organization.pk).get()
    percents = [Decimal(s["percent"]) for s in shares]
    problem = sharing.check_percents(percents)
    if problem is not None:
        raise bad_input(_(problem), code=SettlementError.SCHEME_BAD_SHARES, field="shares")
    if not Decimal(0) <= min_researcher_percent <= Decimal(100):
        raise bad_input(
            _("The floor is between 0% and 100%."),
            code=SettlementError.SCHEME_BAD_SHARES,
            field="min_researcher_percent",
        )
    researchers = sum((Decimal(s["percent"]) for s in shares if s["kind"] == BeneficiaryKind.RESEARCHER), Decimal(0))
    if researchers < min_researcher_percent:
        raise bad_input(
            _("The researchers' shares add up to %(total)s%%, below the scheme's floor of %(floor)s%%.")
            % {"total": researchers, "floor": min_researcher_percent},
            code=SettlementError.SCHEME_BAD_SHARES,
            field="shares",
        )
    if DistributionScheme.objects.filter(organization=organization, effective_from=effective_from).exists():
        raise bad_input(
            _("A version of the scheme already takes effect on that day."),
            code=SettlementError.SCHEME_DATE_TAKEN,
            field="effective_from",
            status=409,
        )
    latest = DistributionScheme.objects.filter(organization=organization).aggregate(v=Max("version"))["v"] or 0
    scheme = DistributionScheme.objects.create(
        organization=organization,
        version=latest + 1,
        name=name,
        effective_from=effective_from,
        min_researcher_percent=min_researcher_percent,
        created_by=actor,
    )
    DistributionShare.objects.bulk_create(
        DistributionShare(
            scheme=scheme, kind=s["kind"], name=s["name"], user=s.get("user"), percent=Decimal(s["percent"])
        )
        for s in shares
    )
    return scheme


def scheme_in_force(*, organization_id: int, on: date) -> DistributionScheme | None:
    return (
        DistributionScheme.objects.filter(organization_id=organization_id, effective_from__lte=on)
        .order_by("-effective_from", "-version")
        .first()
    )


@transaction.atomic
def income_allocate(*, payment: Payment) -> list[IncomeAllocation]:
    """Split ``payment`` among the seller's scheme in force on its date; ``[]`` when the seller has none.

    Idempotent: the payment row is locked and a payment already split returns its allocations.
    """
    locked = Payment.objects.select_for_update().select_related("contract").get(pk=payment.pk)
    existing = list(IncomeAllocation.objects.filter(payment=locked).order_by("id"))
    if existing:
        return existing
    seller_id = locked.contract.seller_id
    if seller_id is None:
        return []
    scheme = scheme_in_force(organization_id=seller_id, on=locked.paid_on)
    if scheme is None:
        return []
    shares = list(scheme.shares.order_by("id"))
    parts = sharing.split(locked.amount, [s.percent for s in shares])
    source = (
        IncomeSource.ROYALTY if RoyaltyPayment.objects.filter(payment=locked).exists() else IncomeSource.TRANSFER_PRICE
    )
    return IncomeAllocation.objects.bulk_create(
        IncomeAllocation(
            payment=locked,
            scheme=scheme,
            share=share,
            organization_id=seller_id,
            source=source,
            kind=share.kind,
            name=share.name,
            user_id=share.user_id,
            percent=share.percent,
            amount=part,
            received_on=locked.paid_on,
        )
        for share, part in zip(shares, parts, strict=True)
    )


@transaction.atomic
def income_allocate_payment(*, actor: User, payment: Payment) -> list[IncomeAllocation]:
    """The seller's admin splits a payment recorded directly on the contract."""
    if payment.contract.seller_id not in admin_organization_ids(actor):
        raise not_allowed(_("Only the seller's administrators split its income."))
    allocations = income_allocate(payment=payment)
    if not allocations:
        raise ApplicationError(
            _("No income distribution scheme was in force on the payment's date."),
            code=SettlementError.NO_SCHEME,
            status=409,
        )
    return allocations
