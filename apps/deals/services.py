"""Writes of deals: creation, edits, stage moves, participants and the activity log.

Every change of a deal is a conditional ``UPDATE ... SET version = version + 1 WHERE version = expected``
(see apps.core.versioning): of two people moving one deal at once exactly one wins, the other gets 412.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts.models import User
from apps.brokers.models import Broker, BrokerStatus, Introduction
from apps.brokers.selectors import broker_for_user
from apps.core.changes import record_model_changes
from apps.core.errors import ApplicationError
from apps.core.versioning import check_version, stale_version_error
from apps.deals import transitions
from apps.deals.models import (
    ActivityKind,
    Deal,
    DealActivity,
    DealCloseReason,
    DealParticipant,
    DealStage,
    ParticipantRole,
)
from apps.deals.selectors import actor_roles, deal_brokers
from apps.deals.transitions import Role
from apps.listings.models import Achievement, Demand
from apps.notifications.services import notify
from apps.organizations.access import is_operator, organization_ids, verified_organization
from apps.organizations.models import Organization
from apps.webhooks.delivery import publish


class DealError(StrEnum):
    NOT_A_PARTY = "deal_not_a_party"
    PARTY_NOT_VERIFIED = "deal_party_not_verified"
    SAME_PARTIES = "deal_same_parties"
    UNKNOWN_ORGANIZATION = "deal_unknown_organization"
    INTRODUCTION_MISMATCH = "deal_introduction_mismatch"
    UNKNOWN_INTRODUCTION = "deal_unknown_introduction"
    UNKNOWN_LISTING = "deal_unknown_listing"
    LISTING_MISMATCH = "deal_listing_mismatch"
    BROKER_NOT_VERIFIED = "deal_broker_not_verified"
    BAD_TRANSITION = "deal_bad_transition"
    TRANSITION_NOT_ALLOWED = "deal_transition_not_allowed"
    REASON_REQUIRED = "deal_reason_required"
    CLOSED = "deal_closed"
    NOT_ALLOWED = "deal_not_allowed"
    UNKNOWN_BROKER = "deal_unknown_broker"
    ALREADY_PARTICIPANT = "deal_already_participant"
    NOT_PARTICIPANT = "deal_not_participant"


EDITABLE_FIELDS = frozenset({"title", "description"})


def _organization(pk: int, field: str) -> Organization:
    return verified_organization(
        pk,
        field=field,
        unknown_code=DealError.UNKNOWN_ORGANIZATION,
        not_verified_code=DealError.PARTY_NOT_VERIFIED,
        not_verified_message=_("Both parties must be verified organisations."),
    )


def _people_of(*, deal: Deal) -> list[User]:
    """Everyone to tell about a deal: the parties' members and the brokers."""
    users = list(
        User.objects.filter(
            memberships__organization_id__in=[deal.buyer_id, deal.seller_id],
            is_active=True,
            is_service_account=False,
        ).distinct()
    )
    users += [b.user for b in deal_brokers(deal)]
    return users


def _log(*, deal: Deal, actor: User | None, text: str, kind: str = ActivityKind.SYSTEM) -> DealActivity:
    return DealActivity.objects.create(deal=deal, kind=kind, text=text, actor=actor, occurred_at=timezone.now())


def _check_listings(
    *, demand_id: int | None, achievement_id: int | None, buyer: Organization, seller: Organization
) -> tuple[Demand | None, Achievement | None]:
    demand = achievement = None
    if demand_id is not None:
        demand = Demand.objects.filter(pk=demand_id).first()
        if demand is None:
            raise ApplicationError(
                _("Unknown demand."), code=DealError.UNKNOWN_LISTING, field_errors={"demand_id": _("Unknown id.")}
            )
        if demand.owner_id != buyer.pk:
            raise ApplicationError(
                _("A deal's demand must be the buyer's."),
                code=DealError.LISTING_MISMATCH,
                field_errors={"demand_id": _("Not the buyer's demand.")},
            )
    if achievement_id is not None:
        achievement = Achievement.objects.filter(pk=achievement_id).first()
        if achievement is None:
            raise ApplicationError(
                _("Unknown achievement."),
                code=DealError.UNKNOWN_LISTING,
                field_errors={"achievement_id": _("Unknown id.")},
            )
        if achievement.owner_id != seller.pk:
            raise ApplicationError(
                _("A deal's achievement must be the seller's."),
                code=DealError.LISTING_MISMATCH,
                field_errors={"achievement_id": _("Not the seller's achievement.")},
            )
    return demand, achievement


