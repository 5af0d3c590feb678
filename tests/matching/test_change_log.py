"""Pruning the index change log after a rebuild, and workers that fell behind the pruned range."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from apps.listings.models import Achievement, ListingStatus
from apps.matching import index_state
from apps.matching.models import ChangeLogHorizon, ChangeOp, IndexChange, ListingKind
from apps.matching.services import matching_prune_change_log, matching_rebuild
from tests.listings.factories import make_achievement
from tests.matching.factories import GEAR_ACHIEVEMENT, RICE_ACHIEVEMENT, VISION_ACHIEVEMENT

pytestmark = pytest.mark.django_db


def _publish_logged(owner, **data):
    with transaction.atomic():
        achievement = make_achievement(owner, **data)
        index_state.record_changes(kind=ListingKind.ACHIEVEMENT, listing_ids=[achievement.pk], op=ChangeOp.UPSERT)
    return achievement


def _age(days: int) -> None:
    IndexChange.objects.update(created_at=timezone.now() - timedelta(days=days))


@override_settings(MATCHING_CHANGE_LOG_RETENTION_DAYS=7)
def test_only_changes_older_than_the_retention_and_inside_the_build_are_pruned(university):
    _publish_logged(university, **GEAR_ACHIEVEMENT)
    _publish_logged(university, **VISION_ACHIEVEMENT)
    _age(8)
    built_at = index_state.current_version()
    recent = _publish_logged(university, **RICE_ACHIEVEMENT)

    assert matching_prune_change_log(up_to=built_at) == 2
    assert list(IndexChange.objects.values_list("listing_id", flat=True)) == [recent.pk]
    assert index_state.pruned_through() == built_at
    # Again: nothing left to prune, the horizon stays.
    assert matching_prune_change_log(up_to=built_at) == 0
    assert ChangeLogHorizon.objects.get().pruned_through == built_at

    # Old entries a newer build does not contain yet are kept.
    _age(8)
    assert matching_prune_change_log(up_to=built_at) == 0
    assert IndexChange.objects.count() == 1


@override_settings(MATCHING_CHANGE_LOG_RETENTION_DAYS=0)
def test_a_worker_behind_the_pruned_range_rebuilds_instead_of_missing_changes(university):
    behind = index_state.ServedIndex.build()
    gear = _publish_logged(university, **GEAR_ACHIEVEMENT)
    vision = _publish_logged(university, **VISION_ACHIEVEMENT)
    with transaction.atomic():
        Achievement.objects.filter(pk=gear.pk).update(status=ListingStatus.WITHDRAWN)
        index_state.record_changes(kind=ListingKind.ACHIEVEMENT, listing_ids=[gear.pk], op=ChangeOp.REMOVE)
    _age(1)

    run = matching_rebuild()
    assert run.index_version == index_state.current_version()
    assert IndexChange.objects.count() == 0 and index_state.pruned_through() == run.index_version

    # The log no longer holds the publication of "vision": syncing change by change would miss it.
    assert behind.version < index_state.pruned_through()
    assert behind.sync() == run.index_version
    assert behind.achievements.doc_ids() == {vision.pk}

    rice = _publish_logged(university, **RICE_ACHIEVEMENT)
    assert behind.sync() == index_state.current_version()
    assert behind.achievements.doc_ids() == {vision.pk, rice.pk}
