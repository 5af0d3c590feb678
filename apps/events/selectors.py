"""Reads of events and their figures.

Events are public to every signed-in user of the network; registrations are seen by the organiser
(the operator of the event's market) and each registrant its own; the figures per event are the
organisers' (operators, scoped to their markets).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404

from apps.contracts.models import Contract, Registration, RegistrationStatus
from apps.events.models import Event, EventRegistration, MeetingSlot
from apps.markets.access import market_scope, operates, require_network_operator
from apps.organizations.access import Actor


def event_list(*, market: str | None = None, upcoming: bool = False) -> QuerySet[Event]:
    from django.utils import timezone

    qs = Event.objects.all()
    if market:
        qs = qs.filter(market_id=market)
    if upcoming:
        qs = qs.filter(ends_at__gt=timezone.now())
    return qs


def access_event(*, pk: Any) -> Event:
    event = Event.objects.filter(pk=pk).first() if str(pk).isdigit() else None
    if event is None:
        raise Http404
    return event


def registration_list(*, actor: Actor, event: Event) -> QuerySet[EventRegistration]:
    qs = EventRegistration.objects.filter(event=event).select_related("organization", "user")
    if operates(actor, event.market_id):
        return qs
    # A registrant sees who else comes (to book a meeting): organisations, not contact details.
    if qs.filter(user_id=getattr(actor, "pk", None) or 0).exists():
        return qs
    return qs.none()


def access_event_registration(*, actor: Actor, event: Event, pk: Any) -> EventRegistration:
    registration = registration_list(actor=actor, event=event).filter(pk=pk).first() if str(pk).isdigit() else None
    if registration is None:
        raise Http404
    return registration


def slot_list(*, actor: Actor, event: Event) -> QuerySet[MeetingSlot]:
    qs = MeetingSlot.objects.filter(event=event).select_related("requester__organization", "counterpart__organization")
    if operates(actor, event.market_id):
        return qs
    user_id = getattr(actor, "pk", None) or 0
    return qs.filter(Q(requester__user_id=user_id) | Q(counterpart__user_id=user_id))


def event_figures(*, actor: Actor, date_from: date | None = None, date_to: date | None = None,
                  market: str | None = None) -> list[dict[str, Any]]:  # fmt: skip
    """Per event of the actor's markets: registrants, attendees, meetings, deals attributed, contracts
    signed from those deals (count, contract amount) and of those registered the recognised amount."""
    require_network_operator(actor)
    events = Event.objects.filter(market_scope(actor, "market"))
    if market:
        events = events.filter(market_id=market)
    if date_from:
        events = events.filter(starts_at__date__gte=date_from)
    if date_to:
        events = events.filter(starts_at__date__lte=date_to)
    events = events.annotate(
        registrants=Count("registrations", distinct=True),
        attendees=Count("registrations", filter=Q(registrations__checked_in_at__isnull=False), distinct=True),
        meetings=Count("slots", distinct=True),
        deal_count=Count("deals", distinct=True),
    ).order_by("starts_at", "id")
    found = list(events)
    # The contracts of the attributed deals, and what registration recognised of them: two grouped queries
    # for all the events (none when there is no event).
    ids = [event.pk for event in found]
    signed = (
        {
            row["deal__event_attribution__event_id"]: row
            for row in Contract.objects.filter(deal__event_attribution__event_id__in=ids)
            .values("deal__event_attribution__event_id")
            .annotate(n=Count("id"), amount=Sum("contract_amount"))
            .order_by()
        }
        if ids
        else {}
    )
    recognised = (
        {
            row["contract__deal__event_attribution__event_id"]: row["amount"]
            for row in Registration.objects.filter(
                contract__deal__event_attribution__event_id__in=ids, status=RegistrationStatus.REGISTERED
            )
            .values("contract__deal__event_attribution__event_id")
            .annotate(amount=Sum("recognised_contract_amount"))
            .order_by()
        }
        if ids
        else {}
    )
    rows = []
    for event in found:
        contracts = signed.get(event.pk, {"n": 0, "amount": None})
        registered = {"amount": recognised.get(event.pk)}
        rows.append(
            {
                "event_id": event.pk,
                "title": event.title,
                "kind": event.kind,
                "market_code": event.market_id,
                "starts_at": event.starts_at,
                "registrants": event.registrants,
                "attendees": event.attendees,
                "meetings": event.meetings,
                "deals": event.deal_count,
                "contracts": contracts["n"],
                "contract_amount": contracts["amount"] or Decimal("0.00"),
                "registered_amount": registered["amount"] or Decimal("0.00"),
            }
        )
    return rows
