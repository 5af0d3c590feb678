"""Every list endpoint of challenges answers in a fixed number of queries, however many rows it shows."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.challenges.models import Milestone
from apps.challenges.services import bid_score_create, milestone_create, milestone_review_create
from tests.challenges.factories import awarded_race, bid_on, close_bidding, open_challenge
from tests.factories import operator_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _reviews_any_time_before_the_date(settings):
    """These milestones are due in about two months and reviewed now: the early-review window is
    tested on its own (test_deadline_and_review_window.py), here it is wide enough not to interfere."""
    settings.CHALLENGE_MILESTONE_REVIEW_EARLY_DAYS = 120


def add_milestones(challenge, count: int) -> list[Milestone]:
    share = (Decimal("100") / count).quantize(Decimal("0.01"), rounding="ROUND_DOWN")
    return [
        milestone_create(
            actor=challenge.created_by,
            challenge=challenge,
            data={
                "title": f"里程碑{i}",
                "review_date": timezone.localdate() + timedelta(days=60 + i),
                "criteria": "达到指标。",
                "tranche_share_pct": share,
            },
        )
        for i in range(count)
    ]


@pytest.mark.parametrize("rows", [1, 6])
def test_scores_list(client_for, django_assert_num_queries, rows):
    challenge = open_challenge()
    bid = bid_on(challenge)
    close_bidding(challenge)
    for _ in range(rows):
        bid_score_create(actor=operator_user(), bid=bid, score=Decimal("70"))
    client = client_for(challenge.created_by)
    # user, memberships, the bid (annotated) and its attachments, page of scores (scorers joined)
    with django_assert_num_queries(5):
        response = client.get(f"/api/v1/bids/{bid.pk}/scores")
    assert len(response.json()["results"]) == rows


@pytest.mark.parametrize("teams", [2, 5])
def test_milestone_reviews_tranches_and_decisions_lists(client_for, api_client, django_assert_num_queries, teams):
    challenge, bids = awarded_race(teams=teams)
    milestones = add_milestones(challenge, 3)
    for milestone in milestones[:2]:
        for bid in bids:
            milestone_review_create(actor=challenge.created_by, milestone=milestone, bid_id=bid.pk, outcome="pass")
    client = client_for(challenge.created_by)

    # anonymous: the challenge, the page of milestones
    with django_assert_num_queries(2):
        response = api_client.get(f"/api/v1/challenges/{challenge.pk}/milestones")
    assert len(response.json()["results"]) == 3

    # user, memberships, the milestone, its challenge, page of reviews (teams joined)
    with django_assert_num_queries(5):
        response = client.get(f"/api/v1/milestones/{milestones[0].pk}/reviews")
    assert len(response.json()["results"]) == teams

    # user, memberships, the challenge, page of tranches
    with django_assert_num_queries(4):
        response = client.get(f"/api/v1/challenges/{challenge.pk}/tranches", {"page_size": 100})
    assert len(response.json()["results"]) == 2 * teams

    # user, memberships, the challenge, page of decisions
    with django_assert_num_queries(4):
        response = client.get(f"/api/v1/challenges/{challenge.pk}/decisions", {"page_size": 100})
    assert len(response.json()["results"]) > 2 * teams
