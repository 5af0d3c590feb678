"""Milestones, reviews and tranches (赛马制): shares ≤ 100 %, elimination, equal splits, the decision log."""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from apps.challenges.models import (
    Bid,
    BidStatus,
    Challenge,
    ChallengeDecision,
    ChallengeStatus,
    Milestone,
    MilestoneReview,
    Tranche,
)
from apps.challenges.services import (
    bid_score_create,
    challenge_award,
    challenge_complete,
    milestone_create,
    milestone_review_create,
)
from apps.core.errors import ApplicationError
from apps.notifications.models import Notification
from tests.challenges.factories import (
    awarded_race,
    bid_on,
    close_bidding,
    draft_challenge,
    open_challenge,
    race_challenge,
)
from tests.factories import OrganizationFactory, member_of, operator_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _reviews_any_time_before_the_date(settings):
    """These milestones are due in about two months and reviewed now: the early-review window is
    tested on its own (test_deadline_and_review_window.py), here it is wide enough not to interfere."""
    settings.CHALLENGE_MILESTONE_REVIEW_EARLY_DAYS = 120


D = Decimal


def review_day(challenge: Challenge, days: int = 60) -> str:
    return (timezone.localdate() + timedelta(days=days)).isoformat()


def milestone_body(challenge: Challenge, share: str, **overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "title": "样机测试",
        "review_date": review_day(challenge),
        "criteria": "能量密度达到 250 Wh/kg。",
        "tranche_share_pct": share,
    }
    body.update(overrides)
    return body


def add_milestone(challenge: Challenge, share: str, **overrides: object) -> Milestone:
    data = milestone_body(challenge, share, **overrides)
    data["review_date"] = timezone.localdate() + timedelta(days=60)
    data["tranche_share_pct"] = D(share)
    assert challenge.created_by is not None
    return milestone_create(actor=challenge.created_by, challenge=challenge, data=data)


def review(milestone: Milestone, bid: Bid, outcome: str, comment: str = "") -> MilestoneReview:
    actor = milestone.challenge.created_by
    assert actor is not None
    return milestone_review_create(actor=actor, milestone=milestone, bid_id=bid.pk, outcome=outcome, comment=comment)


def tranches(milestone: Milestone) -> dict[int, Decimal]:
    return dict(Tranche.objects.filter(milestone=milestone).values_list("bid_id", "amount"))


