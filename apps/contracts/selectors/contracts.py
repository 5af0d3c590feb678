"""Reads of contracts, their deductions, milestones, payments and history, scoped to the acting user.

Who sees a contract: members of the buyer and seller organisations, the brokers taking part in its
deal, and the operator; anyone else gets a 404.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import DecimalField, Exists, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.contracts.models import (
    Contract,
    Deduction,
    Payment,
    PaymentMilestone,
    Registration,
    RegistrationEvent,
    RegistrationEventKind,
)
from apps.core.history import tracked_events
from apps.deals.models import DealParticipant, ParticipantRole
from apps.organizations.access import Actor, is_operator, organization_ids, require_operator

SHANGHAI = ZoneInfo("Asia/Shanghai")


def market_today() -> date:
    """Today in Asia/Shanghai (signing dates, deadlines and payment dates are dates there)."""
    return timezone.now().astimezone(SHANGHAI).date()


def start_of_day(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=SHANGHAI)


# --- contracts ---------------------------------------------------------------------------------


def _actor_id(actor: Actor) -> int:
    return int(getattr(actor, "pk", None) or 0)


def _brokered_by(actor: Actor) -> Exists:
    return Exists(
        DealParticipant.objects.filter(
            deal_id=OuterRef("deal_id"), role=ParticipantRole.BROKER, broker__user_id=_actor_id(actor)
        )
    )


def paid_subquery() -> Coalesce:
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


def contract_visible_qs(actor: Actor) -> QuerySet[Contract]:
    qs = Contract.objects.all()
    if is_operator(actor):
        return qs
    orgs = organization_ids(actor)
    return qs.filter(Q(buyer_id__in=orgs) | Q(seller_id__in=orgs) | _brokered_by(actor))


def _with_related(qs: QuerySet[Contract]) -> QuerySet[Contract]:
    return (
        qs.select_related("buyer", "seller", "technology_field")
        .prefetch_related("deductions")
        .annotate(
            paid_amount=paid_subquery(),
            registration_status=_registration_status_subquery(),
            ip_asset_ids=ArraySubquery(
                Contract.ip_assets.through.objects.filter(contract_id=OuterRef("pk"))
                .order_by("ipasset_id")
                .values("ipasset_id")
            ),
        )
    )


def contract_list(*, actor: Actor, filters: dict[str, Any] | None = None) -> QuerySet[Contract]:
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
    if filters.get("external_id"):
        # An external id is its giver's own: it finds the contracts the caller's organisations named so.
        qs = qs.filter(external_id=filters["external_id"], external_owner_id__in=organization_ids(actor))
    if filters.get("updated_since"):
        qs = qs.filter(updated_at__gte=filters["updated_since"])
    if filters.get("registered_month"):
        qs = qs.filter(registered_in_month(filters["registered_month"]))
    if filters.get("technology_field"):
        qs = qs.filter(technology_field_id__in=filters["technology_field"])
    for role in ("seller", "buyer"):
        if filters.get(f"{role}_zone"):
            qs = qs.filter(zone_condition(role, filters[f"{role}_zone"]))
        if filters.get(f"{role}_entity_type"):
            qs = qs.filter(entity_type_condition(role, filters[f"{role}_entity_type"]))
    return qs


# --- the statistics' cuts as contract filters -----------------------------------------------------
# The same rules as apps.stats (folding.party_zone, the report's entity type filter); a test holds them
# equal, so the contracts list filtered by a cut holds the contracts the statistics count under it.

ZONES = ("city", "province", "domestic", "hmt", "asean", "abroad")
CHINA = "156"
HMT_PROVINCES = ("71", "81", "82")


def registered_in_month(month: date) -> Exists:
    """Contracts whose registration (the event that counts them) took effect in ``month``."""
    first = month.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return Exists(
        RegistrationEvent.objects.filter(
            contract_id=OuterRef("pk"),
            kind=RegistrationEventKind.REGISTERED,
            effective_on__gte=first,
            effective_on__lt=following,
        )
    )


def _zone_q(role: str, zone: str) -> Q:
    country, region = f"{role}_country_id", f"{role}_region__code"
    home = settings.STATS_HOME_REGION
    domestic = Q(**{country: CHINA, f"{role}_region__isnull": False})
    hmt = Q(**{f"{region}__regex": "^(" + "|".join(HMT_PROVINCES) + ")"})
    city = Q(**{f"{region}__startswith": home[:4]})
    province = Q(**{f"{region}__startswith": home[:2]})
    if zone == "hmt":
        return domestic & hmt
    if zone == "city":
        return domestic & ~hmt & city
    if zone == "province":
        return domestic & ~hmt & ~city & province
    if zone == "domestic":
        return domestic & ~hmt & ~province
    asean = Q(**{f"{role}_country__is_asean": True})
    return ~domestic & (asean if zone == "asean" else ~asean)


def zone_condition(role: str, zones: list[str]) -> Q:
    condition = Q(pk__in=[])
    for zone in zones:
        condition |= _zone_q(role, zone)
    return condition


def entity_type_condition(role: str, codes: list[str]) -> Q:
    """A top-level code takes in its subcodes (100 ⊃ 110 … 180, 010 ⊃ 011 …), as in the report."""
    column = f"{role}_entity_type__code"
    exact, patterns = [], []
    for code in codes:
        if code[0] != "0" and code.endswith("00"):
            patterns.append(f"{code[0]}\\d\\d")
        elif code[0] == "0" and code.endswith("0"):
            patterns.append(f"{code[:2]}\\d")
        else:
            exact.append(code)
    condition = Q(**{f"{column}__in": exact}) if exact else Q(pk__in=[])
    if patterns:
        condition |= Q(**{f"{column}__regex": "^(" + "|".join(patterns) + ")$"})
    return condition


def access_contract(*, actor: Actor, pk: int) -> Contract:
    try:
        return _with_related(contract_visible_qs(actor)).get(pk=pk)
    except (Contract.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def is_contract_party(*, actor: Actor, contract: Contract) -> bool:
    orgs = organization_ids(actor)
    return contract.buyer_id in orgs or contract.seller_id in orgs


def is_contract_broker(*, actor: Actor, contract: Contract) -> bool:
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


def contract_history(*, actor: Actor, contract: Contract) -> QuerySet[Any]:
    """Every tracked change of the contract, its deductions, milestones, payments and registrations
    (and their events), oldest first, each with the acting user and URL in ``pgh_context``.

    The operator's alone (``contract`` came from access_contract, so others who see it get a 403).
    """
    require_operator(actor, _("Only the market operator reads a contract's history."))
    return tracked_events(
        contract,
        "contracts.ContractEvent",
        "contracts.DeductionEvent",
        "contracts.PaymentMilestoneEvent",
        "contracts.PaymentEvent",
        "contracts.RegistrationHistoryEvent",
        "contracts.RegistrationEventHistoryEvent",
    )


def bypass_window_start(*, signed_on: date) -> datetime:
    return start_of_day(signed_on) - timedelta(days=settings.CONTRACT_BYPASS_WINDOW_DAYS)
