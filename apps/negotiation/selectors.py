"""Who may take part in a deal's negotiation, and the reads of its threads, messages and attachments.

Only the deal's parties (members of its buyer and seller organisations) and its brokers: anyone else,
the operator included, gets a 404 (a negotiation is private to the deal). When the deal concerns a
listing (its achievement or demand), a party that does not own that listing reads and writes only
after its organisation's NDA for the listing has been accepted: 403 ``negotiation_nda_required``,
naming the listing, so the client can request the NDA (``POST /achievements/{id}/nda-requests``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.db.models import Count, IntegerField, OuterRef, Prefetch, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.core.errors import ApplicationError
from apps.deals.models import Deal, DealParticipant, ParticipantRole
from apps.listings.models import NdaRequest, NdaStatus
from apps.negotiation.models import Message, MessageAttachment, ReadState, Thread
from apps.organizations.access import Actor, organization_ids


class NegotiationError(StrEnum):
    NDA_REQUIRED = "negotiation_nda_required"
    EMPTY_MESSAGE = "negotiation_empty_message"
    TOO_MANY_ATTACHMENTS = "negotiation_too_many_attachments"
    UNKNOWN_MESSAGE = "negotiation_unknown_message"


@dataclass(frozen=True)
class Participation:
    """How the actor takes part: ``buyer``/``seller`` (for that organisation) or ``broker``."""

    role: str
    organization_id: int | None


def participation(*, actor: Actor, deal: Deal) -> Participation | None:
    if not isinstance(actor, User) or not actor.is_authenticated:
        return None
    orgs = organization_ids(actor)
    if deal.buyer_id in orgs:
        return Participation(ParticipantRole.BUYER, deal.buyer_id)
    if deal.seller_id in orgs:
        return Participation(ParticipantRole.SELLER, deal.seller_id)
    if DealParticipant.objects.filter(deal=deal, role=ParticipantRole.BROKER, broker__user_id=actor.pk).exists():
        return Participation(ParticipantRole.BROKER, None)
    return None


def _check_nda(*, deal: Deal, taking_part: Participation) -> None:
    if taking_part.organization_id is None:
        return  # brokers run the deal; the NDA binds the parties' organisations
    for kind, listing in (("achievement", deal.achievement), ("demand", deal.demand)):
        if listing is None or listing.owner_id == taking_part.organization_id:
            continue
        accepted = NdaRequest.objects.filter(
            **{kind: listing}, organization_id=taking_part.organization_id, status=NdaStatus.ACCEPTED
        ).exists()
        if not accepted:
            raise ApplicationError(
                _("Your organisation must accept the NDA of %(kind)s “%(title)s” before reading this negotiation.")
                % {"kind": _("achievement") if kind == "achievement" else _("demand"), "title": listing.title},
                code=NegotiationError.NDA_REQUIRED,
                status=403,
                extra={"listing_type": kind, "listing_id": listing.pk},
            )


def access_negotiation(*, actor: Actor, deal_id: int) -> tuple[Deal, Participation]:
    """The deal and how the actor takes part in its negotiation: 404 for non-participants, 403 without the NDA."""
    try:
        deal = Deal.objects.select_related("achievement", "demand").get(pk=deal_id)
    except (Deal.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    taking_part = participation(actor=actor, deal=deal)
    if taking_part is None:
        raise Http404
    _check_nda(deal=deal, taking_part=taking_part)
    return deal, taking_part


def thread_list(*, actor: User, deal: Deal) -> QuerySet[Thread]:
    """The deal's threads, newest first, each with the actor's ``unread_count``."""
    read_to = ReadState.objects.filter(thread_id=OuterRef("thread_id"), user_id=actor.pk).values(
        "last_read_message_id"
    )[:1]
    unread = (
        Message.objects.filter(thread_id=OuterRef("pk"))
        .exclude(author_id=actor.pk)
        .filter(id__gt=Coalesce(Subquery(read_to), Value(0)))
        .order_by()
        .values("thread_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    return (
        Thread.objects.filter(deal=deal)
        .annotate(unread_count=Coalesce(Subquery(unread, output_field=IntegerField()), Value(0)))
        .order_by("-id")
    )


def access_thread(*, actor: User, deal: Deal, thread_id: int) -> Thread:
    try:
        return thread_list(actor=actor, deal=deal).get(pk=thread_id)
    except (Thread.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def message_list(*, thread: Thread) -> QuerySet[Message]:
    return (
        Message.objects.filter(thread=thread)
        .select_related("author", "author_organization")
        .prefetch_related(Prefetch("attachments", queryset=MessageAttachment.objects.order_by("id")))
    )


def access_attachment(*, thread: Thread, message_id: int, attachment_id: int) -> MessageAttachment:
    try:
        return MessageAttachment.objects.get(pk=attachment_id, message_id=message_id, message__thread=thread)
    except (MessageAttachment.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