class TestDefiningMilestones:
    @pytest.mark.parametrize("status", ["draft", "submitted", "open", "awarded"])
    def test_defined_while_the_challenge_runs(self, client_for, status):
        challenge = draft_challenge()
        Challenge.objects.filter(pk=challenge.pk).update(status=status)
        url = f"/api/v1/challenges/{challenge.pk}/milestones"
        response = client_for(challenge.created_by).post(url, milestone_body(challenge, "40"), format="json")
        assert response.status_code == 201, response.json()
        body = response.json()
        assert (body["sequence"], body["tranche_share_pct"], body["tranche_amount"]) == (1, "40.00", "400000.00")
        second = client_for(operator_user()).post(url, milestone_body(challenge, "60"), format="json")
        assert second.status_code == 201
        assert second.json()["sequence"] == 2
        assert ChallengeDecision.objects.filter(challenge=challenge, kind="milestone_create").count() == 2

    @pytest.mark.parametrize("status", ["completed", "cancelled"])
    def test_not_after_the_end(self, client_for, status):
        challenge = draft_challenge()
        Challenge.objects.filter(pk=challenge.pk).update(status=status)
        response = client_for(operator_user()).post(
            f"/api/v1/challenges/{challenge.pk}/milestones", milestone_body(challenge, "40"), format="json"
        )
        assert (response.status_code, response.json()["code"]) == (409, "milestones_closed")
        assert not Milestone.objects.exists()

    def test_shares_never_exceed_100_on_create_or_update(self, client_for):
        challenge = draft_challenge()
        client = client_for(challenge.created_by)
        url = f"/api/v1/challenges/{challenge.pk}/milestones"
        first = client.post(url, milestone_body(challenge, "60"), format="json").json()
        client.post(url, milestone_body(challenge, "39.99"), format="json")
        over = client.post(url, milestone_body(challenge, "0.02"), format="json")
        assert over.status_code == 400
        assert over.json()["code"] == "tranche_shares_over_100"
        assert over.json()["remaining_share_pct"] == "0.01"
        assert Milestone.objects.count() == 2
        assert client.post(url, milestone_body(challenge, "0.01"), format="json").status_code == 201
        # An update is measured without the milestone's own old share.
        grown = client.patch(f"/api/v1/milestones/{first['id']}", {"tranche_share_pct": "60.01"}, format="json")
        assert grown.json()["code"] == "tranche_shares_over_100"
        shrunk = client.patch(f"/api/v1/milestones/{first['id']}", {"tranche_share_pct": "50"}, format="json")
        assert shrunk.status_code == 200
        assert shrunk.json()["tranche_amount"] == "500000.00"
        assert sum(Milestone.objects.values_list("tranche_share_pct", flat=True)) == D("90.00")
        update = ChallengeDecision.objects.get(challenge=challenge, kind="milestone_update")
        assert update.data == {"milestone_id": first["id"], "changes": {"tranche_share_pct": "50.00"}}

    @pytest.mark.parametrize(
        ("overrides", "code", "field"),
        [
            ({"tranche_share_pct": "0"}, "invalid_milestone", "tranche_share_pct"),
            ({"tranche_share_pct": "-5"}, "invalid_milestone", "tranche_share_pct"),
            ({"tranche_share_pct": "100.01"}, "invalid_milestone", "tranche_share_pct"),
            ({"review_date": "2020-01-01"}, "invalid_milestone", "review_date"),
            ({"sequence": 1}, "milestone_sequence", "sequence"),
            ({"criteria": ""}, "validation_error", "criteria"),
        ],
    )
    def test_bad_milestones_are_a_400_and_nothing_is_stored(self, client_for, overrides, code, field):
        challenge = draft_challenge()
        add_milestone(challenge, "10")
        response = client_for(challenge.created_by).post(
            f"/api/v1/challenges/{challenge.pk}/milestones", milestone_body(challenge, "20", **overrides), format="json"
        )
        assert response.status_code == 400, response.json()
        assert response.json()["code"] == code
        assert field in {e["field"] for e in response.json()["errors"]}
        assert Milestone.objects.count() == 1

    def test_who_may_define_them(self, api_client, client_for):
        challenge = open_challenge()
        url = f"/api/v1/challenges/{challenge.pk}/milestones"
        bidder = bid_on(challenge).submitted_by
        assert client_for(bidder).post(url, milestone_body(challenge, "10"), format="json").status_code == 403
        assert api_client.post(url, milestone_body(challenge, "10"), format="json").status_code == 401
        draft = draft_challenge()
        outsider = member_of(OrganizationFactory())
        response = client_for(outsider).post(
            f"/api/v1/challenges/{draft.pk}/milestones", milestone_body(draft, "10"), format="json"
        )
        assert response.status_code == 404
        assert not Milestone.objects.exists()

    def test_milestones_are_public_with_the_challenge(self, api_client, django_assert_num_queries):
        challenge = open_challenge()
        for share in ("10", "20", "30"):
            add_milestone(challenge, share)
        # The challenge, the page of milestones (challenge joined for the tranche amounts).
        with django_assert_num_queries(2):
            response = api_client.get(f"/api/v1/challenges/{challenge.pk}/milestones")
        assert [m["tranche_amount"] for m in response.json()["results"]] == ["100000.00", "200000.00", "300000.00"]
        draft = draft_challenge()
        assert api_client.get(f"/api/v1/challenges/{draft.pk}/milestones").status_code == 404
        hidden = add_milestone(draft, "10")
        assert api_client.get(f"/api/v1/milestones/{hidden.pk}").status_code == 404


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_concurrent_milestones_cannot_overshoot_100_percent():
    """Two real transactions each add 60 %: the row lock on the challenge lets only one in."""
    challenge = draft_challenge()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def create(title: str) -> None:
        try:
            barrier.wait(timeout=5)
            add_milestone(challenge, "60", title=title)
            outcomes.append("created")
        except ApplicationError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=create, args=(t,)) for t in ("甲", "乙")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert sorted(outcomes) == ["created", "tranche_shares_over_100"]
    assert Milestone.objects.filter(challenge=challenge).count() == 1


