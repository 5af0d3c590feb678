"""The nightly rebuild: consistent when the incremental path did its job, reports and repairs when not."""

from __future__ import annotations

import pytest

from apps.listings.models import Demand, ListingStatus
from apps.matching import engine, index_state
from apps.matching.models import Match, MatchingRun, MatchState, RunStatus
from apps.matching.services import matching_rematch_all
from apps.matching.tasks import rebuild
from apps.notifications.models import Notification
from tests.factories import OrganizationFactory, member_of
from tests.listings.factories import make_achievement
from tests.matching.factories import GEAR_ACHIEVEMENT, GEAR_DEMAND, draft_achievement, draft_demand, publish

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("celery_eager")]


def test_a_rebuild_after_incremental_changes_finds_nothing(market, operator):
    result = rebuild.delay().get()
    run = MatchingRun.objects.get(pk=result["run"])
    assert run.status == RunStatus.CONSISTENT, run.diff
    assert run.differences == 0
    assert run.incremental_fingerprint == run.rebuilt_fingerprint
    assert run.listings == 4
    assert run.index_version == index_state.current_version()
    assert run.finished_at is not None
    assert not Notification.objects.filter(kind="matching_rebuild_differences").exists()


def test_a_rebuild_reports_and_repairs_what_the_incremental_path_missed(market, university, operator):
    index_state.local_index()
    # Published behind the change log's back (as a raw SQL fix would): the served index misses it.
    hidden = make_achievement(university, **{**GEAR_ACHIEVEMENT, "title": "齿轮渗碳淬火变形控制技术（第二代）"})
    # And a suggestion left behind for a demand that is no longer published.
    demand = market["demand"]
    Demand.objects.filter(pk=demand.pk).update(status=ListingStatus.WITHDRAWN)

    run = MatchingRun.objects.get(pk=rebuild.delay().get()["run"])
    assert run.status == RunStatus.DIFFERENCES
    assert hidden.pk in run.diff["index"]["achievement"]["missing"]
    assert demand.pk in run.diff["index"]["demand"]["extra"]
    assert run.diff["stored"]["stale_count"] >= 1
    assert run.incremental_fingerprint != run.rebuilt_fingerprint
    assert run.differences >= 2
    # Repaired: no suggestion of the withdrawn demand remains; the served index is the fresh one.
    assert not Match.objects.filter(demand=demand, state=MatchState.SUGGESTED).exists()
    assert hidden.pk in index_state.local_index().achievements.doc_ids()
    # The operator is told.
    note = Notification.objects.get(kind="matching_rebuild_differences", recipient=operator)
    assert note.target_id == str(run.pk)
    # A second night finds nothing left to repair.
    again = MatchingRun.objects.get(pk=rebuild.delay().get()["run"])
    assert again.status == RunStatus.CONSISTENT, again.diff


def test_a_rebuild_stores_pairs_missing_from_the_table(market):
    demand, gear = market["demand"], market["gear"]
    Match.objects.filter(demand=demand, achievement=gear).delete()
    run = MatchingRun.objects.get(pk=rebuild.delay().get()["run"])
    assert [demand.pk, gear.pk] in run.diff["stored"]["missing"]
    assert Match.objects.filter(demand=demand, achievement=gear, state=MatchState.SUGGESTED).exists()


def test_a_new_engine_version_rematches_suggestions_and_keeps_feedback(market, operator, on_commit):
    other = OrganizationFactory(name="柳州职业技术学院", type="university", entity_type_id="022")
    second = {**GEAR_ACHIEVEMENT, "title": "齿轮热处理变形控制工艺"}
    on_commit(publish, draft_achievement(other, **second), owner_user=member_of(other), operator=operator)
    demand = market["demand"]
    assert Match.objects.filter(demand=demand).count() >= 2
    dismissed = Match.objects.filter(demand=demand).order_by("score").first()
    Match.objects.filter(pk=dismissed.pk).update(state=MatchState.DISMISSED, dismissal_reason="other")
    Match.objects.update(engine_version="0.9.0")
    run = MatchingRun.objects.get(pk=rebuild.delay().get()["run"])
    live = Match.objects.exclude(pk=dismissed.pk)
    assert run.diff["rematched"] == live.count() >= 1
    assert set(live.values_list("engine_version", flat=True)) == {engine.ENGINE_VERSION}
    dismissed.refresh_from_db()
    assert (dismissed.state, dismissed.engine_version) == (MatchState.DISMISSED, "0.9.0")


def test_a_failed_rebuild_is_recorded(monkeypatch, market):
    def broken(cls):
        raise RuntimeError("database went away")

    monkeypatch.setattr(index_state.ServedIndex, "build", classmethod(broken))
    with pytest.raises(RuntimeError):
        rebuild.delay().get()
    assert MatchingRun.objects.get().status == RunStatus.FAILED


def test_pairs_a_later_listing_brings_are_refreshed_not_alarmed(
    settings, university, uni_user, enterprise, ent_user, operator, on_commit, celery_eager
):
    """A demand matched before an achievement existed learns of it through the achievement's own search,
    which keeps only its best demands; the nightly run adds the rest without calling it a fault."""
    settings.MATCHING_TOP_K = 1
    first = on_commit(publish, draft_demand(enterprise, **GEAR_DEMAND), owner_user=ent_user, operator=operator)
    other = OrganizationFactory(name="柳州欧维姆机械股份有限公司")
    second = on_commit(
        publish,
        draft_demand(other, **{**GEAR_DEMAND, "title": "齿轮渗碳淬火变形控制"}),
        owner_user=member_of(other),
        operator=operator,
    )
    gear = on_commit(publish, draft_achievement(university, **GEAR_ACHIEVEMENT), owner_user=uni_user, operator=operator)
    (stored,) = Match.objects.all()  # the achievement's top-1 demand only
    left_out = first if stored.demand_id == second.pk else second
    run = MatchingRun.objects.get(pk=rebuild.delay().get()["run"])
    assert run.status == RunStatus.CONSISTENT, run.diff
    assert run.diff["stored"]["refreshed"] == 1
    assert Match.objects.filter(demand=left_out, achievement=gear).exists()


def test_rematch_all_recomputes_every_published_listing(market, on_commit):
    before = dict(Match.objects.values_list("pk", "score"))
    Match.objects.update(engine_version="0.9.0", score=0.0)
    run = on_commit(matching_rematch_all)
    assert (run.kind, run.status, run.listings) == ("rematch", RunStatus.DONE, 4)
    after = Match.objects.all()
    assert set(after.values_list("engine_version", flat=True)) == {engine.ENGINE_VERSION}
    assert {m.demand_id for m in after} == {market["demand"].pk}
    for match in after:
        assert match.score == pytest.approx(before.get(match.pk, match.score)) and match.score > 0
