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

# Re-exported for callers that read them here; the vocabulary lives in apps.organizations.access.
from apps.organizations.access import Actor
from apps.organizations.access import actor_memberships as actor_memberships
from apps.organizations.access import admin_organization_ids as admin_organization_ids
from apps.organizations.access import forget_memberships as forget_memberships
from apps.organizations.access import is_operator as is_operator
from apps.organizations.access import organization_ids as organization_ids
from apps.organizations.models import (
    Membership,
    Organization,
    VerificationDocument,
    VerificationStatus,
)


def organization_visible_qs(actor: Actor) -> QuerySet[Organization]:
    """Verified organisations form the public directory; unverified ones only their members see."""
    qs = Organization.objects.select_related("region", "entity_type", "country")
    if is_operator(actor):
        return qs
    return qs.filter(Q(verification_status=VerificationStatus.VERIFIED) | Q(pk__in=organization_ids(actor)))


def organization_list(*, actor: Actor, filters: dict[str, Any] | None = None) -> QuerySet[Organization]:
    from apps.organizations.filters import OrganizationFilter

    filterset = OrganizationFilter(filters or {}, queryset=organization_visible_qs(actor))
    if not filterset.is_valid():
        raise ValidationError(filterset.errors)
    return filterset.qs


def access_organization(*, actor: Actor, pk: int) -> Organization:
    try:
        return organization_visible_qs(actor).get(pk=pk)
    except (Organization.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def check_member_access(*, actor: Actor, pk: int) -> None:
    """Members and the operator only; anyone else gets a 404 (member data is private)."""
    if pk not in organization_ids(actor) and not is_operator(actor):
        raise Http404


def access_organization_as_member(*, actor: Actor, pk: int) -> Organization:
    check_member_access(actor=actor, pk=pk)
    return access_organization(actor=actor, pk=pk)


def access_organization_as_admin(*, actor: Actor, pk: int) -> Organization:
    organization = access_organization_as_member(actor=actor, pk=pk)
    if pk not in admin_organization_ids(actor):
        raise ApplicationError(
            _("Only an administrator of this organisation may do this."),
            code=ErrorCode.PERMISSION_DENIED,
            status=403,
        )
    return organization


def membership_list(*, actor: Actor, organization: Organization) -> QuerySet[Membership]:
    check_member_access(actor=actor, pk=organization.pk)
    return Membership.objects.filter(organization=organization, user__is_service_account=False).select_related("user")


def user_memberships(*, actor: User) -> QuerySet[Membership]:
    return Membership.objects.filter(user=actor).select_related("organization")


def verification_document_list(*, actor: Actor, organization: Organization) -> QuerySet[VerificationDocument]:
    """The organisation's verification documents: for its members and the operator; others get a 404."""
    if not is_operator(actor) and organization.pk not in organization_ids(actor):
        raise Http404
    return VerificationDocument.objects.filter(organization=organization).order_by("id")


def access_verification_document(*, actor: Actor, organization: Organization, pk: int) -> VerificationDocument:
    document = verification_document_list(actor=actor, organization=organization).filter(pk=pk).first()
    if document is None:
        raise Http404
    return document