class TestReviewsAndTranches:
    def test_passing_teams_share_the_tranche_failing_ones_stay_in(self, client_for):
        challenge, (a, b, c) = awarded_race(teams=3)
        first = add_milestone(challenge, "30")
        second = add_milestone(challenge, "70")
        url = f"/api/v1/milestones/{first.pk}/reviews"
        client = client_for(challenge.created_by)
        assert (
            client.post(url, {"bid_id": a.pk, "outcome": "pass", "comment": "达标"}, format="json").status_code == 201
        )
        assert client.post(url, {"bid_id": b.pk, "outcome": "fail"}, format="json").status_code == 201
        assert not Tranche.objects.exists()  # c is not reviewed yet
        assert client.post(url, {"bid_id": c.pk, "outcome": "pass"}, format="json").status_code == 201
        assert tranches(first) == {a.pk: D("150000.00"), c.pk: D("150000.00")}
        first.refresh_from_db()
        assert first.settled_at is not None and not first.tranche_withheld
        # b failed but stays in: it is reviewed, and paid, at the next milestone.
        for bid in (a, b, c):
            review(second, bid, "pass")
        assert sum(tranches(second).values()) == D("700000.00")
        assert set(tranches(second)) == {a.pk, b.pk, c.pk}
        assert Notification.objects.filter(kind="challenge.milestone_reviewed", recipient=b.submitted_by).count() == 2

    def test_equal_split_gives_the_leftover_fen_to_the_lowest_bid_id(self):
        challenge, (a, b, c) = awarded_race(teams=3)
        Challenge.objects.filter(pk=challenge.pk).update(
            reward=D("100000.00"), enterprise_funding=D("100000.00"), government_funding=D("0.00")
        )
        challenge.refresh_from_db()
        milestone = add_milestone(challenge, "10")
        for bid in (c, b, a):
            review(milestone, bid, "pass")
        assert tranches(milestone) == {a.pk: D("3333.34"), b.pk: D("3333.33"), c.pk: D("3333.33")}
        allocated = ChallengeDecision.objects.get(challenge=challenge, kind="tranche_allocated")
        assert allocated.data["total"] == "10000.00"
        assert allocated.data["parts"] == [
            {"bid_id": a.pk, "amount": "3333.34"},
            {"bid_id": b.pk, "amount": "3333.33"},
            {"bid_id": c.pk, "amount": "3333.33"},
        ]

    def test_eliminated_teams_get_nothing_more_and_cannot_be_reviewed_again(self, client_for):
        challenge, (a, b, c) = awarded_race(teams=3)
        first = add_milestone(challenge, "40")
        second = add_milestone(challenge, "60")
        review(first, a, "pass")
        review(first, b, "pass")
        review(first, c, "eliminate", "温差不达标")
        c.refresh_from_db()
        assert (c.status, c.eliminated_at_id) == (BidStatus.ELIMINATED, first.pk)
        assert tranches(first) == {a.pk: D("200000.00"), b.pk: D("200000.00")}
        response = client_for(challenge.created_by).post(
            f"/api/v1/milestones/{second.pk}/reviews", {"bid_id": c.pk, "outcome": "pass"}, format="json"
        )
        assert (response.status_code, response.json()["code"]) == (409, "team_eliminated")
        # Only the two teams still running are needed to settle the second milestone.
        review(second, a, "pass")
        review(second, b, "eliminate")
        assert tranches(second) == {a.pk: D("600000.00")}
        assert Tranche.objects.filter(bid=c).count() == 0

    def test_a_tranche_nobody_passed_is_withheld(self):
        challenge, (a, b) = awarded_race(teams=2)
        milestone = add_milestone(challenge, "25")
        review(milestone, a, "fail")
        review(milestone, b, "fail")
        milestone.refresh_from_db()
        assert milestone.settled_at is not None
        assert milestone.tranche_withheld is True
        assert not Tranche.objects.exists()
        withheld = ChallengeDecision.objects.get(challenge=challenge, kind="tranche_withheld")
        assert withheld.data == {
            "milestone_id": milestone.pk,
            "sequence": 1,
            "total": "250000.00",
            "reason": "no team passed",
        }

    def test_single_mode_team_takes_the_whole_tranche(self):
        challenge = open_challenge()
        bid = bid_on(challenge)
        close_bidding(challenge)
        challenge = challenge_award(actor=challenge.created_by, challenge=challenge, bid_ids=[bid.pk])
        milestone = add_milestone(challenge, "100")
        review(milestone, bid, "pass")
        assert tranches(milestone) == {bid.pk: D("1000000.00")}

    def test_review_rules(self, client_for):
        challenge, (a, b) = awarded_race(teams=2, bids=3)
        loser = Bid.objects.get(challenge=challenge, status=BidStatus.NOT_AWARDED)
        first = add_milestone(challenge, "50")
        second = add_milestone(challenge, "50")
        client = client_for(operator_user())

        def post(milestone: Milestone, bid: Bid, outcome: str = "pass"):
            return client.post(
                f"/api/v1/milestones/{milestone.pk}/reviews", {"bid_id": bid.pk, "outcome": outcome}, format="json"
            )

        assert post(second, a).json()["code"] == "earlier_milestone_unsettled"
        assert (post(first, loser).status_code, post(first, loser).json()["code"]) == (400, "not_a_team")
        assert post(first, a, "maybe").status_code == 400
        assert post(first, a).status_code == 201
        again = post(first, a, "fail")
        assert (again.status_code, again.json()["code"]) == (409, "already_reviewed")
        assert post(first, b).status_code == 201
        assert post(first, b).json()["code"] == "milestone_settled"
        assert MilestoneReview.objects.count() == 2
        # Team members read their own reviews; the issuer reads all; the team may not review.
        team_client = client_for(a.submitted_by)
        assert post_as(team_client, second, a).status_code == 403
        own = team_client.get(f"/api/v1/milestones/{first.pk}/reviews").json()["results"]
        assert [r["bid_id"] for r in own] == [a.pk]
        everything = client_for(challenge.created_by).get(f"/api/v1/milestones/{first.pk}/reviews").json()
        assert {r["bid_id"] for r in everything["results"]} == {a.pk, b.pk}

    def test_reviews_only_once_awarded(self, client_for):
        challenge = race_challenge(teams=2)
        bid = bid_on(challenge)
        milestone = add_milestone(challenge, "50")
        response = client_for(challenge.created_by).post(
            f"/api/v1/milestones/{milestone.pk}/reviews", {"bid_id": bid.pk, "outcome": "pass"}, format="json"
        )
        assert (response.status_code, response.json()["code"]) == (409, "bad_transition")

    def test_a_reviewed_milestone_is_frozen_and_new_ones_come_after_it(self, client_for):
        challenge, (a, _b) = awarded_race(teams=2)
        first = add_milestone(challenge, "30")
        later = add_milestone(challenge, "30", sequence=5)
        review(first, a, "pass")
        client = client_for(challenge.created_by)
        response = client.patch(f"/api/v1/milestones/{first.pk}", {"title": "改名"}, format="json")
        assert (response.status_code, response.json()["code"]) == (409, "milestone_locked")
        # The unreviewed one can still change, but not move before the reviewed one.
        assert client.patch(f"/api/v1/milestones/{later.pk}", {"title": "中试"}, format="json").status_code == 200
        response = client.patch(f"/api/v1/milestones/{later.pk}", {"sequence": 1}, format="json")
        assert response.json()["code"] == "milestone_sequence"
        response = client.post(
            f"/api/v1/challenges/{challenge.pk}/milestones", milestone_body(challenge, "10", sequence=1), format="json"
        )
        assert response.status_code == 400

    def test_completion_after_the_last_milestone(self, client_for):
        challenge, (a, b) = awarded_race(teams=2)
        url = f"/api/v1/challenges/{challenge.pk}/complete"
        client = client_for(challenge.created_by)
        assert client.post(url).json()["code"] == "not_completable"  # no milestone at all
        first = add_milestone(challenge, "50")
        second = add_milestone(challenge, "50")
        review(first, a, "pass")
        review(first, b, "pass")
        response = client.post(url)
        assert (response.status_code, response.json()["code"]) == (409, "not_completable")
        review(second, a, "pass")
        review(second, b, "fail")
        assert client_for(a.submitted_by).post(url).status_code == 403
        response = client.post(url)
        assert response.status_code == 200, response.json()
        assert response.json()["status"] == "completed"
        complete = ChallengeDecision.objects.get(challenge=challenge, kind="complete")
        assert complete.data == {"tranches_total": "1000000.00"}

    def test_completion_when_every_team_was_eliminated(self):
        challenge, (a, b) = awarded_race(teams=2)
        first = add_milestone(challenge, "50")
        add_milestone(challenge, "50")
        review(first, a, "eliminate")
        review(first, b, "eliminate")
        assert challenge_complete(actor=challenge.created_by, challenge=challenge).status == ChallengeStatus.COMPLETED