@transaction.atomic
def deal_create(
    *,
    actor: User,
    buyer_id: int,
    seller_id: int,
    title: str,
    description: str = "",
    introduction_id: int | None = None,
    demand_id: int | None = None,
    achievement_id: int | None = None,
) -> Deal:
    """Open a deal, by a member of the buyer or seller, or by a broker from their introduction.

    From an introduction, the buyer and seller must be its two parties (either way round), the
    introduction's broker joins the deal, and its demand or achievement carries over when not given.
    """
    if buyer_id == seller_id:
        raise ApplicationError(
            _("The buyer and the seller must be different organisations."),
            code=DealError.SAME_PARTIES,
            field_errors={"seller_id": _("Same as the buyer.")},
        )
    buyer = _organization(buyer_id, "buyer_id")
    seller = _organization(seller_id, "seller_id")

    introduction: Introduction | None = None
    if introduction_id is not None:
        introduction = Introduction.objects.select_related("broker").filter(pk=introduction_id).first()
        orgs = organization_ids(actor)
        own_broker = broker_for_user(actor)
        visible = introduction is not None and (
            is_operator(actor)
            or (own_broker is not None and introduction.broker_id == own_broker.pk)
            or introduction.party_a_id in orgs
            or introduction.party_b_id in orgs
        )
        if introduction is None or not visible:
            raise ApplicationError(
                _("Unknown introduction."),
                code=DealError.UNKNOWN_INTRODUCTION,
                field_errors={"introduction_id": _("Unknown id.")},
            )
        if {introduction.party_a_id, introduction.party_b_id} != {buyer.pk, seller.pk}:
            raise ApplicationError(
                _("The buyer and the seller must be the two parties of the introduction."),
                code=DealError.INTRODUCTION_MISMATCH,
                field_errors={"introduction_id": _("Introduces other parties.")},
            )
        if introduction.broker.status != BrokerStatus.VERIFIED:
            raise ApplicationError(
                _("The introducing broker is not verified."), code=DealError.BROKER_NOT_VERIFIED, status=409
            )
        demand_id = demand_id if demand_id is not None else introduction.demand_id
        achievement_id = achievement_id if achievement_id is not None else introduction.achievement_id

    roles = set()
    if is_operator(actor):
        roles.add(Role.OPERATOR)
    if buyer.pk in organization_ids(actor) or seller.pk in organization_ids(actor):
        roles.add(Role.PARTY)
    own = broker_for_user(actor)
    if introduction is not None and own is not None and own.pk == introduction.broker_id:
        roles.add(Role.BROKER)
    if not roles:
        raise ApplicationError(
            _("Only a member of the buyer or the seller, or the introducing broker, may open this deal."),
            code=DealError.NOT_A_PARTY,
            status=403,
        )

    demand, achievement = _check_listings(
        demand_id=demand_id, achievement_id=achievement_id, buyer=buyer, seller=seller
    )
    now = timezone.now()
    deal = Deal.objects.create(
        title=title.strip(),
        description=description.strip(),
        buyer=buyer,
        seller=seller,
        introduction=introduction,
        demand=demand,
        achievement=achievement,
        created_by=actor,
        stage=DealStage.LEAD,
        stage_changed_at=now,
    )
    participants = [
        DealParticipant(deal=deal, role=ParticipantRole.BUYER, organization=buyer),
        DealParticipant(deal=deal, role=ParticipantRole.SELLER, organization=seller),
    ]
    if introduction is not None:
        participants.append(DealParticipant(deal=deal, role=ParticipantRole.BROKER, broker=introduction.broker))
    DealParticipant.objects.bulk_create(participants)
    record_model_changes(Deal, [deal.pk])  # its brokers now see it too
    _log(deal=deal, actor=actor, text=_("Deal opened."))
    notify(
        recipients=[u for u in _people_of(deal=deal) if u.pk != actor.pk],
        kind="deal.created",
        title=format_lazy(gettext_lazy("New deal: {title}"), title=deal.title),
        body=format_lazy(gettext_lazy("{buyer} and {seller}"), buyer=buyer.name, seller=seller.name),
        target=deal,
        email=False,
    )
    return deal


def _conditional_update(*, deal: Deal, expected_version: int, **values: Any) -> Deal:
    moved = Deal.objects.filter(pk=deal.pk, version=expected_version).update(
        version=F("version") + 1, updated_at=timezone.now(), **values
    )
    if not moved:
        current = Deal.objects.filter(pk=deal.pk).values_list("version", flat=True).first()
        raise stale_version_error(current_version=current or 0)
    record_model_changes(Deal, [deal.pk])
    return Deal.objects.get(pk=deal.pk)


