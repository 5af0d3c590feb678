"""Reads of deals, always scoped to the acting user.

Who sees a deal: members of the buyer and seller organisations, the brokers taking part in it, and
the operator. Anyone else gets a 404.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError

from apps.accounts.models import User
from apps.brokers.models import Broker
from apps.brokers.selectors import broker_for_user
from apps.core.changes import filter_updated_since
from apps.core.history import tracked_events
from apps.deals.models import Deal, DealActivity, DealParticipant, DealStage, ParticipantRole
from apps.deals.transitions import PIPELINE, Role
from apps.organizations.access import Actor, is_operator, organization_ids, require_operator

# Stages that count as "closed" for a broker's scorecard: signed or later on the forward path.
CLOSED_STAGES: tuple[str, ...] = tuple(str(s) for s in PIPELINE[PIPELINE.index(DealStage.SIGNED) :])


def deals_visible_to(actor: Actor) -> QuerySet[Deal]:
    """Every deal ``actor`` may see: their organisations' deals, deals they broker, or all for the operator."""
    qs = Deal.objects.all()
    if not isinstance(actor, User) or not actor.is_authenticated:
        return qs.none()
    if is_operator(actor):
        return qs
    orgs = organization_ids(actor)
    brokered = DealParticipant.objects.filter(
        deal_id=OuterRef("pk"), role=ParticipantRole.BROKER, broker__user_id=actor.pk
    )
    return qs.filter(Q(buyer_id__in=orgs) | Q(seller_id__in=orgs) | Exists(brokered))


def _with_related(qs: QuerySet[Deal]) -> QuerySet[Deal]:
    return qs.select_related("buyer", "seller", "introduction", "introduction__broker").prefetch_related(
        Prefetch(
            "participants",
            queryset=DealParticipant.objects.select_related("organization", "broker", "broker__user").order_by("id"),
        )
    )


def deal_list(*, actor: Actor, filters: Any = None) -> QuerySet[Deal]:
    filters = filters or {}
    qs = filter_updated_since(_with_related(deals_visible_to(actor)), filters)
    stages = filters.getlist("stage") if hasattr(filters, "getlist") else filters.get("stage") or []
    if isinstance(stages, str):
        stages = [stages]
    if stages:
        unknown = [s for s in stages if s not in DealStage.values]
        if unknown:
            raise ValidationError({"stage": [_("Unknown stage: %(stages)s.") % {"stages": ", ".join(unknown)}]})
        qs = qs.filter(stage__in=stages)
    for name in ("buyer", "seller", "organization", "broker"):
        raw = filters.get(name)
        if raw in (None, ""):
            continue
        if not str(raw).isdigit():
            raise ValidationError({name: [_("Give an id (a number).")]})
        value = int(raw)
        if name == "organization":
            qs = qs.filter(Q(buyer_id=value) | Q(seller_id=value))
        elif name == "broker":
            qs = qs.filter(participants__broker_id=value, participants__role=ParticipantRole.BROKER)
        else:
            qs = qs.filter(**{f"{name}_id": value})
    return qs


def access_deal(*, actor: Actor, pk: int) -> Deal:
    try:
        return _with_related(deals_visible_to(actor)).get(pk=pk)
    except (Deal.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def deal_brokers(deal: Deal) -> list[Broker]:
    """The brokers taking part in ``deal`` (uses the prefetched participants when present)."""
    return [p.broker for p in deal.participants.all() if p.role == ParticipantRole.BROKER and p.broker is not None]


def actor_roles(*, actor: Actor, deal: Deal) -> frozenset[Role]:
    """The roles ``actor`` holds on ``deal`` for the transition table (empty: none)."""
    roles: set[Role] = set()
    if is_operator(actor):
        roles.add(Role.OPERATOR)
    orgs = organization_ids(actor)
    if deal.buyer_id in orgs or deal.seller_id in orgs:
        roles.add(Role.PARTY)
    broker = broker_for_user(actor)
    if broker is not None and any(b.pk == broker.pk for b in deal_brokers(deal)):
        roles.add(Role.BROKER)
    return frozenset(roles)


def deal_activity_list(*, actor: Actor, deal: Deal) -> QuerySet[DealActivity]:
    # ``deal`` came from access_deal, so the actor may see it.
    return DealActivity.objects.filter(deal=deal).select_related("actor").order_by("-occurred_at", "-id")


def deal_history(*, actor: Actor, deal: Deal) -> QuerySet[Any]:
    """Every tracked change of the deal, its participants and its activity log, oldest first.

    Rows are pghistory events (``pgh_label``, ``pgh_created_at``, ``pgh_data``, ``pgh_diff``,
    ``pgh_context``), the context carrying the acting user and URL. The operator's alone (``deal``
    came from access_deal, so others who see it get a 403).
    """
    require_operator(actor, _("Only the market operator reads a deal's history."))
    # The deal's own events and every participant/activity event whose ``deal`` points at it, deleted rows too.
    return tracked_events(deal, "deals.DealEvent", "deals.DealParticipantEvent", "deals.DealActivityEvent")


def broker_closed_deals(*, broker: Broker) -> QuerySet[Deal]:
    """Deals ``broker`` takes part in that reached signed or later (the scorecard's "deals closed")."""
    return Deal.objects.filter(
        stage__in=CLOSED_STAGES, participants__broker=broker, participants__role=ParticipantRole.BROKER
    ).distinct()
