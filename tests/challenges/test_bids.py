"""Bids (揭榜申请) over HTTP: who may bid, who sees a bid, attachments, scores and the award."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from apps.challenges.models import (
    Bid,
    BidAttachment,
    BidScore,
    BidStatus,
    Challenge,
    ChallengeDecision,
    ChallengeStatus,
)
from apps.challenges.services import bid_score_create, bid_withdraw, challenge_award, challenge_cancel
from apps.core.errors import ApplicationError
from apps.notifications.models import Notification
from apps.organizations.models import Membership, OrganizationType, VerificationStatus
from tests.challenges.factories import (
    bid_on,
    close_bidding,
    draft_challenge,
    open_challenge,
    race_challenge,
    team,
)
from tests.factories import OrganizationFactory, UserFactory, member_of, operator_user

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n% test proposal\n"


def bids_url(challenge: Challenge) -> str:
    return f"/api/v1/challenges/{challenge.pk}/bids"


def bid_body(**overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "proposal": "采用液冷板与相变材料复合方案。",
        "team_description": "电池热管理课题组。",
        "budget_lines": [{"item": "样机", "amount": "400000.00"}, {"item": "测试", "amount": "100000.00"}],
    }
    body.update(overrides)
    return body


class TestBidding:
    def test_a_team_bids_and_the_issuer_is_told(self, client_for):
        challenge = open_challenge()
        organization, member = team()
        response = client_for(member).post(bids_url(challenge), bid_body(), format="json")
        assert response.status_code == 201, response.json()
        body = response.json()
        assert body["organization_id"] == organization.pk
        assert body["status"] == "submitted"
        assert body["budget_lines"] == [
            {"item": "样机", "amount": "400000.00"},
            {"item": "测试", "amount": "100000.00"},
        ]
        assert body["average_score"] is None  # a team does not see scores
        assert Notification.objects.filter(recipient=challenge.created_by, kind="challenge.bid_submitted").exists()

    def test_lump_sum_takes_a_commitment_instead_of_a_budget(self, client_for):
        challenge = open_challenge(funding_mode="lump_sum", negative_list="不得用于偿还债务。")
        _org, member = team()
        client = client_for(member)
        response = client.post(bids_url(challenge), bid_body(budget_lines=[]), format="json")
        assert response.status_code == 400
        assert response.json()["code"] == "commitment_required"
        response = client.post(bids_url(challenge), bid_body(commitment_confirmed=True), format="json")
        assert response.status_code == 400
        assert response.json()["code"] == "budget_lines_not_allowed"
        assert not Bid.objects.exists()
        response = client.post(bids_url(challenge), bid_body(budget_lines=[], commitment_confirmed=True), format="json")
        assert response.status_code == 201, response.json()
        assert response.json()["commitment_confirmed"] is True

    @pytest.mark.parametrize(
        ("overrides", "code", "field"),
        [
            ({"budget_lines": [{"item": "设备", "amount": "1000000.01"}]}, "invalid_budget_lines", "budget_lines"),
            (
                {"budget_lines": [{"item": "设备", "amount": "600000.00"}, {"item": "人员", "amount": "400000.01"}]},
                "invalid_budget_lines",
                "budget_lines",
            ),
            ({"budget_lines": []}, "invalid_budget_lines", "budget_lines"),
            ({"budget_lines": [{"item": "设备", "amount": "0.00"}]}, "invalid_budget_lines", "budget_lines.0.amount"),
            ({"budget_lines": [{"item": "设备", "amount": "-5.00"}]}, "invalid_budget_lines", "budget_lines.0.amount"),
            ({"budget_lines": [{"item": "设备"}]}, "validation_error", "budget_lines.0.amount"),
            ({"proposal": ""}, "validation_error", "proposal"),
            ({"organization_id": 999999}, "not_team_member", "organization_id"),
        ],
    )
    def test_bad_bids_are_a_400_and_nothing_is_stored(self, client_for, overrides, code, field):
        challenge = open_challenge()
        _org, member = team()
        response = client_for(member).post(bids_url(challenge), bid_body(**overrides), format="json")
        assert response.status_code == 400, response.json()
        assert response.json()["code"] == code
        assert field in {e["field"] for e in response.json()["errors"]}
        assert not Bid.objects.exists()

    def test_who_may_not_bid(self, client_for):
        challenge = open_challenge(allowed_organization_types=["university", "research_institute"])
        issuer = client_for(challenge.created_by)
        response = issuer.post(bids_url(challenge), bid_body(), format="json")
        assert (response.status_code, response.json()["code"]) == (403, "own_challenge")
        _org, unverified = team(verification_status=VerificationStatus.PENDING)
        response = client_for(unverified).post(bids_url(challenge), bid_body(), format="json")
        assert (response.status_code, response.json()["code"]) == (403, "organization_not_verified")
        _org, enterprise = team(org_type=OrganizationType.ENTERPRISE)
        response = client_for(enterprise).post(bids_url(challenge), bid_body(), format="json")
        assert (response.status_code, response.json()["code"]) == (403, "organization_not_eligible")
        operator = operator_user()
        operator_org = operator.memberships.get().organization_id
        response = client_for(operator).post(bids_url(challenge), bid_body(organization_id=operator_org), format="json")
        assert (response.status_code, response.json()["code"]) == (403, "organization_not_eligible")
        response = client_for(UserFactory()).post(bids_url(challenge), bid_body(), format="json")
        assert (response.status_code, response.json()["code"]) == (400, "organization_required")
        assert not Bid.objects.exists()

    def test_a_member_of_several_organisations_names_one(self, client_for):
        challenge = open_challenge()
        first, member = team()
        second = OrganizationFactory(type=OrganizationType.RESEARCH_INSTITUTE, entity_type_id="021")
        member_of_both = member
        Membership.objects.create(user=member_of_both, organization=second, role="member")
        client = client_for(member_of_both)
        assert client.post(bids_url(challenge), bid_body(), format="json").json()["code"] == "organization_required"
        response = client.post(bids_url(challenge), bid_body(organization_id=second.pk), format="json")
        assert response.status_code == 201
        assert response.json()["organization_id"] == second.pk
        assert first.pk != second.pk

    def test_one_active_bid_per_organisation_and_withdrawal_frees_the_place(self, client_for):
        challenge = open_challenge()
        _org, member = team()
        client = client_for(member)
        first = client.post(bids_url(challenge), bid_body(), format="json").json()
        response = client.post(bids_url(challenge), bid_body(), format="json")
        assert (response.status_code, response.json()["code"]) == (409, "duplicate_bid")
        withdrawn = client.post(f"/api/v1/bids/{first['id']}/withdraw")
        assert withdrawn.status_code == 200
        assert withdrawn.json()["status"] == "withdrawn"
        assert client.post(f"/api/v1/bids/{first['id']}/withdraw").status_code == 409
        assert client.post(bids_url(challenge), bid_body(), format="json").status_code == 201
        assert Bid.objects.filter(challenge=challenge).count() == 2

    @pytest.mark.parametrize("state", ["draft", "submitted", "deadline_passed", "cancelled"])
    def test_bidding_only_while_open_and_before_the_deadline(self, client_for, state):
        challenge = open_challenge()
        _org, member = team()
        if state == "deadline_passed":
            close_bidding(challenge)
        elif state == "cancelled":
            # A withdrawn bid keeps the cancelled challenge visible to the team.
            bid_withdraw(actor=member, bid=bid_on(challenge, member=member))
            challenge_cancel(actor=challenge.created_by, challenge=challenge)
        else:
            Challenge.objects.filter(pk=challenge.pk).update(status=state)
        before = Bid.objects.count()
        response = client_for(member).post(bids_url(challenge), bid_body(), format="json")
        if state == "draft" or state == "submitted":
            assert response.status_code == 404  # not visible to a team before it opens
        else:
            assert (response.status_code, response.json()["code"]) == (409, "bidding_closed")
        assert Bid.objects.count() == before

    def test_withdrawal_only_by_the_team_and_before_the_deadline(self, client_for):
        challenge = open_challenge()
        bid = bid_on(challenge)
        url = f"/api/v1/bids/{bid.pk}/withdraw"
        response = client_for(challenge.created_by).post(url)
        assert (response.status_code, response.json()["code"]) == (403, "not_team_member")
        close_bidding(challenge)
        response = client_for(bid.submitted_by).post(url)
        assert (response.status_code, response.json()["code"]) == (409, "bidding_closed")
        bid.refresh_from_db()
        assert bid.status == BidStatus.SUBMITTED


class TestVisibility:
    def test_the_bid_visibility_matrix(self, api_client, client_for):
        challenge = open_challenge()
        mine = bid_on(challenge)
        other = bid_on(challenge)
        url = f"/api/v1/bids/{mine.pk}"
        assert client_for(mine.submitted_by).get(url).status_code == 200
        assert client_for(member_of(mine.organization)).get(url).status_code == 200  # a colleague
        assert client_for(other.submitted_by).get(url).status_code == 404  # another bidder
        assert client_for(member_of(OrganizationFactory())).get(url).status_code == 404
        assert client_for(challenge.created_by).get(url).status_code == 200  # the issuer
        assert client_for(operator_user()).get(url).status_code == 200
        assert api_client.get(url).status_code == 401

    def test_lists_show_all_bids_to_evaluators_and_its_own_to_a_team(self, api_client, client_for):
        challenge = open_challenge()
        mine, other = bid_on(challenge), bid_on(challenge)

        def listed(client) -> set[int]:
            response = client.get(bids_url(challenge))
            assert response.status_code == 200
            return {b["id"] for b in response.json()["results"]}

        assert listed(client_for(challenge.created_by)) == {mine.pk, other.pk}
        assert listed(client_for(operator_user())) == {mine.pk, other.pk}
        assert listed(client_for(mine.submitted_by)) == {mine.pk}
        assert listed(client_for(member_of(OrganizationFactory()))) == set()
        assert listed(client_for(UserFactory())) == set()
        assert api_client.get(bids_url(challenge)).status_code == 401

    @pytest.mark.parametrize("rows", [1, 10])
    def test_bid_list_query_count_is_constant(self, client_for, django_assert_num_queries, rows):
        challenge = open_challenge()
        for _ in range(rows):
            bid = bid_on(challenge)
            BidAttachment.objects.create(
                bid=bid, file="x.pdf", original_name="方案.pdf", content_type="application/pdf", size=1, sha256="0"
            )
        close_bidding(challenge)
        scorers = [operator_user(), challenge.created_by]
        for bid in Bid.objects.filter(challenge=challenge):
            for scorer in scorers:
                bid_score_create(actor=scorer, bid=bid, score=Decimal("80"))
        client = client_for(challenge.created_by)
        # user, memberships, challenge, page of bids (organisation joined, scores as subqueries), attachments
        with django_assert_num_queries(5):
            response = client.get(bids_url(challenge), {"page_size": 20})
        results = response.json()["results"]
        assert len(results) == rows
        assert {(b["average_score"], b["score_count"], len(b["attachments"])) for b in results} == {("80.00", 2, 1)}


class TestAttachments:
    def test_the_team_attaches_a_file_and_those_who_see_the_bid_download_it(self, client_for, settings, tmp_path):
        settings.MEDIA_ROOT = tmp_path
        challenge = open_challenge()
        bid = bid_on(challenge)
        url = f"/api/v1/bids/{bid.pk}/attachments"
        upload = SimpleUploadedFile("可行性方案.pdf", PDF, content_type="application/pdf")
        response = client_for(bid.submitted_by).post(url, {"file": upload}, format="multipart")
        assert response.status_code == 201, response.json()
        attachment_id = response.json()["id"]
        assert response.json()["original_name"] == "可行性方案.pdf"
        download = f"{url}/{attachment_id}"
        for reader in (bid.submitted_by, challenge.created_by, operator_user()):
            got = client_for(reader).get(download)
            assert got.status_code == 200
            assert b"".join(got.streaming_content) == PDF
        other = bid_on(challenge)
        assert client_for(other.submitted_by).get(download).status_code == 404
        assert (
            client_for(other.submitted_by).get(f"/api/v1/bids/{other.pk}/attachments/{attachment_id}").status_code
            == 404
        )

    def test_bad_files_and_wrong_uploaders_are_refused(self, client_for, settings, tmp_path):
        settings.MEDIA_ROOT = tmp_path
        challenge = open_challenge()
        bid = bid_on(challenge)
        url = f"/api/v1/bids/{bid.pk}/attachments"
        exe = SimpleUploadedFile("方案.pdf", b"MZ\x90\x00", content_type="application/pdf")
        response = client_for(bid.submitted_by).post(url, {"file": exe}, format="multipart")
        assert response.status_code == 415
        issuer_upload = SimpleUploadedFile("a.pdf", PDF, content_type="application/pdf")
        response = client_for(challenge.created_by).post(url, {"file": issuer_upload}, format="multipart")
        assert response.status_code == 403
        close_bidding(challenge)
        late = SimpleUploadedFile("a.pdf", PDF, content_type="application/pdf")
        response = client_for(bid.submitted_by).post(url, {"file": late}, format="multipart")
        assert (response.status_code, response.json()["code"]) == (409, "bidding_closed")
        assert not BidAttachment.objects.exists()
        assert not list(tmp_path.rglob("*.pdf"))


class TestScoring:
    def test_evaluators_score_once_after_the_deadline(self, client_for):
        challenge = open_challenge()
        bid = bid_on(challenge)
        url = f"/api/v1/bids/{bid.pk}/scores"
        issuer = client_for(challenge.created_by)
        early = issuer.post(url, {"score": "80"}, format="json")
        assert (early.status_code, early.json()["code"]) == (409, "bid_deadline_not_reached")
        close_bidding(challenge)
        response = issuer.post(url, {"score": "80.5", "comment": "方案扎实"}, format="json")
        assert response.status_code == 201, response.json()
        again = issuer.post(url, {"score": "90"}, format="json")
        assert (again.status_code, again.json()["code"]) == (409, "already_scored")
        operator = client_for(operator_user())
        assert operator.post(url, {"score": "70"}, format="json").status_code == 201
        scores = issuer.get(url).json()["results"]
        assert [(s["score"], s["comment"]) for s in scores] == [("80.50", "方案扎实"), ("70.00", "")]
        shown = issuer.get(f"/api/v1/bids/{bid.pk}").json()
        assert (shown["average_score"], shown["score_count"]) == ("75.25", 2)
        assert list(BidScore.objects.filter(bid=bid).values_list("score", flat=True)) == [
            Decimal("80.50"),
            Decimal("70.00"),
        ]
        logged = ChallengeDecision.objects.filter(challenge=challenge, kind="score")
        assert [d.data["score"] for d in logged] == ["80.50", "70.00"]

    @pytest.mark.parametrize("score", ["-1", "100.01", "250"])
    def test_scores_run_from_0_to_100(self, client_for, score):
        challenge = open_challenge()
        bid = bid_on(challenge)
        close_bidding(challenge)
        response = client_for(challenge.created_by).post(
            f"/api/v1/bids/{bid.pk}/scores", {"score": score}, format="json"
        )
        assert (response.status_code, response.json()["code"]) == (400, "invalid_score")
        assert not BidScore.objects.exists()

    def test_teams_neither_score_nor_read_scores(self, client_for):
        challenge = open_challenge()
        bid = bid_on(challenge)
        close_bidding(challenge)
        team_client = client_for(bid.submitted_by)
        assert team_client.post(f"/api/v1/bids/{bid.pk}/scores", {"score": "100"}, format="json").status_code == 403
        assert team_client.get(f"/api/v1/bids/{bid.pk}/scores").status_code == 403
        outsider = client_for(member_of(OrganizationFactory()))
        assert outsider.post(f"/api/v1/bids/{bid.pk}/scores", {"score": "100"}, format="json").status_code == 404
        assert not BidScore.objects.exists()

    def test_a_withdrawn_bid_cannot_be_scored(self, client_for):
        challenge = open_challenge()
        bid = bid_on(challenge)
        bid_withdraw(actor=bid.submitted_by, bid=bid)
        close_bidding(challenge)
        response = client_for(challenge.created_by).post(
            f"/api/v1/bids/{bid.pk}/scores", {"score": "60"}, format="json"
        )
        assert (response.status_code, response.json()["code"]) == (409, "bid_bad_state")


class TestAward:
    def test_single_mode_awards_exactly_one(self, client_for):
        challenge = open_challenge()
        winner, loser = bid_on(challenge), bid_on(challenge)
        close_bidding(challenge)
        url = f"/api/v1/challenges/{challenge.pk}/award"
        client = client_for(challenge.created_by)
        for ids in ([], [winner.pk, loser.pk]):
            response = client.post(url, {"bid_ids": ids}, format="json")
            assert (response.status_code, response.json()["code"]) == (400, "award_count")
        response = client.post(url, {"bid_ids": [winner.pk]}, format="json")
        assert response.status_code == 200, response.json()
        assert response.json()["status"] == "awarded"
        assert dict(Bid.objects.values_list("pk", "status")) == {
            winner.pk: BidStatus.ACTIVE,
            loser.pk: BidStatus.NOT_AWARDED,
        }
        assert Notification.objects.filter(recipient=winner.submitted_by, kind="challenge.awarded").exists()
        assert Notification.objects.filter(recipient=loser.submitted_by, kind="challenge.not_awarded").exists()
        decision = ChallengeDecision.objects.get(challenge=challenge, kind="award")
        assert decision.data["teams"][0]["bid_id"] == winner.pk
        assert decision.data["not_awarded"] == [loser.pk]

    @pytest.mark.parametrize(("teams", "count", "ok"), [(3, 1, False), (3, 2, True), (3, 3, True), (3, 4, False)])
    def test_race_mode_awards_two_up_to_the_team_count(self, client_for, teams, count, ok):
        challenge = race_challenge(teams=teams)
        bids = [bid_on(challenge) for _ in range(4)]
        close_bidding(challenge)
        response = client_for(operator_user()).post(
            f"/api/v1/challenges/{challenge.pk}/award", {"bid_ids": [b.pk for b in bids[:count]]}, format="json"
        )
        if ok:
            assert response.status_code == 200, response.json()
            assert Bid.objects.filter(status=BidStatus.ACTIVE).count() == count
            assert Bid.objects.filter(status=BidStatus.NOT_AWARDED).count() == 4 - count
        else:
            assert (response.status_code, response.json()["code"]) == (400, "award_count")
            assert Bid.objects.filter(status=BidStatus.SUBMITTED).count() == 4
            assert Challenge.objects.get(pk=challenge.pk).status == ChallengeStatus.OPEN

    def test_awarded_bids_must_be_submitted_bids_of_this_challenge(self, client_for):
        challenge = race_challenge(teams=2)
        first, withdrawn = bid_on(challenge), bid_on(challenge)
        bid_withdraw(actor=withdrawn.submitted_by, bid=withdrawn)
        elsewhere = bid_on(open_challenge())
        close_bidding(challenge)
        client = client_for(challenge.created_by)
        url = f"/api/v1/challenges/{challenge.pk}/award"
        for ids in ([first.pk, withdrawn.pk], [first.pk, elsewhere.pk], [first.pk, first.pk]):
            response = client.post(url, {"bid_ids": ids}, format="json")
            assert (response.status_code, response.json()["code"]) == (400, "award_bids_invalid")
        assert Challenge.objects.get(pk=challenge.pk).status == ChallengeStatus.OPEN

    def test_award_waits_for_the_deadline_and_is_for_evaluators(self, client_for):
        challenge = open_challenge()
        bid = bid_on(challenge)
        url = f"/api/v1/challenges/{challenge.pk}/award"
        response = client_for(challenge.created_by).post(url, {"bid_ids": [bid.pk]}, format="json")
        assert (response.status_code, response.json()["code"]) == (409, "bid_deadline_not_reached")
        close_bidding(challenge)
        response = client_for(bid.submitted_by).post(url, {"bid_ids": [bid.pk]}, format="json")
        assert response.status_code == 403
        assert Challenge.objects.get(pk=challenge.pk).status == ChallengeStatus.OPEN

    def test_a_draft_cannot_be_awarded_by_outsiders_who_cannot_see_it(self, client_for):
        challenge = draft_challenge()
        response = client_for(member_of(OrganizationFactory())).post(
            f"/api/v1/challenges/{challenge.pk}/award", {"bid_ids": [1]}, format="json"
        )
        assert response.status_code == 404


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_concurrent_awards_cannot_both_win():
    challenge = race_challenge(teams=2)
    bids = [bid_on(challenge) for _ in range(4)]
    close_bidding(challenge)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def award(ids: list[int]) -> None:
        try:
            barrier.wait(timeout=5)
            challenge_award(actor=challenge.created_by, challenge=challenge, bid_ids=ids)
            outcomes.append("won")
        except ApplicationError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=award, args=([bids[0].pk, bids[1].pk],)),
        threading.Thread(target=award, args=([bids[2].pk, bids[3].pk],)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert sorted(outcomes) == ["bad_transition", "won"]
    assert Bid.objects.filter(status=BidStatus.ACTIVE).count() == 2
    assert Bid.objects.filter(status=BidStatus.NOT_AWARDED).count() == 2
    assert ChallengeDecision.objects.filter(challenge=challenge, kind="award").count() == 1
