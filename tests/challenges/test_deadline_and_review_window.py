"""A challenge past its bid deadline no longer reads as open for bids, and a milestone cannot be
reviewed months before it is due: over HTTP, as the issuer, a team and an anonymous visitor see it."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.challenges.models import Bid, ChallengeDecision, Milestone, MilestoneReview
from apps.challenges.services import milestone_create
from tests.challenges.factories import awarded_race, close_bidding, open_challenge, team
from tests.factories import OrganizationFactory, member_of

pytestmark = pytest.mark.django_db


def test_a_challenge_past_its_deadline_reads_as_closed_and_refuses_bids(api_client, client_for):
    challenge = open_challenge()
    url = f"/api/v1/challenges/{challenge.pk}"
    before = api_client.get(url, HTTP_ACCEPT_LANGUAGE="en").json()
    assert (before["status"], before["phase"], before["bidding_open"]) == ("open", "open", True)
    assert before["status_display"] == "open for bids"

    close_bidding(challenge)
    en = api_client.get(url, HTTP_ACCEPT_LANGUAGE="en").json()
    assert (en["status"], en["phase"], en["bidding_open"]) == ("open", "evaluating", False)
    assert en["status_display"] == "bids closed, under evaluation"
    zh = api_client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    assert zh["phase"] == "evaluating" and zh["status_display"] != "揭榜中"

    listed = api_client.get("/api/v1/challenges", {"phase": "evaluating"}).json()["results"]
    assert [c["id"] for c in listed] == [challenge.pk]
    assert listed[0]["phase"] == "evaluating"
    assert api_client.get("/api/v1/challenges", {"phase": "open"}).json()["results"] == []
    assert api_client.get("/api/v1/challenges", {"phase": "someday"}).status_code == 400

    _, member = team()
    body = {
        "proposal": "以高强度钢材替代方案实现轻量化。",
        "team_description": "材料学院团队。",
        "budget_lines": [{"item": "材料", "amount": "100000.00"}],
    }
    response = client_for(member).post(f"{url}/bids", body, format="json")
    assert response.status_code == 409 and response.json()["code"] == "bidding_closed"
    assert not Bid.objects.filter(challenge=challenge).exists()


def _milestone(challenge, days: int) -> Milestone:
    return milestone_create(
        actor=challenge.created_by,
        challenge=challenge,
        data={
            "title": "样机测试",
            "review_date": timezone.localdate() + timedelta(days=days),
            "criteria": "能量密度达到 250 Wh/kg。",
            "tranche_share_pct": Decimal("40"),
        },
    )


def test_a_milestone_is_reviewed_from_its_window_not_months_early(client_for, settings):
    settings.CHALLENGE_MILESTONE_REVIEW_EARLY_DAYS = 14
    challenge, bids = awarded_race(teams=2)
    issuer = client_for(challenge.created_by)
    later = _milestone(challenge, days=90)
    decisions = ChallengeDecision.objects.count()

    response = issuer.post(f"/api/v1/milestones/{later.pk}/reviews", {"bid_id": bids[0].pk, "outcome": "pass"})
    assert response.status_code == 409, response.content
    problem = response.json()
    assert problem["code"] == "milestone_not_due"
    assert problem["review_date"] == later.review_date.isoformat()
    assert problem["reviewable_from"] == (later.review_date - timedelta(days=14)).isoformat()
    assert later.review_date.isoformat() in problem["detail"]
    assert not MilestoneReview.objects.exists() and ChallengeDecision.objects.count() == decisions

    # 15 days ahead is one day too early; 14 days ahead opens the window.
    Milestone.objects.filter(pk=later.pk).update(review_date=timezone.localdate() + timedelta(days=15))
    response = issuer.post(f"/api/v1/milestones/{later.pk}/reviews", {"bid_id": bids[0].pk, "outcome": "pass"})
    assert response.json()["code"] == "milestone_not_due"
    Milestone.objects.filter(pk=later.pk).update(review_date=timezone.localdate() + timedelta(days=14))
    response = issuer.post(f"/api/v1/milestones/{later.pk}/reviews", {"bid_id": bids[0].pk, "outcome": "pass"})
    assert response.status_code == 201, response.content
    assert MilestoneReview.objects.filter(milestone=later, bid=bids[0]).exists()


def test_the_window_is_a_setting_and_outsiders_change_nothing(client_for, settings):
    settings.CHALLENGE_MILESTONE_REVIEW_EARLY_DAYS = 0
    challenge, bids = awarded_race(teams=2)
    tomorrow = _milestone(challenge, days=1)
    url = f"/api/v1/milestones/{tomorrow.pk}/reviews"
    stranger = client_for(member_of(OrganizationFactory(name="南宁无关科技有限公司")))
    assert stranger.post(url, {"bid_id": bids[0].pk, "outcome": "pass"}).status_code in (403, 404)
    issuer = client_for(challenge.created_by)
    assert issuer.post(url, {"bid_id": bids[0].pk, "outcome": "pass"}).json()["code"] == "milestone_not_due"
    settings.CHALLENGE_MILESTONE_REVIEW_EARLY_DAYS = 1
    assert issuer.post(url, {"bid_id": bids[0].pk, "outcome": "pass"}).status_code == 201
    assert MilestoneReview.objects.count() == 1
