"""Matching driven by the listings lifecycle: publish → matches, withdraw/expire → gone, idempotent re-runs,
dismissed pairs never back, strong matches notified once to the right people."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.core.errors import ApplicationError
from apps.listings.models import Achievement, Demand, ListingStatus
from apps.listings.services import listing_mark_transferred, listing_withdraw, listings_expire
from apps.matching import engine, index_state
from apps.matching.feedback import match_feedback
from apps.matching.models import ChangeOp, IndexChange, ListingKind, Match, MatchState
from apps.matching.services import listing_rematch
from apps.matching.tasks import index_listings
from apps.notifications.models import Notification
from tests.brokers.factories import make_broker
from tests.factories import member_of
from tests.matching.factories import GEAR_ACHIEVEMENT, GEAR_DEMAND, draft_achievement, draft_demand, publish

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("celery_eager")]


def test_publishing_a_demand_stores_its_top_matches_with_explanation(market):
    demand, gear = market["demand"], market["gear"]
    matches = list(Match.objects.filter(demand=demand).order_by("-score"))
    assert matches, "the gear achievement fits the gear demand"
    best = matches[0]
    assert best.achievement_id == gear.pk
    assert best.state == MatchState.SUGGESTED
    assert best.engine_version == engine.ENGINE_VERSION
    assert best.index_version == IndexChange.objects.latest("id").id
    assert best.explanation["engine_version"] == engine.ENGINE_VERSION
    assert {c["criterion"] for c in best.explanation["criteria"]} >= {"field", "trl", "price"}
    assert any("齿轮" in t["term"] for t in best.explanation["text"]["terms"])
    # The rice achievement shares nothing with a gear problem.
    assert not Match.objects.filter(demand=demand, achievement=market["rice"]).exists()


def test_publishing_an_achievement_finds_the_demands_it_fits(
    enterprise, ent_user, university, uni_user, operator, on_commit
):
    demand = on_commit(publish, draft_demand(enterprise, **GEAR_DEMAND), owner_user=ent_user, operator=operator)
    assert not Match.objects.exists()
    gear = on_commit(publish, draft_achievement(university, **GEAR_ACHIEVEMENT), owner_user=uni_user, operator=operator)
    (match,) = Match.objects.all()
    assert (match.demand_id, match.achievement_id) == (demand.pk, gear.pk)
    assert IndexChange.objects.filter(kind=ListingKind.ACHIEVEMENT, listing_id=gear.pk, op=ChangeOp.UPSERT).exists()


def test_rerunning_the_task_changes_nothing_and_notifies_once(market, ent_user):
    demand = market["demand"]
    before = {(m.pk, m.achievement_id, m.score, m.state) for m in Match.objects.filter(demand=demand)}
    notes = Notification.objects.filter(kind="match_found").count()
    for _ in range(2):
        index_listings.delay(kind="demand", listing_ids=[demand.pk])
        index_listings.delay(kind="achievement", listing_ids=[a.pk for a in Achievement.objects.all()])
    after = {(m.pk, m.achievement_id, m.score, m.state) for m in Match.objects.filter(demand=demand)}
    assert after == before
    assert Notification.objects.filter(kind="match_found").count() == notes


def test_withdrawing_removes_suggestions_keeps_feedback(market, ent_user, uni_user, on_commit):
    demand, gear = market["demand"], market["gear"]
    viewed = Match.objects.get(demand=demand, achievement=gear)
    match_feedback(actor=ent_user, match=viewed, state=MatchState.VIEWED)
    on_commit(listing_withdraw, actor=ent_user, listing=demand, reason="需求已解决")
    assert IndexChange.objects.filter(kind="demand", listing_id=demand.pk, op=ChangeOp.REMOVE).exists()
    assert list(Match.objects.filter(demand=demand).values_list("pk", "state")) == [(viewed.pk, MatchState.VIEWED)]
    assert demand.pk not in index_state.local_index().demands.doc_ids()
    # The achievement side too: transferring the gear achievement drops its remaining suggestions.
    on_commit(listing_mark_transferred, actor=uni_user, listing=gear)
    assert gear.pk not in index_state.local_index().achievements.doc_ids()
    assert not Match.objects.filter(achievement=gear, state=MatchState.SUGGESTED).exists()


def test_expiry_takes_listings_out_of_the_index(market, on_commit):
    demand = market["demand"]
    Demand.objects.filter(pk=demand.pk).update(deadline=timezone.localdate() - timedelta(days=1))
    counts = on_commit(listings_expire)
    assert counts["demand"] == 1
    assert IndexChange.objects.filter(kind="demand", listing_id=demand.pk, op=ChangeOp.REMOVE).exists()
    assert not Match.objects.filter(demand=demand).exists()
    assert demand.pk not in index_state.local_index().demands.doc_ids()


def test_a_dismissed_pair_is_never_suggested_again(market, ent_user, uni_user, operator, on_commit):
    demand, gear = market["demand"], market["gear"]
    match = Match.objects.get(demand=demand, achievement=gear)
    match_feedback(actor=ent_user, match=match, state=MatchState.DISMISSED, reason="price", note="超出预算")
    listing_rematch(kind=ListingKind.DEMAND, listing_id=demand.pk)
    listing_rematch(kind=ListingKind.ACHIEVEMENT, listing_id=gear.pk)
    # Withdrawn, reopened and published again: still dismissed, still one row.
    on_commit(listing_withdraw, actor=uni_user, listing=gear)
    gear.refresh_from_db()
    from apps.listings.services import listing_reopen

    listing_reopen(actor=uni_user, listing=gear)
    on_commit(publish, Achievement.objects.get(pk=gear.pk), owner_user=uni_user, operator=operator)
    (row,) = Match.objects.filter(demand=demand, achievement=gear)
    assert row.state == MatchState.DISMISSED
    assert row.dismissal_reason == "price"


def test_pairs_of_one_organisation_are_not_suggested(enterprise, ent_user, operator, on_commit):
    own = on_commit(publish, draft_achievement(enterprise, **GEAR_ACHIEVEMENT), owner_user=ent_user, operator=operator)
    on_commit(publish, draft_demand(enterprise, **GEAR_DEMAND), owner_user=ent_user, operator=operator)
    assert Achievement.objects.get(pk=own.pk).status == ListingStatus.PUBLISHED
    assert not Match.objects.exists()


def test_strong_matches_notify_the_demand_owner_and_following_brokers(
    settings, university, uni_user, enterprise, ent_user, operator, on_commit
):
    settings.MATCHING_NOTIFY_MIN_SCORE = 0.5
    colleague = member_of(enterprise)
    follower = make_broker(fields=["03"])
    other_field = make_broker(fields=["09"])
    unverified = make_broker(fields=["03"], status="pending")
    on_commit(publish, draft_achievement(university, **GEAR_ACHIEVEMENT), owner_user=uni_user, operator=operator)
    demand = on_commit(publish, draft_demand(enterprise, **GEAR_DEMAND), owner_user=ent_user, operator=operator)
    match = Match.objects.get(demand=demand)
    assert match.score >= 0.5
    assert match.notified_at is not None
    notified = set(Notification.objects.filter(kind="match_found").values_list("recipient_id", flat=True))
    assert notified == {ent_user.pk, colleague.pk, follower.user_id}
    assert other_field.user_id not in notified and unverified.user_id not in notified
    assert uni_user.pk not in notified
    note = Notification.objects.filter(kind="match_found", recipient=ent_user).get()
    assert note.target_type == "matching.match" and note.target_id == str(match.pk)
    assert "齿轮" in note.title


def test_weak_matches_are_stored_but_not_notified(settings, market):
    settings.MATCHING_NOTIFY_MIN_SCORE = 1.01
    demand = market["demand"]
    Match.objects.all().delete()
    listing_rematch(kind=ListingKind.DEMAND, listing_id=demand.pk)
    assert Match.objects.filter(demand=demand).exists()
    assert not Match.objects.filter(notified_at__isnull=False).exists()


def test_matches_below_the_minimum_score_are_not_stored(settings, market):
    settings.MATCHING_MIN_SCORE = 1.01
    Match.objects.all().delete()
    assert listing_rematch(kind=ListingKind.DEMAND, listing_id=market["demand"].pk) == []
    assert not Match.objects.exists()


def test_feedback_refuses_an_unknown_reason_code_from_any_caller(market, ent_user):
    match = Match.objects.get(demand=market["demand"], achievement=market["gear"])
    with pytest.raises(ApplicationError) as refused:
        match_feedback(actor=ent_user, match=match, state=MatchState.DISMISSED, reason="too_expensive")
    assert refused.value.code == "unknown_dismissal_reason"
    match.refresh_from_db()
    assert match.state == MatchState.SUGGESTED


def test_an_achievement_published_later_notifies_the_demand_side(
    settings, university, uni_user, enterprise, ent_user, operator, on_commit
):
    settings.MATCHING_NOTIFY_MIN_SCORE = 0.5
    follower = make_broker(fields=["03"])
    demand = on_commit(publish, draft_demand(enterprise, **GEAR_DEMAND), owner_user=ent_user, operator=operator)
    assert not Notification.objects.filter(kind="match_found").exists()
    on_commit(publish, draft_achievement(university, **GEAR_ACHIEVEMENT), owner_user=uni_user, operator=operator)
    match = Match.objects.get(demand=demand)
    notified = set(Notification.objects.filter(kind="match_found").values_list("recipient_id", flat=True))
    assert notified == {ent_user.pk, follower.user_id}
    assert match.notified_at is not None
