"""Writes of broker profiles and the attribution ledger."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts.models import User
from apps.brokers.models import Broker, BrokerStatus, Introduction
from apps.brokers.selectors import broker_for_user
from apps.core.errors import ApplicationError
from apps.listings.models import Achievement, Demand
from apps.notifications.services import notify
from apps.organizations.access import (
    is_operator,
    operator_users,
    organization_ids,
    require_operator,
    verified_organization,
)
from apps.organizations.models import Organization
from apps.reference.models import Industry, Region, TechnologyField


class BrokerError(StrEnum):
    ALREADY_REGISTERED = "broker_already_registered"
    NOT_A_MEMBER = "broker_not_a_member"
    ORGANIZATION_NOT_VERIFIED = "broker_organization_not_verified"
    DUPLICATE_CERTIFICATE = "broker_duplicate_certificate"
    UNKNOWN_CODE = "broker_unknown_code"
    ALREADY_DECIDED = "broker_verification_already_decided"
    REASON_REQUIRED = "rejection_reason_required"
    NOT_A_BROKER = "not_a_broker"
    NOT_VERIFIED = "broker_not_verified"
    SAME_PARTIES = "introduction_same_parties"
    UNKNOWN_PARTY = "introduction_unknown_party"
    PARTY_NOT_VERIFIED = "introduction_party_not_verified"
    UNKNOWN_LISTING = "introduction_unknown_listing"
    LISTING_MISMATCH = "introduction_listing_mismatch"
    BAD_COMMISSION = "introduction_bad_commission"


# Changing what the operator checked sends a verified profile back to review.
VERIFIED_FIELDS = frozenset({"level", "certificate_number", "organization_id"})
PROFILE_FIELDS = frozenset({"level", "certificate_number", "bio", "organization_id"})


def _codes(model: type[Any], codes: list[str], field: str) -> list[Any]:
    found = list(model.objects.filter(pk__in=codes))
    missing = sorted(set(codes) - {obj.pk for obj in found})
    if missing:
        raise ApplicationError(
            _("Unknown codes: %(codes)s.") % {"codes": ", ".join(missing)},
            code=BrokerError.UNKNOWN_CODE,
            field_errors={field: _("Unknown codes: %(codes)s.") % {"codes": ", ".join(missing)}},
        )
    return found


def _agency(*, actor: User, organization_id: int) -> Organization:
    if organization_id not in organization_ids(actor):
        raise ApplicationError(
            _("You can only register as a broker of an organisation you belong to."),
            code=BrokerError.NOT_A_MEMBER,
            field_errors={"organization_id": _("Not one of your organisations.")},
        )
    # A member's organisation exists, so the unknown code cannot apply here.
    return verified_organization(
        organization_id,
        field="organization_id",
        unknown_code=BrokerError.NOT_A_MEMBER,
        not_verified_code=BrokerError.ORGANIZATION_NOT_VERIFIED,
        not_verified_message=_("The organisation must be verified first."),
    )


def _set_specialties(broker: Broker, data: dict[str, Any]) -> None:
    if "field_codes" in data:
        broker.fields.set(_codes(TechnologyField, list(data["field_codes"]), "field_codes"))
    if "industry_codes" in data:
        broker.industries.set(_codes(Industry, list(data["industry_codes"]), "industry_codes"))
    if "region_codes" in data:
        broker.regions.set(_codes(Region, list(data["region_codes"]), "region_codes"))


@transaction.atomic
def broker_register(*, actor: User, data: dict[str, Any]) -> Broker:
    """The actor files their broker profile; it waits for the operator's verification."""
    if Broker.objects.filter(user=actor).exists():
        raise ApplicationError(_("You already have a broker profile."), code=BrokerError.ALREADY_REGISTERED, status=409)
    organization = _agency(actor=actor, organization_id=data["organization_id"])
    try:
        with transaction.atomic():
            broker = Broker.objects.create(
                user=actor,
                organization=organization,
                level=data["level"],
                certificate_number=data["certificate_number"].strip(),
                bio=data.get("bio", "").strip(),
            )
    except IntegrityError:
        raise ApplicationError(
            _("This certificate number is already registered."),
            code=BrokerError.DUPLICATE_CERTIFICATE,
            status=409,
            field_errors={"certificate_number": _("Already registered.")},
        ) from None
    _set_specialties(broker, data)
    if hasattr(actor, "_market_broker"):
        del actor._market_broker
    notify(
        recipients=operator_users(),
        kind="broker.verification_requested",
        title=format_lazy(gettext_lazy("Broker profile to verify: {name}"), name=actor.name),
        target=broker,
        email=False,
    )
    return broker


@transaction.atomic
def broker_update(*, actor: User, broker: Broker, data: dict[str, Any]) -> Broker:
    """The broker edits their profile; changing level, certificate or agency sends it back to review."""
    if broker.user_id != actor.pk and not is_operator(actor):
        raise ApplicationError(_("Only the broker edits their profile."), code=BrokerError.NOT_A_BROKER, status=403)
    changed: set[str] = set()
    if "organization_id" in data and data["organization_id"] != broker.organization_id:
        broker.organization = _agency(actor=broker.user, organization_id=data["organization_id"])
        changed.add("organization_id")
    for name in ("level", "certificate_number", "bio"):
        if name in data and str(data[name]).strip() != getattr(broker, name):
            setattr(broker, name, str(data[name]).strip())
            changed.add(name)
    if changed & VERIFIED_FIELDS and broker.status != BrokerStatus.PENDING and not is_operator(actor):
        broker.status = BrokerStatus.PENDING
        broker.verified_at = None
        broker.verified_by = None
    try:
        with transaction.atomic():
            broker.save()
    except IntegrityError:
        raise ApplicationError(
            _("This certificate number is already registered."),
            code=BrokerError.DUPLICATE_CERTIFICATE,
            status=409,
            field_errors={"certificate_number": _("Already registered.")},
        ) from None
    _set_specialties(broker, data)
    return broker


