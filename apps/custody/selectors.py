"""Reads of custody, scoped to the acting user.

An agreement, its assets, payments and reminders are seen by the members of its owner and of its custodian
agency, and by the operator (read-only); to anyone else they do not exist (404). A pledge is seen by the
asset owner's members, the agency holding the asset in active custody, and the operator.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import TruncMonth
from django.http import Http404
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.core.changes import filter_updated_since
from apps.core.errors import ApplicationError
from apps.custody.annuity import add_months, annuity_schedule, late_fee_on
from apps.custody.models import (
    AgreementEvent,
    CalendarFeed,
    CustodyAgreement,
    CustodyAsset,
    Payment,
    Pledge,
    PledgeConsent,
    PledgeStatus,
    PledgeWarning,
    Reminder,
)
from apps.custody.reminders import stored_year
from apps.organizations.access import Actor, is_operator, organization_ids, require_operator


def _get(qs: QuerySet[Any], pk: Any) -> Any:
    try:
        return qs.get(pk=pk)
    except (qs.model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


# --- agreements and custody assets -----------------------------------------------------------------


def agreement_visible_qs(actor: Actor) -> QuerySet[CustodyAgreement]:
    qs = CustodyAgreement.objects.select_related("owner", "custodian").annotate(asset_count=Count("assets"))
    if is_operator(actor):
        return qs
    orgs = organization_ids(actor)
    return qs.filter(Q(owner_id__in=orgs) | Q(custodian_id__in=orgs))


def agreement_list(
    *, actor: Actor, status: str | None = None, role: str | None = None, updated_since: str | None = None
) -> QuerySet[CustodyAgreement]:
    qs = filter_updated_since(agreement_visible_qs(actor), {"updated_since": updated_since})
    if status:
        qs = qs.filter(status=status)
    if role == "owner":
        qs = qs.filter(owner_id__in=organization_ids(actor))
    elif role == "custodian":
        qs = qs.filter(custodian_id__in=organization_ids(actor))
    return qs


def access_agreement(*, actor: Actor, pk: Any) -> CustodyAgreement:
    agreement: CustodyAgreement = _get(agreement_visible_qs(actor), pk)
    return agreement


def agreement_event_list(*, agreement: CustodyAgreement) -> QuerySet[AgreementEvent]:
    return AgreementEvent.objects.filter(agreement=agreement).select_related("actor").order_by("id")


def custody_asset_visible_qs(actor: Actor) -> QuerySet[CustodyAsset]:
    qs = CustodyAsset.objects.select_related("asset", "agreement", "agreement__owner", "agreement__custodian")
    if is_operator(actor):
        return qs
    orgs = organization_ids(actor)
    return qs.filter(Q(agreement__owner_id__in=orgs) | Q(agreement__custodian_id__in=orgs))


def custody_asset_list(*, actor: Actor, agreement: CustodyAgreement) -> QuerySet[CustodyAsset]:
    return custody_asset_visible_qs(actor).filter(agreement=agreement)


def access_custody_asset(*, actor: Actor, pk: Any) -> CustodyAsset:
    custody_asset: CustodyAsset = _get(custody_asset_visible_qs(actor), pk)
    return custody_asset


def payment_list(*, custody_asset: CustodyAsset) -> QuerySet[Payment]:
    return Payment.objects.filter(asset_id=custody_asset.asset_id).order_by("-id")


def reminder_list(*, custody_asset: CustodyAsset) -> QuerySet[Reminder]:
    return Reminder.objects.filter(asset_id=custody_asset.asset_id).order_by("-id")


def active_custody_asset_ids(asset_ids: list[int]) -> dict[int, int]:
    """{asset id: agreement id} of the given assets that are in an active custody."""
    return dict(
        CustodyAsset.objects.filter(asset_id__in=asset_ids, active=True).values_list("asset_id", "agreement_id")
    )


# --- portfolio -------------------------------------------------------------------------------------

PORTFOLIO_ROLES = ("owner", "custodian")


def check_portfolio_access(*, actor: Actor, organization_id: int) -> None:
    """Members of the organisation and the operator; anyone else gets a 404."""
    if organization_id not in organization_ids(actor) and not is_operator(actor):
        raise Http404


def portfolio_assets(*, organization_id: int, role: str) -> QuerySet[CustodyAsset]:
    """The organisation's assets in active custody, as owner or as custodian agency."""
    field = "agreement__owner_id" if role == "owner" else "agreement__custodian_id"
    return CustodyAsset.objects.filter(active=True, **{field: organization_id}).select_related(
        "asset", "agreement__owner", "agreement__custodian"
    )


