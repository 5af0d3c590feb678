"""Organisations in the changes feed (apps.core.changes): the verified directory is public, others their members'."""

from __future__ import annotations

from apps.core.changes import Audience, register_change_type
from apps.organizations.models import Organization, VerificationStatus
from apps.organizations.selectors import organization_visible_qs


def _audience(ids: list[int]) -> dict[int, Audience]:
    return {
        pk: Audience(public=status == VerificationStatus.VERIFIED, organization_ids=frozenset({pk}))
        for pk, status in Organization.objects.filter(pk__in=ids).values_list("pk", "verification_status")
    }


register_change_type(
    "organization",
    model=Organization,
    visible_qs=organization_visible_qs,
    audience=_audience,
    path="organizations/{id}",
)
