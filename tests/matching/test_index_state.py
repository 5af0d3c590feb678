"""The versioned index: the change log, syncing a served index, agreement of independently built indexes."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from apps.listings.models import Achievement, ListingStatus
from apps.matching import index_state
from apps.matching.models import ChangeOp, IndexChange, ListingKind
from tests.listings.factories import make_achievement, make_demand
from tests.matching.factories import GEAR_ACHIEVEMENT, GEAR_DEMAND, VISION_ACHIEVEMENT

pytestmark = pytest.mark.django_db


def _publish_logged(owner, **data):
    with transaction.atomic():
        achievement = make_achievement(owner, **data)
        index_state.record_changes(kind=ListingKind.ACHIEVEMENT, listing_ids=[achievement.pk], op=ChangeOp.UPSERT)
    return achievement


def test_versions_grow_and_a_served_index_follows_them(university):
    assert index_state.current_version() == 0
    served = index_state.local_index()
    assert served.version == 0 and len(served.achievements) == 0

    gear = _publish_logged(university, **GEAR_ACHIEVEMENT)
    first = index_state.current_version()
    assert first > 0
    assert index_state.local_index() is served
    assert served.version == first
    assert served.achievements.doc_ids() == {gear.pk}

    vision = _publish_logged(university, **VISION_ACHIEVEMENT)
    with transaction.atomic():
        Achievement.objects.filter(pk=gear.pk).update(status=ListingStatus.WITHDRAWN)
        index_state.record_changes(kind=ListingKind.ACHIEVEMENT, listing_ids=[gear.pk], op=ChangeOp.REMOVE)
    assert index_state.local_index().version == index_state.current_version() > first
    assert served.achievements.doc_ids() == {vision.pk}


def test_an_index_built_later_agrees_with_one_kept_current_incrementally(university, enterprise):
    early = index_state.ServedIndex.build()
    gear = _publish_logged(university, **GEAR_ACHIEVEMENT)
    _publish_logged(university, **VISION_ACHIEVEMENT)
    with transaction.atomic():
        demand = make_demand(enterprise, **GEAR_DEMAND)
        index_state.record_changes(kind=ListingKind.DEMAND, listing_ids=[demand.pk], op=ChangeOp.UPSERT)
    with transaction.atomic():
        Achievement.objects.filter(pk=gear.pk).update(status=ListingStatus.TRANSFERRED)
        index_state.record_changes(kind=ListingKind.ACHIEVEMENT, listing_ids=[gear.pk], op=ChangeOp.REMOVE)
    late = index_state.ServedIndex.build()
    early.sync()
    assert early.version == late.version == index_state.current_version()
    assert early.fingerprint() == late.fingerprint()
    # Replaying the whole log again changes nothing: the listing's state decides, not the logged op.
    early.version = 0
    early.sync()
    assert early.fingerprint() == late.fingerprint()


def test_a_change_the_log_did_not_record_is_not_served(university):
    served = index_state.local_index()
    make_achievement(university, **GEAR_ACHIEVEMENT)  # published behind the log's back
    assert len(index_state.local_index().achievements) == 0
    assert len(index_state.ServedIndex.build().achievements) == 1
    assert served.version == index_state.current_version()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_versions_become_visible_in_order_even_when_transactions_overlap():
    """A writer that starts later waits for the earlier one's commit: no reader ever sees version n+1
    while n is still uncommitted (with a bare serial it could, and a worker would skip n for good)."""
    first_written, release_first, second_done = threading.Event(), threading.Event(), threading.Event()
    versions: dict[str, int | None] = {}

    def first() -> None:
        try:
            with transaction.atomic():
                versions["first"] = index_state.record_changes(
                    kind=ListingKind.ACHIEVEMENT, listing_ids=[1], op=ChangeOp.UPSERT
                )
                first_written.set()
                release_first.wait(10)
        finally:
            connection.close()

    def second() -> None:
        try:
            first_written.wait(10)
            with transaction.atomic():
                versions["second"] = index_state.record_changes(
                    kind=ListingKind.DEMAND, listing_ids=[2], op=ChangeOp.UPSERT
                )
            second_done.set()
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    assert first_written.wait(10)
    # The second writer is blocked on the lock; a reader sees neither version yet.
    assert not second_done.wait(0.5)
    assert index_state.current_version() == 0
    release_first.set()
    assert second_done.wait(10)
    for thread in threads:
        thread.join(10)
    assert versions["second"] > versions["first"]
    assert list(IndexChange.objects.values_list("id", "kind")) == [
        (versions["first"], "achievement"),
        (versions["second"], "demand"),
    ]