class TestTranchesAndDecisions:
    def test_tranches_visibility_and_query_count(self, api_client, client_for, django_assert_num_queries):
        challenge, (a, b, c) = awarded_race(teams=3)
        for share in ("20", "30"):
            milestone = add_milestone(challenge, share)
            for bid in (a, b, c):
                review(milestone, bid, "pass")
        url = f"/api/v1/challenges/{challenge.pk}/tranches"
        issuer = client_for(challenge.created_by)
        # user, memberships, challenge, page of tranches (milestone and organisation joined)
        with django_assert_num_queries(4):
            everything = issuer.get(url).json()["results"]
        assert len(everything) == 6
        assert sum(D(t["amount"]) for t in everything) == D("500000.00")
        own = client_for(a.submitted_by).get(url).json()["results"]
        assert {t["bid_id"] for t in own} == {a.pk}
        assert client_for(member_of(OrganizationFactory())).get(url).json()["results"] == []
        assert api_client.get(url).status_code == 401

    def test_the_decision_log_records_every_decision_in_order(self, client_for, django_assert_num_queries):
        operator = operator_user()
        challenge = race_challenge(teams=2, operator=operator)
        add_milestone(challenge, "40")
        bids = [bid_on(challenge) for _ in range(3)]
        close_bidding(challenge)
        bid_score_create(actor=operator, bid=bids[0], score=D("88"), comment="优")
        challenge = challenge_award(actor=operator, challenge=challenge, bid_ids=[bids[0].pk, bids[1].pk])
        milestone = Milestone.objects.get(challenge=challenge)
        review(milestone, bids[0], "pass")
        review(milestone, bids[1], "eliminate")
        challenge_complete(actor=operator, challenge=challenge)

        url = f"/api/v1/challenges/{challenge.pk}/decisions"
        client = client_for(challenge.created_by)
        # user, memberships, challenge, page of decisions (actors joined)
        with django_assert_num_queries(4):
            response = client.get(url, {"page_size": 50})
        assert response.status_code == 200
        rows = response.json()["results"]
        assert [r["kind"] for r in rows] == [
            "create",
            "submit",
            "approve",
            "milestone_create",
            "score",
            "award",
            "review",
            "review",
            "tranche_allocated",
            "complete",
        ]
        assert rows[4]["data"]["comment"] == "优"
        assert rows[4]["actor_id"] == operator.pk
        assert rows[6]["data"]["outcome"] == "pass"
        assert rows[8]["data"]["parts"] == [{"bid_id": bids[0].pk, "amount": "400000.00"}]
        # Chinese text arrives as text, not \\u escapes.
        assert "优" in response.content.decode("utf-8")
        assert client_for(operator).get(url).status_code == 200
        assert client_for(bids[0].submitted_by).get(url).status_code == 403
        assert client_for(member_of(OrganizationFactory())).get(url).status_code == 403

    def test_a_draft_log_is_hidden_from_outsiders(self, api_client, client_for):
        challenge = draft_challenge()
        url = f"/api/v1/challenges/{challenge.pk}/decisions"
        assert client_for(member_of(OrganizationFactory())).get(url).status_code == 404
        assert api_client.get(url).status_code == 401

    def test_the_log_is_append_only_in_the_database(self):
        challenge = draft_challenge()
        decision = ChallengeDecision.objects.get(challenge=challenge)
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            ChallengeDecision.objects.filter(pk=decision.pk).update(kind="cancel")
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            ChallengeDecision.objects.filter(pk=decision.pk).delete()
        # Deleting the user who decided keeps the entry, without the user.
        actor = decision.actor
        Challenge.objects.filter(pk=challenge.pk).update(created_by=None)
        actor.delete()
        decision.refresh_from_db()
        assert decision.actor_id is None
        assert decision.kind == "create"


def post_as(client, milestone: Milestone, bid: Bid):
    return client.post(
        f"/api/v1/milestones/{milestone.pk}/reviews", {"bid_id": bid.pk, "outcome": "pass"}, format="json"
    )