def _require_role(*, actor: User, deal: Deal, expected_version: int | None = None) -> frozenset[Role]:
    roles = actor_roles(actor=actor, deal=deal)
    if not roles:
        # access_deal has already hidden deals the actor cannot see; this guards direct service use.
        raise ApplicationError(_("You take no part in this deal."), code=DealError.NOT_ALLOWED, status=403)
    if expected_version is not None:
        # A client that read an old version is told so first (412), before any judgement on that old view.
        check_version(expected=expected_version, current=deal.version)
    return roles


@transaction.atomic
def deal_update(*, actor: User, deal: Deal, expected_version: int, data: dict[str, Any]) -> Deal:
    """Edit the title or description (parties, brokers, operator); not once the deal is closed."""
    _require_role(actor=actor, deal=deal, expected_version=expected_version)
    if deal.stage_value in transitions.TERMINAL:
        raise ApplicationError(_("A closed deal cannot be edited."), code=DealError.CLOSED, status=409)
    values = {k: str(v).strip() for k, v in data.items() if k in EDITABLE_FIELDS}
    if not values:
        return deal
    return _conditional_update(deal=deal, expected_version=expected_version, **values)


_STAGE_TITLE = gettext_lazy("Deal {title}: now {stage}")


@transaction.atomic
def deal_advance(
    *,
    actor: User,
    deal: Deal,
    to: str,
    expected_version: int,
    reason: str = "",
    note: str = "",
) -> Deal:
    """Move a deal to another stage, as the transition table allows for the actor's roles.

    ``lost`` and ``cancelled`` need a reason code (``DealCloseReason``) and a note.
    """
    roles = _require_role(actor=actor, deal=deal, expected_version=expected_version)
    here, target = deal.stage_value, DealStage(to)
    if not transitions.is_allowed_anyone(here, target):
        raise ApplicationError(
            _("A deal in stage %(here)s cannot move to %(to)s.") % {"here": here.label, "to": target.label},
            code=DealError.BAD_TRANSITION,
            status=409,
            extra={"allowed": [str(s) for r in roles for s in transitions.allowed_targets(here, r)]},
        )
    if not transitions.can_move(here, target, roles):
        raise ApplicationError(
            _("This move is made by the contract's registration or by the market operator.")
            if target in transitions.CONTRACT_DRIVEN or here in transitions.CONTRACT_DRIVEN
            else _("You may not make this move."),
            code=DealError.TRANSITION_NOT_ALLOWED,
            status=403,
        )
    values: dict[str, Any] = {"stage": target.value, "stage_changed_at": timezone.now()}
    if target in transitions.NEEDS_REASON:
        errors = {}
        if reason not in DealCloseReason.values:
            errors["reason"] = _("Choose a reason.")
        if not note.strip():
            errors["note"] = _("Say what happened.")
        if errors:
            raise ApplicationError(
                _("Losing or cancelling a deal needs a reason and a note."),
                code=DealError.REASON_REQUIRED,
                field_errors=errors,
            )
        values.update(close_reason=reason, close_note=note.strip()[:1000], closed_at=values["stage_changed_at"])
    if target == DealStage.SIGNED:
        values["signed_at"] = values["stage_changed_at"]
    if target == DealStage.COMPLETED:
        values["closed_at"] = values["stage_changed_at"]
    moved = _conditional_update(deal=deal, expected_version=expected_version, **values)
    text = _("Stage: %(from)s → %(to)s.") % {"from": here.label, "to": target.label}
    if note.strip():
        text += " " + note.strip()
    _log(deal=moved, actor=actor, text=text)
    _notify_stage(deal=moved, actor=actor, previous=here)
    return moved


def _notify_stage(*, deal: Deal, actor: User | None, previous: DealStage) -> None:
    """The parties' people hear of the move in-app; their integrations by webhook (deal.stage_changed)."""
    publish("deal.stage_changed", [deal.buyer_id, deal.seller_id], _webhook_data(deal=deal, previous=previous))
    title: str | Promise = format_lazy(_STAGE_TITLE, title=deal.title, stage=DealStage(deal.stage).label)
    notify(
        recipients=[u for u in _people_of(deal=deal) if actor is None or u.pk != actor.pk],
        kind="deal.stage",
        title=title,
        target=deal,
        email=False,
    )


def _webhook_data(*, deal: Deal, previous: DealStage) -> dict[str, Any]:
    return {
        "deal_id": deal.pk,
        "title": deal.title,
        "stage": deal.stage,
        "previous_stage": previous.value,
        "version": deal.version,
        "buyer_id": deal.buyer_id,
        "seller_id": deal.seller_id,
        "demand_id": deal.demand_id,
        "achievement_id": deal.achievement_id,
        "stage_changed_at": deal.stage_changed_at,
    }