@dataclass(frozen=True)
class PortfolioMonth:
    month: str
    count: int
    total: Decimal


@dataclass(frozen=True)
class PortfolioSummary:
    months: list[PortfolioMonth]
    in_grace: list[tuple[CustodyAsset, Decimal]]
    lapsed: list[CustodyAsset]


def _following_year_in_window(row: CustodyAsset, start: date, end: date) -> tuple[date, Decimal] | None:
    # An asset in grace also owes its next year within twelve months; its fee comes from the schedule.
    asset = row.asset
    if asset.filing_date is None or asset.grant_date is None or row.next_year is None:
        return None
    from apps.custody.services import reduction_of

    for year in annuity_schedule(
        kind=asset.kind, filing_date=asset.filing_date, grant_date=asset.grant_date, reduction=reduction_of(row)
    ):
        if year.year == row.next_year + 1 and start <= year.due_date < end:
            return year.due_date, year.fee
    return None


def portfolio_summary(*, organization_id: int, role: str, today: date) -> PortfolioSummary:
    """Fees due in the next twelve months by month, assets in grace (with today's late fee), lapsed assets."""
    rows = portfolio_assets(organization_id=organization_id, role=role).filter(next_due_date__isnull=False)
    end = add_months(today, 12)
    by_month: dict[str, list[Decimal]] = defaultdict(list)
    upcoming = (
        rows.filter(next_due_date__gte=today, next_due_date__lt=end)
        .annotate(month=TruncMonth("next_due_date"))
        .values("month")
        .annotate(count=Count("id"), total=Sum("next_fee"))
        .order_by("month")
    )
    totals: dict[str, tuple[int, Decimal]] = {
        f"{r['month']:%Y-%m}": (r["count"], r["total"] or Decimal("0.00")) for r in upcoming
    }
    in_grace: list[tuple[CustodyAsset, Decimal]] = []
    for row in rows.filter(next_due_date__lt=today, grace_deadline__gte=today).order_by("grace_deadline", "id"):
        year = _stored(row)
        in_grace.append((row, late_fee_on(year, today)))
        following = _following_year_in_window(row, today, end)
        if following is not None:
            by_month[f"{following[0]:%Y-%m}"].append(following[1])
    for month, fees in by_month.items():
        count, total = totals.get(month, (0, Decimal("0.00")))
        totals[month] = (count + len(fees), total + sum(fees, Decimal("0.00")))
    lapsed = list(rows.filter(grace_deadline__lt=today).order_by("next_due_date", "id"))
    months = [PortfolioMonth(month, count, total) for month, (count, total) in sorted(totals.items())]
    return PortfolioSummary(months=months, in_grace=in_grace, lapsed=lapsed)


def _stored(row: CustodyAsset) -> Any:
    if (
        row.next_year is None
        or row.next_due_date is None
        or row.grace_deadline is None
        or row.next_fee is None
        or row.next_full_fee is None
    ):
        raise ValueError(f"Custody asset {row.pk} owes no annuity.")
    return stored_year(
        year=row.next_year,
        due_date=row.next_due_date,
        grace_deadline=row.grace_deadline,
        fee=row.next_fee,
        full_fee=row.next_full_fee,
        reduced=row.next_reduced,
        at_grant=row.next_at_grant,
    )


def stored_annuity(row: CustodyAsset) -> Any:
    """The next unpaid annuity of a custody asset as an AnnuityYear (None when it owes none)."""
    if row.next_year is None:
        return None
    return _stored(row)


def feed_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def calendar_feed_user(*, token: str) -> User:
    """The active person behind a secret feed address; anything else is a 404."""
    feed = CalendarFeed.objects.select_related("user").filter(token_hash=feed_token_hash(token)).first()
    if feed is None or not feed.user.is_active:
        raise ApplicationError(_("Not found."), code="not_found", status=404)
    return feed.user


