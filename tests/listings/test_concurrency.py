"""Two people acting on one listing at the same moment, in real parallel transactions."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable

import pytest
from django.db import connection

from apps.core.errors import ApplicationError
from apps.listings.models import Achievement, ListingEvent, ListingStatus
from apps.listings.services import listing_review, listing_withdraw
from tests.factories import OrganizationFactory, member_of, operator_user
from tests.listings.factories import make_achievement


def _race(listing_pk: int, actions: dict[str, Callable[[Achievement], object]]) -> list[str]:
    barrier = threading.Barrier(len(actions))
    outcomes: list[str] = []

    def act(name: str) -> None:
        try:
            stale = Achievement.objects.select_related("owner").get(pk=listing_pk)
            barrier.wait(timeout=10)
            actions[name](stale)
            outcomes.append(name)
        except ApplicationError as exc:
            outcomes.append(f"refused:{exc.code}")
        finally:
            connection.close()

    threads = [threading.Thread(target=act, args=(name,)) for name in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_approve_racing_a_rejection_has_exactly_one_winner():
    org = OrganizationFactory()
    listing = make_achievement(org, status=ListingStatus.SUBMITTED)
    first, second = operator_user(), operator_user()
    outcomes = _race(
        listing.pk,
        {
            "approve": lambda a: listing_review(actor=first, listing=a, approve=True),
            "reject": lambda a: listing_review(actor=second, listing=a, approve=False, reason="不符合要求"),
        },
    )
    winners = [o for o in outcomes if not o.startswith("refused")]
    assert len(winners) == 1, outcomes
    assert "refused:bad_transition" in outcomes
    listing.refresh_from_db()
    assert listing.status == {"approve": "published", "reject": "rejected"}[winners[0]]
    assert ListingEvent.objects.filter(achievement=listing).count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_events_record_the_status_actually_left(  # even when the caller's copy was stale
):
    org = OrganizationFactory()
    owner, operator = member_of(org), operator_user()
    listing = make_achievement(org, status=ListingStatus.SUBMITTED)
    outcomes = _race(
        listing.pk,
        {
            "approve": lambda a: listing_review(actor=operator, listing=a, approve=True),
            "withdraw": lambda a: listing_withdraw(actor=owner, listing=a),
        },
    )
    # Withdrawing is allowed from submitted and from published, so both orders succeed …
    assert sorted(outcomes) in (["approve", "withdraw"], ["refused:bad_transition", "withdraw"]), outcomes
    listing.refresh_from_db()
    assert listing.status == ListingStatus.WITHDRAWN
    # … and the history is a chain: each event starts where the previous one ended.
    events = list(
        ListingEvent.objects.filter(achievement=listing).order_by("id").values_list("from_status", "to_status")
    )
    assert events[0][0] == "submitted"
    for (_f1, to), (frm, _t2) in itertools.pairwise(events):
        assert to == frm