@transaction.atomic
def deal_sync_from_contract(*, deal_id: int, stage: DealStage | str) -> None:
    """The contracts side reports its contract signed, registered, performing or completed.

    Moves the deal forward along the pipeline to ``stage`` in one step (one version bump, one system
    activity naming the stages passed). Idempotent: a deal already at or past ``stage`` (or lost or
    cancelled) is left alone. The row is locked, so it serialises with people moving the deal.
    """
    target = DealStage(str(stage))
    if target not in transitions.CONTRACT_DRIVEN:
        raise ValueError(f"deal_sync_from_contract cannot move a deal to {target}")
    deal = Deal.objects.select_for_update().filter(pk=deal_id).first()
    if deal is None:
        return
    path = transitions.contract_path(deal.stage_value, target)
    if not path:
        return
    now = timezone.now()
    values: dict[str, Any] = {"stage": target.value, "stage_changed_at": now}
    if DealStage.SIGNED in path and deal.signed_at is None:
        values["signed_at"] = now
    if target == DealStage.COMPLETED:
        values["closed_at"] = now
    moved = _conditional_update(deal=deal, expected_version=deal.version, **values)
    labels = " → ".join(str(s.label) for s in [deal.stage_value, *path])
    _log(deal=moved, actor=None, text=_("Contract update: %(path)s.") % {"path": labels})
    _notify_stage(deal=moved, actor=None, previous=deal.stage_value)


@transaction.atomic
def deal_broker_add(*, actor: User, deal: Deal, broker_id: int, expected_version: int) -> Deal:
    """A party or the operator brings a verified broker into an open deal."""
    roles = _require_role(actor=actor, deal=deal, expected_version=expected_version)
    if not roles & {Role.PARTY, Role.OPERATOR}:
        raise ApplicationError(
            _("Only the parties or the operator add brokers."), code=DealError.NOT_ALLOWED, status=403
        )
    if deal.stage_value in transitions.TERMINAL:
        raise ApplicationError(_("This deal is closed."), code=DealError.CLOSED, status=409)
    broker = Broker.objects.filter(pk=broker_id, status=BrokerStatus.VERIFIED).first()
    if broker is None:
        raise ApplicationError(
            _("Unknown or unverified broker."),
            code=DealError.UNKNOWN_BROKER,
            field_errors={"broker_id": _("Unknown or unverified broker.")},
        )
    moved = _conditional_update(deal=deal, expected_version=expected_version)
    try:
        with transaction.atomic():
            DealParticipant.objects.create(deal=moved, role=ParticipantRole.BROKER, broker=broker)
    except IntegrityError:
        raise ApplicationError(
            _("This broker already takes part in the deal."), code=DealError.ALREADY_PARTICIPANT, status=409
        ) from None
    _log(deal=moved, actor=actor, text=_("Broker joined: %(name)s.") % {"name": broker.user.name})
    return moved


@transaction.atomic
def deal_broker_remove(*, actor: User, deal: Deal, broker_id: int, expected_version: int) -> Deal:
    """A party or the operator takes a broker off a deal (the history keeps that they took part)."""
    roles = _require_role(actor=actor, deal=deal, expected_version=expected_version)
    if not roles & {Role.PARTY, Role.OPERATOR}:
        raise ApplicationError(
            _("Only the parties or the operator remove brokers."), code=DealError.NOT_ALLOWED, status=403
        )
    participant = DealParticipant.objects.filter(deal=deal, role=ParticipantRole.BROKER, broker_id=broker_id).first()
    if participant is None:
        raise ApplicationError(_("This broker takes no part in the deal."), code=DealError.NOT_PARTICIPANT, status=404)
    moved = _conditional_update(deal=deal, expected_version=expected_version)
    name = participant.broker.user.name if participant.broker else ""
    participant.delete()
    _log(deal=moved, actor=actor, text=_("Broker left: %(name)s.") % {"name": name})
    return moved


@transaction.atomic
def deal_activity_add(
    *, actor: User, deal: Deal, kind: str, text: str, occurred_at: datetime | None = None
) -> DealActivity:
    """A note, call or meeting in the deal's log (parties, brokers, operator). Appending needs no version."""
    _require_role(actor=actor, deal=deal)
    if kind not in (ActivityKind.NOTE, ActivityKind.CALL, ActivityKind.MEETING):
        raise ApplicationError(
            _("Choose note, call or meeting."), code=DealError.NOT_ALLOWED, field_errors={"kind": _("Not allowed.")}
        )
    return DealActivity.objects.create(
        deal=deal, kind=kind, text=text.strip(), actor=actor, occurred_at=occurred_at or timezone.now()
    )