def calendar_assets(*, user: User) -> QuerySet[CustodyAsset]:
    """Everything a feed's owner may see due: their organisations' portfolios, as owner or custodian."""
    orgs = organization_ids(user)
    return (
        CustodyAsset.objects.filter(active=True, next_due_date__isnull=False)
        .filter(Q(agreement__owner_id__in=orgs) | Q(agreement__custodian_id__in=orgs))
        .select_related("asset", "agreement__owner", "agreement__custodian")
        .order_by("next_due_date", "id")
    )


# --- pledges ---------------------------------------------------------------------------------------


def _with_next_annuity(qs: QuerySet[Pledge]) -> QuerySet[Pledge]:
    """The pledged patent's next unpaid annuity, as custody keeps it (empty when the asset is not in custody)."""
    row = CustodyAsset.objects.filter(asset=OuterRef("asset_id"), active=True)
    return qs.annotate(
        next_annuity_year=Subquery(row.values("next_year")[:1]),
        next_annuity_due=Subquery(row.values("next_due_date")[:1]),
        next_annuity_grace=Subquery(row.values("grace_deadline")[:1]),
    )


def pledge_visible_qs(actor: Actor) -> QuerySet[Pledge]:
    """A pledge is seen by the asset owner's members, the agency holding the asset in active custody, the
    pledgee's members and the operator."""
    qs = _with_next_annuity(Pledge.objects.select_related("asset", "asset__owner", "pledgee_organization"))
    if is_operator(actor):
        return qs
    orgs = organization_ids(actor)
    in_custody = CustodyAsset.objects.filter(asset=OuterRef("asset_id"), active=True, agreement__custodian_id__in=orgs)
    return qs.filter(Q(asset__owner_id__in=orgs) | Q(pledgee_organization_id__in=orgs) | Exists(in_custody))


def pledge_list(
    *, actor: Actor, status: str | None = None, asset_id: int | None = None, as_pledgee: bool = False
) -> QuerySet[Pledge]:
    """The pledges the actor sees; ``as_pledgee``: only those where one of the actor's organisations is
    the pledgee (a bank's book of IP collateral)."""
    qs = pledge_visible_qs(actor)
    if as_pledgee:
        qs = qs.filter(pledgee_organization_id__in=organization_ids(actor))
    if status:
        qs = qs.filter(status=status)
    if asset_id:
        qs = qs.filter(asset_id=asset_id)
    return qs


def pledge_consent_list(*, actor: Actor, pledge: Pledge) -> QuerySet[PledgeConsent]:
    """The consents of a pledge the actor sees (``pledge`` comes from :func:`access_pledge`)."""
    return PledgeConsent.objects.filter(pledge=pledge).select_related("counterparty").order_by("-id")


def pledge_warning_list(*, actor: Actor, pledge: Pledge) -> QuerySet[PledgeWarning]:
    return PledgeWarning.objects.filter(pledge=pledge).order_by("-id")


def access_pledge(*, actor: Actor, pk: Any) -> Pledge:
    pledge: Pledge = _get(pledge_visible_qs(actor), pk)
    return pledge


def actively_pledged_asset_ids(asset_ids: list[int]) -> set[int]:
    return set(
        Pledge.objects.filter(asset_id__in=asset_ids, status=PledgeStatus.ACTIVE).values_list("asset_id", flat=True)
    )


def pledge_totals(*, actor: Actor) -> dict[str, Any]:
    """The operator's pledge-financing figures: active and released totals, and registrations by month."""
    require_operator(actor)
    overall = Pledge.objects.aggregate(
        active_count=Count("id", filter=Q(status=PledgeStatus.ACTIVE)),
        active_amount=Sum("secured_amount", filter=Q(status=PledgeStatus.ACTIVE)),
        released_count=Count("id", filter=Q(status=PledgeStatus.RELEASED)),
        total_count=Count("id"),
        total_amount=Sum("secured_amount"),
    )
    by_month = (
        Pledge.objects.annotate(month=TruncMonth("registration_date"))
        .values("month")
        .annotate(count=Count("id"), amount=Sum("secured_amount"))
        .order_by("month")
    )
    zero = Decimal("0.00")
    return {
        "active_count": overall["active_count"],
        "active_amount": overall["active_amount"] or zero,
        "released_count": overall["released_count"],
        "total_count": overall["total_count"],
        "total_amount": overall["total_amount"] or zero,
        "by_month": [
            {"month": f"{row['month']:%Y-%m}", "count": row["count"], "amount": row["amount"]} for row in by_month
        ],
    }
