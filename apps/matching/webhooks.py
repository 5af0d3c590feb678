"""What matching tells the listings' owners' integrations (apps.webhooks)."""

from __future__ import annotations

from apps.matching.models import Match
from apps.webhooks.delivery import publish


def publish_match(match: Match) -> None:
    """A strong new match: ``match.created`` to both listings' owners (both listings are published)."""
    publish(
        "match.created",
        [match.demand.owner_id, match.achievement.owner_id],
        {
            "match_id": match.pk,
            "demand_id": match.demand_id,
            "demand_owner_id": match.demand.owner_id,
            "achievement_id": match.achievement_id,
            "achievement_owner_id": match.achievement.owner_id,
            "score": round(match.score, 4),
        },
    )