@transaction.atomic
def broker_verify(*, actor: User, broker: Broker, approve: bool, reason: str = "") -> Broker:
    """The operator verifies a pending profile, or rejects it with a reason."""
    require_operator(actor, _("Only the market operator verifies brokers."))
    if not approve and not reason.strip():
        raise ApplicationError(
            _("A rejection needs a reason."),
            code=BrokerError.REASON_REQUIRED,
            field_errors={"reason": _("Required when rejecting.")},
        )
    now = timezone.now()
    updated = Broker.objects.filter(pk=broker.pk, status=BrokerStatus.PENDING).update(
        status=BrokerStatus.VERIFIED if approve else BrokerStatus.REJECTED,
        verified_at=now if approve else None,
        verified_by=actor,
        rejection_reason="" if approve else reason.strip(),
        updated_at=now,
    )
    if not updated:
        raise ApplicationError(
            _("This broker profile is not pending verification."), code=BrokerError.ALREADY_DECIDED, status=409
        )
    broker.refresh_from_db()
    notify(
        recipients=[broker.user],
        kind="broker.verification",
        title=gettext_lazy("Your broker profile has been verified")
        if approve
        else gettext_lazy("Your broker profile was not verified"),
        body="" if approve else format_lazy(gettext_lazy("Reason: {reason}"), reason=broker.rejection_reason),
        target=broker,
    )
    return broker


def _party(pk: int, field: str) -> Organization:
    return verified_organization(
        pk,
        field=field,
        unknown_code=BrokerError.UNKNOWN_PARTY,
        not_verified_code=BrokerError.PARTY_NOT_VERIFIED,
        not_verified_message=_("Only verified organisations can be introduced."),
    )


@transaction.atomic
def introduction_record(
    *,
    actor: User,
    party_a_id: int,
    party_b_id: int,
    commission_rate: Decimal,
    commission_fixed: Decimal = Decimal("0"),
    commission_cap: Decimal | None = None,
    demand_id: int | None = None,
    achievement_id: int | None = None,
    note: str = "",
) -> Introduction:
    """A verified broker records that they introduced two organisations, with the agreed commission.

    The entry is final: it is timestamped by the database and can never be edited or deleted.
    Both parties' admins are told, so neither can later claim not to know the broker.
    """
    broker = broker_for_user(actor)
    if broker is None:
        raise ApplicationError(_("You have no broker profile."), code=BrokerError.NOT_A_BROKER, status=403)
    if broker.status != BrokerStatus.VERIFIED:
        raise ApplicationError(_("Your broker profile is not verified yet."), code=BrokerError.NOT_VERIFIED, status=403)
    if party_a_id == party_b_id:
        raise ApplicationError(
            _("An introduction is between two different organisations."),
            code=BrokerError.SAME_PARTIES,
            field_errors={"party_b_id": _("Same as party A.")},
        )
    party_a = _party(party_a_id, "party_a_id")
    party_b = _party(party_b_id, "party_b_id")
    pair = {party_a.pk, party_b.pk}
    demand = achievement = None
    if demand_id is not None:
        demand = Demand.objects.filter(pk=demand_id).first()
        if demand is None:
            raise ApplicationError(
                _("Unknown demand."), code=BrokerError.UNKNOWN_LISTING, field_errors={"demand_id": _("Unknown id.")}
            )
        if demand.owner_id not in pair:
            raise ApplicationError(
                _("The demand must belong to one of the parties."),
                code=BrokerError.LISTING_MISMATCH,
                field_errors={"demand_id": _("Not a party's demand.")},
            )
    if achievement_id is not None:
        achievement = Achievement.objects.filter(pk=achievement_id).first()
        if achievement is None:
            raise ApplicationError(
                _("Unknown achievement."),
                code=BrokerError.UNKNOWN_LISTING,
                field_errors={"achievement_id": _("Unknown id.")},
            )
        if achievement.owner_id not in pair:
            raise ApplicationError(
                _("The achievement must belong to one of the parties."),
                code=BrokerError.LISTING_MISMATCH,
                field_errors={"achievement_id": _("Not a party's achievement.")},
            )
    if commission_cap is not None and commission_cap < commission_fixed:
        raise ApplicationError(
            _("The commission cap cannot be below the fixed commission."),
            code=BrokerError.BAD_COMMISSION,
            field_errors={"commission_cap": _("Below the fixed commission.")},
        )
    introduction = Introduction.objects.create(
        broker=broker,
        party_a=party_a,
        party_b=party_b,
        demand=demand,
        achievement=achievement,
        commission_rate=commission_rate,
        commission_fixed=commission_fixed,
        commission_cap=commission_cap,
        note=note.strip(),
        created_by=actor,
    )
    admins = User.objects.filter(
        memberships__organization_id__in=pair, memberships__role="admin", is_active=True
    ).distinct()
    notify(
        recipients=list(admins),
        kind="broker.introduction",
        title=format_lazy(
            gettext_lazy("{broker} introduced {a} and {b}"), broker=actor.name, a=party_a.name, b=party_b.name
        ),
        body=gettext_lazy("The introduction is recorded with its time and the agreed commission terms."),
        target=introduction,
    )
    return introduction
