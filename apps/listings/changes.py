"""Achievements and demands in the changes feed (apps.core.changes): public while published, else the owner's."""

from __future__ import annotations

from typing import Any

from apps.core.changes import Audience, register_change_type
from apps.listings.models import Achievement, Demand, ListingStatus
from apps.listings.selectors import listing_visible_qs


def _audience(model: type[Achievement] | type[Demand]) -> Any:
    def audience(ids: list[int]) -> dict[int, Audience]:
        return {
            pk: Audience(public=status == ListingStatus.PUBLISHED, organization_ids=frozenset({owner_id}))
            for pk, status, owner_id in model.objects.filter(pk__in=ids).values_list("pk", "status", "owner_id")
        }

    return audience


register_change_type(
    "achievement",
    model=Achievement,
    visible_qs=lambda actor: listing_visible_qs(Achievement, actor),
    audience=_audience(Achievement),
    path="achievements/{id}",
)
register_change_type(
    "demand",
    model=Demand,
    visible_qs=lambda actor: listing_visible_qs(Demand, actor),
    audience=_audience(Demand),
    path="demands/{id}",
)
