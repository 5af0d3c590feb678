"""Challenges over HTTP: terms, the lifecycle and who may see and move them."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection

from apps.challenges.models import Challenge, ChallengeDecision, ChallengeStatus
from apps.challenges.services import challenge_cancel, challenge_review, challenge_submit
from apps.core.errors import ApplicationError
from apps.listings.models import Demand, ListingStatus
from apps.notifications.models import Notification
from tests.challenges.factories import (
    bid_on,
    challenge_terms,
    close_bidding,
    draft_challenge,
    issuer_member,
    open_challenge,
    published_demand,
)
from tests.factories import OrganizationFactory, member_of, operator_user

pytestmark = pytest.mark.django_db

URL = "/api/v1/challenges"


def payload(demand: Demand, **overrides: object) -> dict[str, object]:
    terms = challenge_terms(**overrides)
    return {
        **{k: str(v) if isinstance(v, Decimal) else v for k, v in terms.items()},
        "bid_deadline": terms["bid_deadline"].isoformat(),
        "demand_id": demand.pk,
    }


class TestCreate:
    def test_issuer_creates_a_draft_and_the_creation_is_logged(self, client_for):
        issuer = issuer_member()
        demand = published_demand(actor=issuer)
        response = client_for(issuer).post(URL, payload(demand), format="json")
        assert response.status_code == 201, response.json()
        body = response.json()
        assert body["status"] == "draft"
        assert body["title"] == demand.title
        assert body["reward"] == "1000000.00"
        assert body["race_team_count"] == 1
        assert body["indicators"][0] == {"name": "能量密度", "target": 300, "unit": "Wh/kg", "comparison": "≥"}
        decision = ChallengeDecision.objects.get(challenge_id=body["id"])
        assert decision.kind == "create"
        assert decision.actor == issuer
        assert decision.data["reward"] == "1000000.00"
        assert decision.data["indicators"][1] == {"name": "温差", "target": 2.5, "unit": "℃", "comparison": "≤"}
        assert '"target": 300,' in response.content.decode("utf-8").replace('"target":300,', '"target": 300,')

    def test_race_with_lump_sum(self, client_for):
        issuer = issuer_member()
        demand = published_demand(actor=issuer)
        response = client_for(issuer).post(
            URL,
            payload(
                demand, mode="race", race_team_count=3, funding_mode="lump_sum", negative_list="不得用于购置车辆。"
            ),
            format="json",
        )
        assert response.status_code == 201, response.json()
        assert (response.json()["mode"], response.json()["race_team_count"]) == ("race", 3)

    @pytest.mark.parametrize(
        ("overrides", "status", "code", "field"),
        [
            ({"reward": "0", "enterprise_funding": "0", "government_funding": "0"}, 400, "invalid_funding", "reward"),
            (
                {"reward": "-10.00", "enterprise_funding": "0", "government_funding": "0"},
                400,
                "invalid_funding",
                "reward",
            ),
            ({"government_funding": "300000.00"}, 400, "invalid_funding", "government_funding"),
            ({"enterprise_funding": "-1.00", "government_funding": "1000001.00"}, 400, "invalid_funding", None),
            ({"mode": "race", "race_team_count": 1}, 400, "invalid_race_team_count", "race_team_count"),
            ({"mode": "race", "race_team_count": 6}, 400, "invalid_race_team_count", "race_team_count"),
            ({"mode": "race"}, 400, "invalid_race_team_count", "race_team_count"),
            ({"mode": "single", "race_team_count": 3}, 400, "invalid_race_team_count", "race_team_count"),
            ({"indicators": []}, 400, "invalid_indicators", "indicators"),
            ({"funding_mode": "lump_sum"}, 400, "negative_list_required", "negative_list"),
            ({"bid_deadline": "2020-01-01T00:00:00+08:00"}, 400, "bid_deadline_past", "bid_deadline"),
            ({"reward": "1.001"}, 400, "validation_error", "reward"),
            ({"indicators": [{"name": "x", "target": "很多", "unit": "", "comparison": "≥"}]}, 400, None, None),
            ({"indicators": [{"name": "x", "target": 1, "unit": "", "comparison": ">"}]}, 400, None, None),
            ({"allowed_organization_types": ["market_operator"]}, 400, "validation_error", None),
            ({"demand_id": 999999}, 400, "unknown_demand", "demand_id"),
        ],
    )
    def test_bad_input_is_a_clear_4xx_and_nothing_is_stored(self, client_for, overrides, status, code, field):
        issuer = issuer_member()
        demand = published_demand(actor=issuer)
        body = {**payload(demand), **overrides}
        response = client_for(issuer).post(URL, body, format="json")
        assert response.status_code == status, response.json()
        problem = response.json()
        if code:
            assert problem["code"] == code
        if field:
            assert field in {e["field"] for e in problem["errors"]}
        assert not Challenge.objects.exists()
        assert not ChallengeDecision.objects.exists()

    def test_only_a_member_of_the_demand_owner_may_create(self, client_for):
        demand = published_demand(actor=issuer_member())
        for outsider in (member_of(OrganizationFactory()), operator_user()):
            response = client_for(outsider).post(URL, payload(demand), format="json")
            assert response.status_code == 403
            assert response.json()["code"] == "not_issuer_member"
        assert not Challenge.objects.exists()

    def test_someone_elses_unpublished_demand_is_unknown(self, client_for):
        owner = issuer_member()
        demand = published_demand(actor=owner)
        Demand.objects.filter(pk=demand.pk).update(status=ListingStatus.DRAFT)
        response = client_for(member_of(OrganizationFactory())).post(URL, payload(demand), format="json")
        assert response.status_code == 400
        assert response.json()["code"] == "unknown_demand"
        # Its owner is told why instead.
        response = client_for(owner).post(URL, payload(demand), format="json")
        assert response.status_code == 409
        assert response.json()["code"] == "demand_not_published"
        assert not Challenge.objects.exists()

    def test_one_challenge_per_demand(self, client_for):
        issuer = issuer_member()
        demand = published_demand(actor=issuer)
        client = client_for(issuer)
        assert client.post(URL, payload(demand), format="json").status_code == 201
        response = client.post(URL, payload(demand), format="json")
        assert response.status_code == 409
        assert response.json()["code"] == "challenge_exists"
        assert Challenge.objects.count() == 1

    def test_anonymous_cannot_create(self, api_client):
        demand = published_demand(actor=issuer_member())
        assert api_client.post(URL, payload(demand), format="json").status_code == 401


class TestUpdate:
    def test_issuer_edits_a_draft_and_the_change_is_logged(self, client_for):
        challenge = draft_challenge()
        response = client_for(challenge.created_by).patch(
            f"{URL}/{challenge.pk}",
            {"reward": "1200000.00", "enterprise_funding": "800000.00", "government_funding": "400000.00"},
            format="json",
        )
        assert response.status_code == 200, response.json()
        assert response.json()["reward"] == "1200000.00"
        decision = ChallengeDecision.objects.filter(challenge=challenge).last()
        assert decision.kind == "update"
        assert decision.data == {"changes": {"reward": "1200000.00", "enterprise_funding": "800000.00"}}

    def test_an_edit_breaking_the_split_is_refused_and_nothing_changes(self, client_for):
        challenge = draft_challenge()
        response = client_for(challenge.created_by).patch(f"{URL}/{challenge.pk}", {"reward": "5.00"}, format="json")
        assert response.status_code == 400
        assert response.json()["code"] == "invalid_funding"
        challenge.refresh_from_db()
        assert challenge.reward == Decimal("1000000.00")
        assert ChallengeDecision.objects.filter(challenge=challenge).count() == 1

    def test_switching_to_race_needs_a_team_count(self, client_for):
        challenge = draft_challenge()
        client = client_for(challenge.created_by)
        assert client.patch(f"{URL}/{challenge.pk}", {"mode": "race"}, format="json").status_code == 400
        response = client.patch(f"{URL}/{challenge.pk}", {"mode": "race", "race_team_count": 4}, format="json")
        assert response.status_code == 200
        assert response.json()["race_team_count"] == 4
        # And back: single mode funds one team, and the log says so.
        assert client.patch(f"{URL}/{challenge.pk}", {"mode": "single"}, format="json").json()["race_team_count"] == 1
        last = ChallengeDecision.objects.filter(challenge=challenge).last()
        assert last.data == {"changes": {"mode": "single", "race_team_count": 1}}

    def test_an_edit_that_changes_nothing_logs_nothing(self, client_for):
        challenge = draft_challenge()
        same = {"indicators": challenge.indicators, "reward": "1000000", "eligibility": challenge.eligibility}
        response = client_for(challenge.created_by).patch(f"{URL}/{challenge.pk}", same, format="json")
        assert response.status_code == 200, response.json()
        assert list(ChallengeDecision.objects.filter(challenge=challenge).values_list("kind", flat=True)) == ["create"]

    def test_only_a_draft_is_editable(self, client_for):
        challenge = open_challenge()
        response = client_for(challenge.created_by).patch(f"{URL}/{challenge.pk}", {"eligibility": "x"}, format="json")
        assert response.status_code == 409
        assert response.json()["code"] == "not_editable"

    def test_others_cannot_edit(self, client_for):
        challenge = draft_challenge()
        # A draft is invisible to another organisation: 404; the operator sees it but may not edit: 403.
        outsider = member_of(OrganizationFactory())
        assert client_for(outsider).patch(f"{URL}/{challenge.pk}", {}, format="json").status_code == 404
        assert client_for(operator_user()).patch(f"{URL}/{challenge.pk}", {}, format="json").status_code == 403


class TestLifecycle:
    def test_draft_submitted_open_awarded(self, client_for):
        operator = operator_user()
        challenge = draft_challenge()
        issuer = client_for(challenge.created_by)

        response = issuer.post(f"{URL}/{challenge.pk}/submit")
        assert response.status_code == 200, response.json()
        assert response.json()["status"] == "submitted"
        assert Notification.objects.filter(recipient=operator, kind="challenge.submitted").exists()

        response = client_for(operator).post(f"{URL}/{challenge.pk}/review", {"approve": True}, format="json")
        assert response.status_code == 200, response.json()
        assert response.json()["status"] == "open"
        assert response.json()["opened_at"] is not None
        assert Notification.objects.filter(recipient=challenge.created_by, kind="challenge.reviewed").exists()

        kinds = list(ChallengeDecision.objects.filter(challenge=challenge).values_list("kind", flat=True))
        assert kinds == ["create", "submit", "approve"]

    def test_rejection_returns_to_an_editable_draft_with_the_reason(self, client_for):
        challenge = draft_challenge()
        challenge_submit(actor=challenge.created_by, challenge=challenge)
        operator = client_for(operator_user())
        refused = operator.post(f"{URL}/{challenge.pk}/review", {"approve": False}, format="json")
        assert refused.status_code == 400
        assert refused.json()["code"] == "reason_required"
        response = operator.post(
            f"{URL}/{challenge.pk}/review", {"approve": False, "reason": "指标不清"}, format="json"
        )
        assert response.status_code == 200
        assert (response.json()["status"], response.json()["rejection_reason"]) == ("draft", "指标不清")
        issuer = client_for(challenge.created_by)
        assert issuer.patch(f"{URL}/{challenge.pk}", {"eligibility": "高校"}, format="json").status_code == 200
        resubmitted = issuer.post(f"{URL}/{challenge.pk}/submit")
        assert resubmitted.json()["status"] == "submitted"
        assert resubmitted.json()["rejection_reason"] == ""
        reject = ChallengeDecision.objects.get(challenge=challenge, kind="reject")
        assert reject.data == {"reason": "指标不清"}

    @pytest.mark.parametrize("status", ["draft", "submitted", "open"])
    def test_issuer_or_operator_cancels_from_draft_submitted_or_open(self, client_for, status):
        challenge = draft_challenge()
        Challenge.objects.filter(pk=challenge.pk).update(status=status)
        for actor in (challenge.created_by, operator_user()):
            Challenge.objects.filter(pk=challenge.pk).update(status=status)
            response = client_for(actor).post(f"{URL}/{challenge.pk}/cancel", {"reason": "需求已解决"}, format="json")
            assert response.status_code == 200, response.json()
            assert response.json()["status"] == "cancelled"
            assert response.json()["cancel_reason"] == "需求已解决"
        assert ChallengeDecision.objects.filter(challenge=challenge, kind="cancel").count() == 2

    def test_cancelling_an_open_challenge_tells_the_bidders(self, client_for):
        challenge = open_challenge()
        bid = bid_on(challenge)
        client_for(challenge.created_by).post(f"{URL}/{challenge.pk}/cancel", {"reason": "预算取消"}, format="json")
        assert Notification.objects.filter(
            kind="challenge.cancelled", recipient__memberships__organization=bid.organization_id
        ).exists()

    @pytest.mark.parametrize(
        ("status", "action", "actor"),
        [
            ("submitted", "submit", "issuer"),
            ("open", "submit", "issuer"),
            ("draft", "review", "operator"),
            ("open", "review", "operator"),
            ("awarded", "cancel", "issuer"),
            ("completed", "cancel", "operator"),
            ("cancelled", "cancel", "issuer"),
            ("cancelled", "submit", "issuer"),
            ("draft", "complete", "issuer"),
            ("open", "complete", "operator"),
            ("draft", "award", "issuer"),
            ("submitted", "award", "operator"),
            ("awarded", "award", "issuer"),
        ],
    )
    def test_refused_transitions_are_409_and_change_nothing(self, client_for, status, action, actor):
        challenge = draft_challenge()
        Challenge.objects.filter(pk=challenge.pk).update(status=status)
        user = challenge.created_by if actor == "issuer" else operator_user()
        body = {"approve": True} if action == "review" else {"bid_ids": [1]} if action == "award" else {}
        response = client_for(user).post(f"{URL}/{challenge.pk}/{action}", body, format="json")
        assert response.status_code == 409, response.json()
        assert response.json()["code"] == "bad_transition"
        assert response.json()["current_status"] == status
        challenge.refresh_from_db()
        assert challenge.status == status
        assert ChallengeDecision.objects.filter(challenge=challenge).count() == 1

    def test_who_may_move_it(self, client_for):
        challenge = draft_challenge()
        outsider = member_of(OrganizationFactory())
        operator = operator_user()
        # Another organisation cannot even see the draft.
        for action in ("submit", "cancel", "review"):
            assert client_for(outsider).post(f"{URL}/{challenge.pk}/{action}", {}, format="json").status_code == 404
        # The operator submits nothing; the issuer reviews nothing.
        assert client_for(operator).post(f"{URL}/{challenge.pk}/submit").status_code == 403
        challenge_submit(actor=challenge.created_by, challenge=challenge)
        response = client_for(challenge.created_by).post(
            f"{URL}/{challenge.pk}/review", {"approve": True}, format="json"
        )
        assert response.status_code == 403
        assert response.json()["code"] == "operator_only"
        # On a public challenge an outsider sees it but may not cancel it.
        challenge_review(actor=operator, challenge=challenge, approve=True)
        response = client_for(outsider).post(f"{URL}/{challenge.pk}/cancel", {}, format="json")
        assert response.status_code == 403
        assert response.json()["code"] == "not_issuer_or_operator"

    def test_a_deadline_that_passed_blocks_submission_and_approval(self, client_for):
        challenge = draft_challenge()
        close_bidding(challenge)
        response = client_for(challenge.created_by).post(f"{URL}/{challenge.pk}/submit")
        assert response.status_code == 409
        assert response.json()["code"] == "bid_deadline_past"
        Challenge.objects.filter(pk=challenge.pk).update(status=ChallengeStatus.SUBMITTED)
        response = client_for(operator_user()).post(f"{URL}/{challenge.pk}/review", {"approve": True}, format="json")
        assert response.status_code == 409
        assert response.json()["code"] == "bid_deadline_past"
        challenge.refresh_from_db()
        assert challenge.status == ChallengeStatus.SUBMITTED

    def test_a_demand_no_longer_published_blocks_approval(self, client_for):
        challenge = draft_challenge()
        challenge_submit(actor=challenge.created_by, challenge=challenge)
        Demand.objects.filter(pk=challenge.demand_id).update(status=ListingStatus.WITHDRAWN)
        response = client_for(operator_user()).post(f"{URL}/{challenge.pk}/review", {"approve": True}, format="json")
        assert response.status_code == 409
        assert response.json()["code"] == "demand_not_published"


class TestVisibility:
    def test_public_challenges_are_listed_for_anyone_drafts_for_issuer_and_operator(self, api_client, client_for):
        issuer = issuer_member()
        draft = draft_challenge(issuer=issuer)
        public = open_challenge()
        cancelled = draft_challenge()
        challenge_cancel(actor=cancelled.created_by, challenge=cancelled)

        def listed(client) -> set[int]:
            return {c["id"] for c in client.get(URL).json()["results"]}

        assert listed(api_client) == {public.pk}
        assert listed(client_for(member_of(OrganizationFactory()))) == {public.pk}
        assert listed(client_for(issuer)) == {public.pk, draft.pk}
        assert listed(client_for(operator_user())) == {public.pk, draft.pk, cancelled.pk}
        assert api_client.get(f"{URL}/{public.pk}").status_code == 200
        assert api_client.get(f"{URL}/{draft.pk}").status_code == 404
        assert client_for(member_of(OrganizationFactory())).get(f"{URL}/{draft.pk}").status_code == 404
        assert client_for(issuer).get(f"{URL}/{draft.pk}").status_code == 200

    def test_a_bidder_still_sees_a_challenge_that_was_cancelled(self, client_for):
        challenge = open_challenge()
        bid = bid_on(challenge)
        challenge_cancel(actor=challenge.created_by, challenge=challenge)
        bidder = bid.submitted_by
        assert client_for(bidder).get(f"{URL}/{challenge.pk}").json()["status"] == "cancelled"
        assert client_for(member_of(OrganizationFactory())).get(f"{URL}/{challenge.pk}").status_code == 404

    def test_filters(self, api_client):
        single = open_challenge()
        race = open_challenge(mode="race", race_team_count=2)
        Demand.objects.filter(pk=race.demand_id).update(technology_field_id="01")

        def ids(**params) -> set[int]:
            response = api_client.get(URL, params)
            assert response.status_code == 200, response.json()
            return {c["id"] for c in response.json()["results"]}

        assert ids(mode="race") == {race.pk}
        assert ids(mode="single") == {single.pk}
        assert ids(technology_field="03") == {single.pk}
        assert ids(status="open") == {single.pk, race.pk}
        assert ids(status="awarded") == set()
        assert ids(issuer=single.issuer_id) == {single.pk}
        assert api_client.get(URL, {"status": "nonsense"}).status_code == 400

    @pytest.mark.parametrize("rows", [1, 12])
    def test_list_query_count_is_constant(self, client_for, api_client, django_assert_num_queries, rows):
        issuer = issuer_member()
        for _ in range(rows):
            open_challenge(issuer=issuer)
            draft_challenge(issuer=issuer)
        # Anonymous: the page (demand, field and issuer joined).
        with django_assert_num_queries(1):
            response = api_client.get(URL, {"page_size": 10})
        assert len(response.json()["results"]) == min(rows, 10)
        # A member: user, memberships, the page.
        client = client_for(issuer)
        with django_assert_num_queries(3):
            response = client.get(URL, {"page_size": 10})
        assert len(response.json()["results"]) == min(2 * rows, 10)

    def test_cursor_pages_through_everything_once(self, api_client):
        created = {open_challenge().pk for _ in range(5)}
        seen: list[int] = []
        url: str | None = f"{URL}?page_size=2"
        while url:
            page = api_client.get(url).json()
            seen += [c["id"] for c in page["results"]]
            url = page["next"]
        assert sorted(seen) == sorted(created)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_concurrent_approvals_cannot_both_win():
    """Real transactions on separate connections: exactly one approval wins, the other gets a 409."""
    challenge = draft_challenge()
    challenge_submit(actor=challenge.created_by, challenge=challenge)
    operators = [operator_user() for _ in range(2)]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def approve(operator) -> None:
        try:
            barrier.wait(timeout=5)
            challenge_review(actor=operator, challenge=challenge, approve=True)
            outcomes.append("won")
        except ApplicationError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(o,)) for o in operators]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert sorted(outcomes) == ["bad_transition", "won"]
    assert ChallengeDecision.objects.filter(challenge=challenge, kind="approve").count() == 1
    assert Challenge.objects.get(pk=challenge.pk).status == ChallengeStatus.OPEN
