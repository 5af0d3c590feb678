"""Challenges in the changes feed (apps.core.changes): public once open, else the issuer's and the bidders'."""

from __future__ import annotations

from apps.challenges.models import PUBLIC_STATUSES, Bid, Challenge
from apps.challenges.selectors import challenge_visible_qs
from apps.core.changes import Audience, register_change_type, register_part


def _audience(ids: list[int]) -> dict[int, Audience]:
    orgs: dict[int, set[int]] = {}
    public: dict[int, bool] = {}
    for pk, status, issuer_id in Challenge.objects.filter(pk__in=ids).values_list("pk", "status", "issuer_id"):
        orgs[pk] = {issuer_id}
        public[pk] = status in PUBLIC_STATUSES
    for challenge_id, organization_id in Bid.objects.filter(challenge_id__in=ids).values_list(
        "challenge_id", "organization_id"
    ):
        orgs[challenge_id].add(organization_id)
    return {pk: Audience(public=public[pk], organization_ids=frozenset(members)) for pk, members in orgs.items()}


register_change_type(
    "challenge", model=Challenge, visible_qs=challenge_visible_qs, audience=_audience, path="challenges/{id}"
)
register_part(Bid, of="challenge", record_id=lambda row: row.challenge_id)
