"""Writes of events: create, register (capacity under the event's row lock), meeting slots (no double
booking, under the same lock), check-in, and attributing a deal to the event that started it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.core.errors import ApplicationError
from apps.deals.models import Deal
from apps.events.models import Event, EventDealAttribution, EventRegistration, MeetingSlot
from apps.markets.access import operates, require_market_operator
from apps.markets.models import Market
from apps.organizations.access import Actor, organization_ids, resolve_owner


class EventError(StrEnum):
    UNKNOWN_MARKET = "unknown_market"
    BAD_TIMES = "bad_event_times"
    FULL = "event_full"
    ALREADY_REGISTERED = "already_registered"
    EVENT_OVER = "event_over"
    NOT_REGISTERED = "not_registered"
    SLOT_OUTSIDE_EVENT = "slot_outside_event"
    DOUBLE_BOOKED = "double_booked"
    SAME_PARTY = "same_party"
    UNKNOWN_REGISTRATION = "unknown_registration"
    ALREADY_ATTRIBUTED = "deal_already_attributed"
    PARTIES_NOT_AT_EVENT = "deal_parties_not_at_event"
    DEAL_BEFORE_EVENT = "deal_before_event"


def _bad(message: str, code: EventError, field: str, status: int = 400) -> ApplicationError:
    return ApplicationError(message, code=code, status=status, field_errors={field: message})


@transaction.atomic
def event_create(*, actor: Actor, market_code: str, starts_at: datetime, ends_at: datetime, **data: Any) -> Event:
    """An event of a market (its operators; the global operator for any market)."""
    if not Market.objects.filter(pk=market_code).exists():
        raise _bad(_("Unknown market code."), EventError.UNKNOWN_MARKET, "market_code")
    require_market_operator(actor, market_code)
    if ends_at <= starts_at:
        raise _bad(_("The event must end after it starts."), EventError.BAD_TIMES, "ends_at")
    return Event.objects.create(
        market_id=market_code, starts_at=starts_at, ends_at=ends_at,
        created_by=actor if isinstance(actor, User) else None, **data,
    )  # fmt: skip


@transaction.atomic
def event_register(*, actor: User, event: Event, organization_id: int | None = None) -> EventRegistration:
    """Register for an event: refused when it is over or full. The event row is locked while counting, so
    two last-minute registrations cannot both take the last seat."""
    organization = resolve_owner(actor=actor, owner_id=organization_id)
    locked = Event.objects.select_for_update().get(pk=event.pk)
    if locked.ends_at <= timezone.now():
        raise ApplicationError(_("The event is over."), code=EventError.EVENT_OVER, status=409)
    if EventRegistration.objects.filter(event=locked, user=actor).exists():
        raise ApplicationError(_("You are registered already."), code=EventError.ALREADY_REGISTERED, status=409)
    if EventRegistration.objects.filter(event=locked).count() >= locked.capacity:
        raise ApplicationError(
            _("The event is full."), code=EventError.FULL, status=409, extra={"capacity": locked.capacity}
        )
    return EventRegistration.objects.create(event=locked, user=actor, organization=organization)


@transaction.atomic
def event_check_in(*, actor: Actor, registration: EventRegistration) -> EventRegistration:
    """The organiser records attendance (idempotent: a second check-in keeps the first time)."""
    require_market_operator(actor, registration.event.market_id)
    EventRegistration.objects.filter(pk=registration.pk, checked_in_at__isnull=True).update(
        checked_in_at=timezone.now()
    )
    return EventRegistration.objects.get(pk=registration.pk)


@transaction.atomic
def slot_book(
    *, actor: User, event: Event, counterpart_id: int, starts_at: datetime, ends_at: datetime, table: str = ""
) -> MeetingSlot:
    """A registrant books a one-to-one meeting with another registrant of the event. Bookings of one event
    are serialised on its row lock, so an overlap check and the insert cannot interleave."""
    locked = Event.objects.select_for_update().get(pk=event.pk)
    mine = EventRegistration.objects.filter(event=locked, user=actor).first()
    if mine is None:
        raise ApplicationError(_("Register for the event first."), code=EventError.NOT_REGISTERED, status=403)
    other = EventRegistration.objects.filter(event=locked, pk=counterpart_id).first()
    if other is None:
        raise _bad(_("Not a registration of this event."), EventError.UNKNOWN_REGISTRATION, "counterpart_id")
    if other.pk == mine.pk or other.organization_id == mine.organization_id:
        raise _bad(_("Meet someone of another organisation."), EventError.SAME_PARTY, "counterpart_id")
    if ends_at <= starts_at or starts_at < locked.starts_at or ends_at > locked.ends_at:
        raise _bad(_("The meeting must lie within the event."), EventError.SLOT_OUTSIDE_EVENT, "starts_at")
    parties = [mine.pk, other.pk]
    busy = MeetingSlot.objects.filter(
        Q(requester_id__in=parties) | Q(counterpart_id__in=parties),
        event=locked, starts_at__lt=ends_at, ends_at__gt=starts_at,
    )  # fmt: skip
    if busy.exists():
        raise ApplicationError(
            _("One of you has another meeting at that time."), code=EventError.DOUBLE_BOOKED, status=409
        )
    return MeetingSlot.objects.create(
        event=locked, requester=mine, counterpart=other, starts_at=starts_at, ends_at=ends_at, table=table
    )


@transaction.atomic
def deal_attribute(*, actor: User, event: Event, deal: Deal) -> EventDealAttribution:
    """Attribute a deal to the event that started it: both parties registered at the event, the deal
    opened after the event began. The event's organiser or a party of the deal records it; one event per deal."""
    if not (operates(actor, event.market_id) or {deal.buyer_id, deal.seller_id} & organization_ids(actor)):
        raise ApplicationError(
            _("The event's organiser or a party of the deal records where it started."),
            code="operator_only",
            status=403,
        )
    present = set(EventRegistration.objects.filter(event=event).values_list("organization_id", flat=True))
    if not {deal.buyer_id, deal.seller_id} <= present:
        raise _bad(_("Both parties of the deal must have registered for the event."),
                   EventError.PARTIES_NOT_AT_EVENT, "deal_id", 409)  # fmt: skip
    if deal.created_at < event.starts_at:
        raise _bad(_("The deal was opened before the event."), EventError.DEAL_BEFORE_EVENT, "deal_id", 409)
    try:
        with transaction.atomic():
            return EventDealAttribution.objects.create(event=event, deal=deal, attributed_by=actor)
    except IntegrityError:
        raise _bad(_("The deal is attributed to an event already."), EventError.ALREADY_ATTRIBUTED, "deal_id",
                   409) from None  # fmt: skip
