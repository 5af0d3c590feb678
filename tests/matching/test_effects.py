"""Listings reach matching through durable effects: recorded with the publication, run by a worker.

Real database, no mocks: the listings are created and published over the API; the effects are run the
way a worker runs them (``run_pending_effects``: the worker's code path without Celery).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction

from apps.core.effects import run_pending_effects
from apps.core.models import Effect, EffectStatus
from apps.listings.models import Achievement, Demand, ListingStatus
from apps.listings.services import listing_review, listing_submit
from apps.matching.models import ChangeOp, IndexChange, ListingKind, Match, MatchState
from tests.matching.factories import GEAR_ACHIEVEMENT, GEAR_DEMAND, draft_achievement

pytestmark = pytest.mark.django_db


def _json(data: dict[str, Any]) -> dict[str, Any]:
    return {k: str(v) if isinstance(v, Decimal) else v for k, v in data.items()}


def _publish_over_api(client_for, *, plural: str, data: dict[str, Any], owner_user, operator) -> int:
    created = client_for(owner_user).post(f"/api/v1/{plural}", _json(data), format="json")
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert client_for(owner_user).post(f"/api/v1/{plural}/{pk}/submit").status_code == 200
    approved = client_for(operator).post(f"/api/v1/{plural}/{pk}/review", {"approve": True}, format="json")
    assert approved.status_code == 200, approved.json()
    return pk


def _changed(kind: str) -> list[dict[str, Any]]:
    return [e.kwargs for e in Effect.objects.filter(name="matching.listings_changed", kwargs__kind=kind).order_by("pk")]


def test_publishing_over_the_api_records_the_effect_and_running_it_stores_the_matches(
    client_for, university, uni_user, enterprise, ent_user, operator
):
    achievement_id = _publish_over_api(
        client_for, plural="achievements", data=GEAR_ACHIEVEMENT, owner_user=uni_user, operator=operator
    )
    # Creating and submitting a draft tells matching nothing; the publication records one effect.
    assert _changed("achievement") == [{"kind": "achievement", "listing_ids": [achievement_id]}]
    assert not IndexChange.objects.exists()  # matching has not run yet: the effect is only recorded
    demand_data = {**GEAR_DEMAND, "deadline": "2099-12-31"}
    demand_id = _publish_over_api(
        client_for, plural="demands", data=demand_data, owner_user=ent_user, operator=operator
    )
    assert _changed("demand") == [{"kind": "demand", "listing_ids": [demand_id]}]
    assert not Match.objects.exists()

    assert run_pending_effects() >= 4  # two listings_changed, then one index_listings per listing

    assert not Effect.objects.exclude(status=EffectStatus.DONE).filter(name__startswith="matching.").exists()
    assert set(IndexChange.objects.values_list("kind", "listing_id", "op")) == {
        (ListingKind.ACHIEVEMENT, achievement_id, ChangeOp.UPSERT),
        (ListingKind.DEMAND, demand_id, ChangeOp.UPSERT),
    }
    index_effects = Effect.objects.filter(name="matching.index_listings")
    assert {(e.kwargs["kind"], tuple(e.kwargs["listing_ids"]), e.kwargs["shard"]) for e in index_effects} == {
        ("achievement", (achievement_id,), 0),
        ("demand", (demand_id,), 0),
    }
    match = Match.objects.get()
    assert (match.demand_id, match.achievement_id, match.state) == (demand_id, achievement_id, MatchState.SUGGESTED)


def test_the_effect_commits_or_rolls_back_with_the_publication(university, uni_user, operator):
    listing = draft_achievement(university, **GEAR_ACHIEVEMENT)
    listing_submit(actor=uni_user, listing=listing)

    with pytest.raises(RuntimeError), transaction.atomic():
        listing_review(actor=operator, listing=listing, approve=True)
        assert _changed("achievement") == [{"kind": "achievement", "listing_ids": [listing.pk]}]
        raise RuntimeError("the publication fails after the effect was recorded")

    assert Achievement.objects.get(pk=listing.pk).status == ListingStatus.SUBMITTED
    assert _changed("achievement") == []


def test_a_late_effect_follows_the_listing_as_it_is_now(
    client_for, university, uni_user, enterprise, ent_user, operator
):
    """Published, then withdrawn before matching ran: the listing is logged as gone, and never matched."""
    _publish_over_api(client_for, plural="achievements", data=GEAR_ACHIEVEMENT, owner_user=uni_user, operator=operator)
    demand_id = _publish_over_api(
        client_for,
        plural="demands",
        data={**GEAR_DEMAND, "deadline": "2099-12-31"},
        owner_user=ent_user,
        operator=operator,
    )
    withdrawn = client_for(ent_user).post(f"/api/v1/demands/{demand_id}/withdraw", {"note": "已解决"}, format="json")
    assert withdrawn.status_code == 200
    assert len(_changed("demand")) == 2

    run_pending_effects()

    assert set(IndexChange.objects.filter(kind=ListingKind.DEMAND).values_list("op", flat=True)) == {ChangeOp.REMOVE}
    assert Demand.objects.get(pk=demand_id).status == ListingStatus.WITHDRAWN
    assert not Match.objects.exists()
