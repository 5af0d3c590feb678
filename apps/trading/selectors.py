"""Reads of trading, scoped to the acting user.

- Sales are public (a notice, 公示, is meant to be read by anyone), anonymous visitors included; the
  reserve price is shown only to the seller and the operator (others see whether it is met).
- Bids are public but anonymised: bidder number, amount, time; the operator also sees the organisation,
  a bidder sees which bids are its own.
- Deposits and bidder registrations: the operator sees all, an organisation its own.
- Objections: the operator and the seller see all of a sale's; whoever filed one sees theirs.
Anything the actor may not see is a 404.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from apps.organizations.access import Actor, is_operator, organization_ids
from apps.trading.models import (
    Bid,
    Deposit,
    Objection,
    ObjectionStatus,
    Sale,
    SaleMode,
    SalePhase,
    SaleStatus,
)


def sale_qs() -> QuerySet[Sale]:
    return (
        Sale.objects.select_related("seller", "buyer", "leader")
        .annotate(
            objection_pending=Exists(Objection.objects.filter(sale=OuterRef("pk"), status=ObjectionStatus.PENDING)),
            bidder_count=Count("bidders", distinct=True),
        )
        .order_by("-id")
    )


def sale_list(*, actor: Actor, filters: Mapping[str, Any] | None = None) -> QuerySet[Sale]:
    """Sales, newest first; ``filters``: ``mode``, ``status``, ``seller`` (id), ``phase``, ``mine``
    (sales of the actor's organisations)."""
    filters = filters or {}
    qs = sale_qs()
    for key, lookup in (("mode", "mode"), ("status", "status"), ("seller", "seller_id")):
        if filters.get(key) not in (None, ""):
            qs = qs.filter(**{lookup: filters[key]})
    if filters.get("mine"):
        qs = qs.filter(seller_id__in=organization_ids(actor))
    phase = filters.get("phase")
    if phase:
        now = timezone.now()
        listed = Q(status=SaleStatus.LISTED)
        phases = {
            SalePhase.NOTICE: listed & Q(notice_ends_at__gt=now),
            SalePhase.OPEN: listed & Q(mode=SaleMode.FIXED_PRICE, notice_ends_at__lte=now),
            SalePhase.UPCOMING: listed & Q(mode=SaleMode.AUCTION, notice_ends_at__lte=now, starts_at__gt=now),
            SalePhase.BIDDING: listed
            & Q(mode=SaleMode.AUCTION, starts_at__lte=now, ends_at__gt=now)
            & Q(notice_ends_at__lte=now),
            SalePhase.ENDED: listed & Q(mode=SaleMode.AUCTION, ends_at__lte=now),
        }
        qs = qs.filter(phases.get(phase, Q(status=phase)))
    return qs


def notice_list() -> QuerySet[Sale]:
    """The notice board (挂牌公示): listed sales whose public notice still runs, ending soonest first."""
    return sale_qs().filter(status=SaleStatus.LISTED, notice_ends_at__gt=timezone.now()).order_by("notice_ends_at")


def result_list() -> QuerySet[Sale]:
    """Results notices (成交公告 / 流拍 / 中止): closed sales, latest first."""
    return (
        sale_qs()
        .filter(status__in=[SaleStatus.SOLD, SaleStatus.UNSOLD, SaleStatus.SUSPENDED, SaleStatus.WITHDRAWN])
        .order_by("-closed_at", "-id")
    )


def access_sale(*, actor: Actor, pk: int) -> Sale:
    try:
        return sale_qs().get(pk=pk)
    except (Sale.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def can_see_terms(*, actor: Actor, sale: Sale) -> bool:
    """The reserve price and the bidders' organisations: the seller's members and the operator."""
    return is_operator(actor) or sale.seller_id in organization_ids(actor)


def bid_list(*, actor: Actor, sale: Sale) -> QuerySet[Bid]:
    return Bid.objects.filter(sale=sale).select_related("bidder", "bidder__organization").order_by("sequence")


def objection_visible_qs(actor: Actor) -> QuerySet[Objection]:
    qs = Objection.objects.select_related("sale", "organization", "filed_by")
    if is_operator(actor):
        return qs
    orgs = organization_ids(actor)
    user_id = getattr(actor, "pk", None)
    return qs.filter(Q(sale__seller_id__in=orgs) | Q(filed_by_id=user_id))


def objection_list(*, actor: Actor, sale: Sale) -> QuerySet[Objection]:
    return objection_visible_qs(actor).filter(sale=sale).order_by("id")


def access_objection(*, actor: Actor, pk: int) -> Objection:
    try:
        return objection_visible_qs(actor).get(pk=pk)
    except (Objection.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def deposit_visible_qs(actor: Actor) -> QuerySet[Deposit]:
    qs = Deposit.objects.select_related("bidder", "bidder__organization", "sale")
    if is_operator(actor):
        return qs
    return qs.filter(bidder__organization_id__in=organization_ids(actor))


def deposit_list(*, actor: Actor, sale: Sale) -> QuerySet[Deposit]:
    return deposit_visible_qs(actor).filter(sale=sale).order_by("id")


def access_deposit(*, actor: Actor, pk: int) -> Deposit:
    try:
        return deposit_visible_qs(actor).get(pk=pk)
    except (Deposit.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
