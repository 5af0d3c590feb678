"""Matching spread over two real Celery worker processes, one per shard queue, over Redis.

Each worker is a separate ``celery worker`` process (its own interpreter, its own in-memory index)
consuming one queue, ``matching.shard.0`` or ``matching.shard.1``, against this test's database. The
test publishes listings through the services, as the API does; the ``matching.listings_changed`` effect
runs on shard 0's worker and records the ``matching.index_listings`` effects, which go to the queue of
each listing's shard. Checked: both workers did work, both report the same index version and
fingerprint as an index built here from scratch, every demand's stored top-k equals the top-k a
single index in this process computes, and the nightly rebuild run by a shard worker finds its
incrementally kept index consistent with a fresh one.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.db import transaction

from apps.core.models import Effect, EffectStatus
from apps.listings.models import Demand, ListingStatus
from apps.matching import index_state, shards
from apps.matching.models import ListingKind, Match, MatchingRun, RunStatus
from apps.matching.services import exclusions, query_document, search_index
from apps.matching.tasks import rebuild
from tests.factories import OrganizationFactory, member_of, operator_user
from tests.matching.factories import GEAR_ACHIEVEMENT, GEAR_DEMAND, draft_achievement, draft_demand, publish
from tests.workers import broker_fixture, celery_workers  # noqa: F401 - the `broker` fixture

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.timeout(300),
]

WAIT_SECONDS = 120


@pytest.fixture
def shard_workers(broker: str, settings: Any, tmp_path: Path) -> Iterator[list[Path]]:
    settings.MATCHING_SHARDS = 2
    settings.CELERY_TASK_ALWAYS_EAGER = False
    queues = [shards.shard_queue(i) for i in range(2)]
    logs = [tmp_path / f"shard{i}.log" for i in range(2)]
    with celery_workers(queues=queues, name="matching-shard", logs=logs, env={"MATCHING_SHARDS": "2"}):
        yield logs


def _expected_top_k() -> dict[int, dict[int, float]]:
    """{demand id: {achievement id: score}} from one index built here, as a single process would match."""
    index = index_state.ServedIndex.build()
    expected = {}
    for demand in Demand.objects.filter(status=ListingStatus.PUBLISHED):
        found = search_index(
            index=index,
            kind=ListingKind.DEMAND,
            query=query_document(ListingKind.DEMAND, demand),
            k=django_settings.MATCHING_TOP_K,
            exclude=exclusions(kind=ListingKind.DEMAND, listing=demand),
        )
        minimum = django_settings.MATCHING_MIN_SCORE
        expected[demand.pk] = {f.counterpart_id: f.score for f in found if f.score >= minimum}
    return expected


def _stored(demand_id: int) -> dict[int, float]:
    return dict(Match.objects.filter(demand_id=demand_id).values_list("achievement_id", "score"))


def test_two_shard_workers_agree_on_the_version_and_match_like_one_index(shard_workers):
    operator = operator_user()
    universities = [
        OrganizationFactory(name=name, type="university", entity_type_id="022")
        for name in ("广西科技大学", "柳州职业技术学院", "广西大学")
    ]
    titles = ["齿轮渗碳淬火变形控制技术", "齿轮热处理变形控制工艺", "变速箱齿轮精密热处理", "齿轮激光淬火强化技术"]
    for i, title in enumerate(titles):
        owner = universities[i % len(universities)]
        listing = draft_achievement(owner, **{**GEAR_ACHIEVEMENT, "title": title})
        publish(listing, owner_user=member_of(owner), operator=operator)
    demands = []
    for name in ("柳州五菱汽车零部件有限公司", "柳州欧维姆机械股份有限公司"):
        enterprise = OrganizationFactory(name=name)
        user = member_of(enterprise)
        demands.append(publish(draft_demand(enterprise, **GEAR_DEMAND), owner_user=user, operator=operator))
    # Once every listing is in, re-match the demands across the shards (as a batch re-match does).
    with transaction.atomic():
        shards.record_index_effects(kind="demand", listing_ids=[d.pk for d in demands])
    # The change log is written by the workers (the listings_changed effects): wait for matching's effects.
    matching_effects = Effect.objects.filter(name__startswith="matching.")
    deadline = time.monotonic() + WAIT_SECONDS
    while matching_effects.exclude(status=EffectStatus.DONE).exists():
        assert time.monotonic() < deadline, list(matching_effects.exclude(status=EffectStatus.DONE).values())
        time.sleep(0.2)
    index_effects = Effect.objects.filter(name="matching.index_listings")
    assert {e.kwargs["shard"] for e in index_effects} == {0, 1}

    statuses = shards.status_of_shards(timeout=WAIT_SECONDS)
    fresh = index_state.ServedIndex.build()
    assert [s["shard"] for s in statuses] == [0, 1]
    assert statuses[0]["pid"] != statuses[1]["pid"] != os.getpid()
    assert {s["version"] for s in statuses} == {index_state.current_version()}
    assert {s["fingerprint"] for s in statuses} == {fresh.fingerprint()}
    assert {(s["achievements"], s["demands"]) for s in statuses} == {(len(titles), len(demands))}

    expected = _expected_top_k()
    assert all(expected[d.pk] for d in demands), "every demand has matches"
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        stored = {d.pk: _stored(d.pk) for d in demands}
        if all(
            set(expected[pk]) <= set(stored[pk])
            and all(abs(stored[pk][a] - score) < 1e-6 for a, score in expected[pk].items())
            for pk in expected
        ):
            break
        time.sleep(0.2)
    else:
        pytest.fail(f"stored {stored} never matched the single index's {expected}")
    # Nothing beyond what a single index finds from either side.
    for pk in expected:
        assert len(stored[pk]) <= django_settings.MATCHING_TOP_K
    # Both processes worked: each shard queue carried the listings of its parity (as effects).
    for log in shard_workers:
        text = log.read_text(errors="replace")
        assert "core.run_effect" in text and "succeeded" in text, text[-2000:]
    for e in index_effects:
        assert all(pk % 2 == e.kwargs["shard"] for pk in e.kwargs["listing_ids"])

    # The nightly rebuild, run by shard 0's worker against the index it kept current all along.
    # (CELERY_TASK_ROUTES sends it there when MATCHING_SHARDS > 1; the router is built at start-up.)
    report = rebuild.apply_async(queue=shards.shard_queue(0)).get(timeout=WAIT_SECONDS)
    run = MatchingRun.objects.get(pk=report["run"])
    assert run.status == RunStatus.CONSISTENT, run.diff
    assert run.index_version == index_state.current_version()
    assert run.incremental_fingerprint == run.rebuilt_fingerprint == fresh.fingerprint()
