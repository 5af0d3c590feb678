"""Who may do what: the one access vocabulary every app uses.

- :data:`Actor`: whoever makes a request (a user, an API key's service user, or anonymous);
- memberships: :func:`actor_memberships`, :func:`organization_ids`, :func:`admin_organization_ids`;
- the market operator (科技大市场运营方): :func:`is_operator`, :func:`require_operator` (one error code,
  ``operator_only``), :func:`operator_users` (the people who hear of what needs the operator);
- owners and counterparties: :func:`resolve_owner` (which of the actor's organisations a new record
  belongs to), :func:`verified_organization` (an organisation that must exist and be verified).

Selectors scope reads with these; services refuse writes with them; API views call neither directly
for permission decisions.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TypeAlias, cast

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.core.errors import ApplicationError
from apps.organizations.models import Membership, MembershipRole, Organization, OrganizationType, VerificationStatus

Actor: TypeAlias = User | AnonymousUser


class AccessError(StrEnum):
    OPERATOR_ONLY = "operator_only"
    OWNER_REQUIRED = "owner_required"
    NOT_OWNER_MEMBER = "not_owner_member"


_CACHE_ATTR = "_market_memberships"
_OPERATOR_ATTR = "_market_is_operator"


def actor_memberships(actor: Actor | None) -> dict[int, str]:
    """{organisation id: role} for the actor, computed once per user object (so once per request)."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return {}
    cached: dict[int, str] | None = getattr(actor, _CACHE_ATTR, None)
    if cached is None:
        rows = list(
            Membership.objects.filter(user=cast(User, actor)).values_list(
                "organization_id", "role", "organization__type"
            )
        )
        cached = {org_id: role for org_id, role, _type in rows}
        setattr(actor, _CACHE_ATTR, cached)
        setattr(actor, _OPERATOR_ATTR, any(t == OrganizationType.MARKET_OPERATOR for _o, _r, t in rows))
    return cached


def forget_memberships(actor: Actor) -> None:
    """Drop the per-object cache after a write that changed the actor's memberships."""
    for attr in (_CACHE_ATTR, _OPERATOR_ATTR):
        if hasattr(actor, attr):
            delattr(actor, attr)


def organization_ids(actor: Actor | None) -> set[int]:
    return set(actor_memberships(actor))


def admin_organization_ids(actor: Actor | None) -> set[int]:
    return {org_id for org_id, role in actor_memberships(actor).items() if role == MembershipRole.ADMIN}


def is_operator(actor: Actor | None) -> bool:
    """The market operator: a member of an organisation of type ``market_operator``."""
    actor_memberships(actor)
    return bool(getattr(actor, _OPERATOR_ATTR, False))


def require_operator(actor: Actor | None, message: str | Promise | None = None) -> None:
    """Refuse (403, ``operator_only``) unless the actor is the market operator."""
    if not is_operator(actor):
        raise ApplicationError(
            str(message) if message is not None else _("Only the market operator may do this."),
            code=AccessError.OPERATOR_ONLY,
            status=403,
        )


def operator_users() -> QuerySet[User]:
    """The active members of the market operator's organisations: who hears of what needs the operator."""
    return User.objects.filter(
        memberships__organization__type=OrganizationType.MARKET_OPERATOR, is_active=True
    ).distinct()


def resolve_owner(
    *,
    actor: Actor,
    owner_id: int | None,
    required_message: str | Promise | None = None,
    not_member_message: str | Promise | None = None,
    not_member_status: int = 400,
) -> Organization:
    """The organisation a new record belongs to: the one named, or the actor's only (non-operator) one.

    The messages say what is being recorded (a listing, an asset …); the rule and the codes are one.
    """
    memberships = actor_memberships(actor)
    if owner_id is None:
        # One query, not one per membership: the operator's own organisation owns nothing on the market.
        candidates = list(
            Organization.objects.filter(pk__in=memberships)
            .exclude(type=OrganizationType.MARKET_OPERATOR)
            .values_list("pk", flat=True)
        )
        if len(candidates) != 1:
            raise ApplicationError(
                str(required_message or _("Say which of your organisations this is for (owner_id).")),
                code=AccessError.OWNER_REQUIRED,
                field_errors={"owner_id": _("Required unless you belong to exactly one organisation.")},
            )
        owner_id = candidates[0]
    elif owner_id not in memberships:
        raise ApplicationError(
            str(not_member_message or _("You can only act for an organisation you belong to.")),
            code=AccessError.NOT_OWNER_MEMBER,
            status=not_member_status,
            field_errors={"owner_id": _("You are not a member of this organisation.")},
        )
    return Organization.objects.select_related("region").get(pk=owner_id)


def verified_organization(
    pk: int,
    *,
    field: str,
    unknown_code: str,
    not_verified_code: str,
    not_verified_message: str | Promise,
    organization_type: OrganizationType | None = None,
    not_verified_status: int = 409,
) -> Organization:
    """The organisation ``pk`` if it exists (of ``organization_type``, when given) and the operator verified it.

    Unknown (or of another type): 400 on ``field``; known but not verified: ``not_verified_status``.
    """
    organization = Organization.objects.filter(pk=pk).first()
    if organization is None or (organization_type is not None and organization.type != organization_type):
        raise ApplicationError(_("Unknown organisation."), code=unknown_code, field_errors={field: _("Unknown id.")})
    if organization.verification_status != VerificationStatus.VERIFIED:
        raise ApplicationError(
            str(not_verified_message),
            code=not_verified_code,
            status=not_verified_status,
            field_errors={field: _("Not verified.")},
        )
    return organization
