"""Reads of organisations and memberships, always scoped to the acting user.

An organisation the actor may not see is a 404 (``Http404``), never a 403 that would leak it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
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
    QualificationStatus,
    QualificationTag,
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
    # Verified qualification tags ride along (one query per page): the answer names those valid today.
    return filterset.qs.prefetch_related(
        Prefetch(
            "qualification_tags",
            queryset=QualificationTag.objects.filter(status=QualificationStatus.VERIFIED),
            to_attr="verified_qualifications",
        )
    )


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


def active_qualification_kinds(organization_id: int, on: date) -> set[str]:
    """The qualification kinds the organisation holds on ``on``: verified tags whose period covers the day."""
    return set(
        QualificationTag.objects.filter(
            organization_id=organization_id,
            status=QualificationStatus.VERIFIED,
            valid_from__lte=on,
            valid_until__gte=on,
        ).values_list("kind", flat=True)
    )


def qualification_list(*, actor: Actor, organization: Organization) -> QuerySet[QualificationTag]:
    """Verified tags are public with the organisation; pending and rejected ones only members and the operator see."""
    qs = QualificationTag.objects.filter(organization=organization)
    if organization.pk in organization_ids(actor) or is_operator(actor):
        return qs
    return qs.filter(status=QualificationStatus.VERIFIED)


def access_qualification(*, actor: Actor, organization: Organization, pk: int) -> QualificationTag:
    try:
        return qualification_list(actor=actor, organization=organization).select_related("organization").get(pk=pk)
    except (QualificationTag.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
