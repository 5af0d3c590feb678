"""Reads of organisations and memberships, always scoped to the acting user.

An organisation the actor may not see is a 404 (``Http404``), never a 403 that would leak it.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError

from apps.accounts.models import User
from apps.core.errors import ApplicationError, ErrorCode
from apps.organizations.models import (
    Membership,
    MembershipRole,
    Organization,
    OrganizationType,
    VerificationStatus,
)

_CACHE_ATTR = "_market_memberships"


def actor_memberships(actor: Any) -> dict[int, str]:
    """{organisation id: role} for the actor, computed once per user object (so once per request)."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return {}
    cached = getattr(actor, _CACHE_ATTR, None)
    if cached is None:
        rows = list(Membership.objects.filter(user=actor).values_list("organization_id", "role", "organization__type"))
        cached = {org_id: role for org_id, role, _type in rows}
        setattr(actor, _CACHE_ATTR, cached)
        actor._market_is_operator = any(t == OrganizationType.MARKET_OPERATOR for _o, _r, t in rows)
    return cached


def forget_memberships(actor: Any) -> None:
    """Drop the per-object cache after a write that changed the actor's memberships."""
    for attr in (_CACHE_ATTR, "_market_is_operator"):
        if hasattr(actor, attr):
            delattr(actor, attr)


def is_operator(actor: Any) -> bool:
    """The market operator (科技大市场运营方): a member of an organisation of type market_operator."""
    actor_memberships(actor)
    return bool(getattr(actor, "_market_is_operator", False))


def organization_ids(actor: Any) -> set[int]:
    return set(actor_memberships(actor))


def admin_organization_ids(actor: Any) -> set[int]:
    return {org_id for org_id, role in actor_memberships(actor).items() if role == MembershipRole.ADMIN}


def organization_visible_qs(actor: Any) -> QuerySet[Organization]:
    """Verified organisations form the public directory; unverified ones only their members see."""
    qs = Organization.objects.select_related("region", "entity_type")
    if is_operator(actor):
        return qs
    return qs.filter(Q(verification_status=VerificationStatus.VERIFIED) | Q(pk__in=organization_ids(actor)))


def organization_list(*, actor: Any, filters: dict[str, Any] | None = None) -> QuerySet[Organization]:
    from apps.organizations.filters import OrganizationFilter

    filterset = OrganizationFilter(filters or {}, queryset=organization_visible_qs(actor))
    if not filterset.is_valid():
        raise ValidationError(filterset.errors)
    return filterset.qs


def access_organization(*, actor: Any, pk: int) -> Organization:
    try:
        return organization_visible_qs(actor).get(pk=pk)
    except (Organization.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def check_member_access(*, actor: Any, pk: int) -> None:
    """Members and the operator only; anyone else gets a 404 (member data is private)."""
    if pk not in organization_ids(actor) and not is_operator(actor):
        raise Http404


def access_organization_as_member(*, actor: Any, pk: int) -> Organization:
    check_member_access(actor=actor, pk=pk)
    return access_organization(actor=actor, pk=pk)


def access_organization_as_admin(*, actor: Any, pk: int) -> Organization:
    organization = access_organization_as_member(actor=actor, pk=pk)
    if pk not in admin_organization_ids(actor):
        raise ApplicationError(
            _("Only an administrator of this organisation may do this."),
            code=ErrorCode.PERMISSION_DENIED,
            status=403,
        )
    return organization


def membership_list(*, actor: Any, organization: Organization) -> QuerySet[Membership]:
    check_member_access(actor=actor, pk=organization.pk)
    return Membership.objects.filter(organization=organization, user__is_service_account=False).select_related("user")


def user_memberships(*, actor: User) -> QuerySet[Membership]:
    return Membership.objects.filter(user=actor).select_related("organization")
