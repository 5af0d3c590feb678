"""The matching API: who sees which matches, the explanation in both languages, feedback rules, the report."""

from __future__ import annotations

import pytest

from apps.matching.models import BrokerMatchDismissal, BrokerMatchMark, Match, MatchState
from tests.brokers.factories import make_broker
from tests.factories import MembershipFactory, OrganizationFactory, member_of
from tests.matching.factories import GEAR_ACHIEVEMENT, GEAR_DEMAND, draft_achievement, draft_demand, publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def gear_match(market):
    return Match.objects.get(demand=market["demand"], achievement=market["gear"])


@pytest.fixture
def stranger():
    return member_of(OrganizationFactory(name="南宁无关科技有限公司"))


def _problem(response, status, code=None):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    if code:
        assert response.json()["code"] == code, response.json()
    return response.json()


# --- lists -------------------------------------------------------------------------------------


def test_the_demand_owner_lists_its_matches_best_first(client_for, market, ent_user):
    response = client_for(ent_user).get(f"/api/v1/demands/{market['demand'].pk}/matches")
    assert response.status_code == 200, response.content
    rows = response.json()["results"]
    assert rows[0]["achievement"]["id"] == market["gear"].pk
    assert rows[0]["achievement"]["owner_name"] == "广西科技大学"
    assert [r["score"] for r in rows] == sorted((r["score"] for r in rows), reverse=True)
    assert {r["state"] for r in rows} == {"suggested"}
    assert rows[0]["engine_version"]


def test_the_achievement_owner_lists_the_achievements_matches(client_for, market, uni_user):
    response = client_for(uni_user).get(f"/api/v1/achievements/{market['gear'].pk}/matches")
    assert response.status_code == 200
    assert [r["demand"]["id"] for r in response.json()["results"]] == [market["demand"].pk]


def test_dismissed_matches_are_listed_only_when_asked_for(client_for, market, ent_user, gear_match):
    client = client_for(ent_user)
    client.post(f"/api/v1/matches/{gear_match.pk}/feedback", {"state": "dismissed", "reason": "too_early"})
    url = f"/api/v1/demands/{market['demand'].pk}/matches"
    assert gear_match.pk not in [r["id"] for r in client.get(url).json()["results"]]
    dismissed = client.get(url, {"state": "dismissed"}).json()["results"]
    assert [(r["id"], r["dismissal_reason"]) for r in dismissed] == [(gear_match.pk, "too_early")]
    _problem(client.get(url, {"state": "forgotten"}), 400, "validation_error")


def test_other_organisations_get_404_everywhere_and_change_nothing(client_for, market, stranger, gear_match):
    client = client_for(stranger)
    _problem(client.get(f"/api/v1/demands/{market['demand'].pk}/matches"), 404, "not_found")
    _problem(client.get(f"/api/v1/achievements/{market['gear'].pk}/matches"), 404, "not_found")
    _problem(client.get(f"/api/v1/matches/{gear_match.pk}"), 404, "not_found")
    _problem(client.post(f"/api/v1/matches/{gear_match.pk}/feedback", {"state": "viewed"}), 404, "not_found")
    _problem(client.get("/api/v1/demands/999999/matches"), 404, "not_found")
    gear_match.refresh_from_db()
    assert gear_match.state == MatchState.SUGGESTED and gear_match.feedback_by is None


def test_the_counterpart_owner_sees_the_match_but_not_the_other_listings_list(client_for, market, uni_user, gear_match):
    client = client_for(uni_user)
    assert client.get(f"/api/v1/matches/{gear_match.pk}").status_code == 200
    _problem(client.get(f"/api/v1/demands/{market['demand'].pk}/matches"), 404)


def test_brokers_following_the_field_see_matches_others_do_not(client_for, market, gear_match):
    follower = make_broker(fields=["03"]).user
    elsewhere = make_broker(fields=["09"]).user
    pending = make_broker(fields=["03"], status="pending").user
    demand_url = f"/api/v1/demands/{market['demand'].pk}/matches"
    assert client_for(follower).get(demand_url).status_code == 200
    assert client_for(follower).get(f"/api/v1/matches/{gear_match.pk}").status_code == 200
    for user in (elsewhere, pending):
        _problem(client_for(user).get(demand_url), 404)
        _problem(client_for(user).get(f"/api/v1/matches/{gear_match.pk}"), 404)
    # A following broker's feedback is that broker's own progress; the parties' state is theirs.
    response = client_for(follower).post(f"/api/v1/matches/{gear_match.pk}/feedback", {"state": "contacted"})
    assert response.status_code == 200
    assert (response.json()["state"], response.json()["my_progress"]) == ("suggested", "contacted")
    gear_match.refresh_from_db()
    assert (gear_match.state, gear_match.feedback_by_id) == (MatchState.SUGGESTED, None)


def test_the_operator_reads_everything_but_gives_no_feedback(client_for, market, operator, gear_match):
    client = client_for(operator)
    assert client.get(f"/api/v1/demands/{market['demand'].pk}/matches").status_code == 200
    assert client.get(f"/api/v1/achievements/{market['gear'].pk}/matches").status_code == 200
    assert client.get(f"/api/v1/matches/{gear_match.pk}").status_code == 200
    _problem(
        client.post(f"/api/v1/matches/{gear_match.pk}/feedback", {"state": "viewed"}),
        403,
        "match_feedback_not_allowed",
    )
    gear_match.refresh_from_db()
    assert gear_match.state == MatchState.SUGGESTED


def test_anonymous_callers_are_refused(api_client, gear_match):
    _problem(api_client.get(f"/api/v1/matches/{gear_match.pk}"), 401)


# --- one match and its explanation ---------------------------------------------------------------


def test_the_explanation_is_labelled_in_the_request_language(client_for, ent_user, gear_match):
    client = client_for(ent_user)
    zh = client.get(f"/api/v1/matches/{gear_match.pk}").json()
    en = client.get(f"/api/v1/matches/{gear_match.pk}", HTTP_ACCEPT_LANGUAGE="en").json()
    by_code_zh = {c["criterion"]: c for c in zh["explanation"]["criteria"]}
    by_code_en = {c["criterion"]: c for c in en["explanation"]["criteria"]}
    assert by_code_en["field"]["label"] == "technology field"
    assert by_code_zh["field"]["label"] == "技术领域"
    assert by_code_en["trl"]["label"] == "technology readiness"
    assert by_code_zh["field"]["passed"] is True
    assert zh["explanation"]["score"] == pytest.approx(gear_match.score)
    assert any("齿轮" in t["term"] for t in zh["explanation"]["terms"])
    assert zh["explanation"]["filters"][0]["criterion"] == "published"
    assert en["explanation"]["filters"][0]["label"] == "published"


# --- feedback ------------------------------------------------------------------------------------


def test_feedback_moves_forward_and_a_dismissal_is_final(client_for, ent_user, gear_match):
    client = client_for(ent_user)
    url = f"/api/v1/matches/{gear_match.pk}/feedback"
    viewed = client.post(url, {"state": "viewed"})
    assert viewed.status_code == 200 and viewed.json()["state"] == "viewed"
    assert client.post(url, {"state": "viewed"}).status_code == 200  # repeating is harmless
    assert client.post(url, {"state": "contacted"}).json()["state"] == "contacted"
    _problem(client.post(url, {"state": "viewed"}), 409, "match_bad_transition")
    dismissed = client.post(url, {"state": "dismissed", "reason": "benefit_unclear", "note": "效益测算不清楚"})
    assert dismissed.status_code == 200
    body = dismissed.json()
    assert (body["state"], body["dismissal_reason"], body["dismissal_note"]) == (
        "dismissed",
        "benefit_unclear",
        "效益测算不清楚",
    )
    _problem(client.post(url, {"state": "contacted"}), 409, "match_bad_transition")
    _problem(client.post(url, {"state": "dismissed", "reason": "price"}), 409, "match_bad_transition")
    gear_match.refresh_from_db()
    assert (gear_match.state, gear_match.dismissal_reason, gear_match.feedback_by_id) == (
        MatchState.DISMISSED,
        "benefit_unclear",
        ent_user.pk,
    )


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ({"state": "dismissed"}, 400, "dismissal_reason_required"),
        ({"state": "dismissed", "reason": ""}, 400, "dismissal_reason_required"),
        ({"state": "dismissed", "reason": "too_expensive"}, 400, "validation_error"),
        ({"state": "viewed", "reason": "price"}, 400, "dismissal_reason_not_allowed"),
        ({"state": "suggested"}, 400, "validation_error"),
        ({"state": "liked"}, 400, "validation_error"),
        ({}, 400, "validation_error"),
        ({"state": "dismissed", "reason": "other", "note": "长" * 1001}, 400, "validation_error"),
    ],
)
def test_bad_feedback_is_refused_and_nothing_changes(client_for, ent_user, gear_match, payload, status, code):
    _problem(client_for(ent_user).post(f"/api/v1/matches/{gear_match.pk}/feedback", payload), status, code)
    gear_match.refresh_from_db()
    assert (gear_match.state, gear_match.dismissal_reason, gear_match.feedback_at) == ("suggested", "", None)


# --- quality report ------------------------------------------------------------------------------


def test_the_quality_report_counts_states_reasons_versions_and_fields(
    client_for, market, ent_user, operator, gear_match, university, uni_user, on_commit
):
    others = list(Match.objects.filter(demand=market["demand"]).exclude(pk=gear_match.pk))
    client = client_for(ent_user)
    client.post(f"/api/v1/matches/{gear_match.pk}/feedback", {"state": "contacted"})
    for match in others:
        client.post(f"/api/v1/matches/{match.pk}/feedback", {"state": "dismissed", "reason": "not_relevant"})
    report = client_for(operator).get("/api/v1/matching/quality-report")
    assert report.status_code == 200, report.content
    body = report.json()
    total = 1 + len(others)
    assert body["total"] == total
    assert body["by_state"] == {"suggested": 0, "viewed": 0, "contacted": 1, "dismissed": len(others)}
    assert body["by_dismissal_reason"] == ({"not_relevant": len(others)} if others else {})
    assert body["contact_rate"] == pytest.approx(round(1 / total, 4))
    (engine_row,) = body["by_engine_version"]
    assert engine_row["engine_version"] == gear_match.engine_version and engine_row["total"] == total
    (field_row,) = body["by_field"]
    assert field_row["technology_field"] == "03" and field_row["contacted"] == 1
    empty = client_for(operator).get("/api/v1/matching/quality-report", {"since": "2099-01-01"}).json()
    assert empty["total"] == 0 and empty["contact_rate"] is None


def test_only_the_operator_reads_the_quality_report(client_for, ent_user, operator):
    _problem(client_for(ent_user).get("/api/v1/matching/quality-report"), 403, "operator_only")
    _problem(
        client_for(operator).get("/api/v1/matching/quality-report", {"since": "2026-02-01", "until": "2026-01-01"}),
        400,
        "validation_error",
    )


# --- query counts --------------------------------------------------------------------------------


@pytest.mark.parametrize("extra", [0, 4])
def test_list_query_counts_do_not_grow_with_rows(
    client_for, django_assert_num_queries, market, ent_user, operator, on_commit, extra
):
    for i in range(extra):
        owner = OrganizationFactory(name=f"柳州职业技术学院{i}", type="university", entity_type_id="022")
        user = member_of(owner)
        on_commit(
            publish,
            draft_achievement(owner, **{**GEAR_ACHIEVEMENT, "title": f"齿轮热处理变形控制工艺{i}"}),
            owner_user=user,
            operator=operator,
        )
    demand = market["demand"]
    assert Match.objects.filter(demand=demand).count() >= 1 + extra
    client = client_for(ent_user)
    # user, the demand, memberships (with the operator flag), a page of matches with both listings
    with django_assert_num_queries(4):
        response = client.get(f"/api/v1/demands/{demand.pk}/matches")
    assert len(response.json()["results"]) >= 1 + extra
    operator_client = client_for(operator)
    with django_assert_num_queries(4):
        operator_client.get(f"/api/v1/achievements/{market['gear'].pk}/matches")
    # a following broker: user, memberships, broker specialties, the demand, a page of matches
    broker_client = client_for(make_broker(fields=["03"]).user)
    with django_assert_num_queries(5):
        response = broker_client.get(f"/api/v1/demands/{demand.pk}/matches")
    assert len(response.json()["results"]) >= 1 + extra
    # one match: user, memberships, broker specialties, the match with both listings (their regions,
    # the demand's industry), the achievement's industries (its explanation names them)
    match_pk = Match.objects.filter(demand=demand).first().pk
    with django_assert_num_queries(5):
        assert client.get(f"/api/v1/matches/{match_pk}").status_code == 200


def test_pages_follow_the_score_order_without_gaps_or_repeats(client_for, market, ent_user, operator, on_commit):
    for i in range(3):
        owner = OrganizationFactory(name=f"桂林电子科技大学{i}", type="university", entity_type_id="022")
        on_commit(
            publish,
            draft_achievement(owner, **{**GEAR_ACHIEVEMENT, "title": f"齿轮热处理变形控制方法{i}"}),
            owner_user=member_of(owner),
            operator=operator,
        )
    demand = market["demand"]
    expected = list(Match.objects.filter(demand=demand).order_by("-score", "-id").values_list("pk", flat=True))
    assert len(expected) >= 4
    client, seen = client_for(ent_user), []
    url = f"/api/v1/demands/{demand.pk}/matches?page_size=1"
    while url:
        page = client.get(url).json()
        seen += [row["id"] for row in page["results"]]
        url = page["next"]
    assert seen == expected


# --- an outsider broker's dismissal is personal; a listing's match list follows its visibility -----


def test_an_outsider_brokers_dismissal_hides_the_match_from_that_broker_only(
    client_for, market, ent_user, uni_user, gear_match
):
    broker = make_broker(fields=["03"]).user
    colleague = make_broker(fields=["03"]).user
    demand_url = f"/api/v1/demands/{market['demand'].pk}/matches"
    achievement_url = f"/api/v1/achievements/{market['gear'].pk}/matches"
    client = client_for(broker)
    response = client.post(
        f"/api/v1/matches/{gear_match.pk}/feedback", {"state": "dismissed", "reason": "not_relevant", "note": "不跟进"}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["state"], body["dismissal_reason"], body["dismissed_by_me"]) == ("suggested", "", True)
    # Gone from the broker's lists, listed only when the broker asks for dismissed ones.
    assert gear_match.pk not in [r["id"] for r in client.get(demand_url).json()["results"]]
    assert gear_match.pk not in [r["id"] for r in client.get(demand_url, {"state": "suggested"}).json()["results"]]
    assert [r["id"] for r in client.get(demand_url, {"state": "dismissed"}).json()["results"]] == [gear_match.pk]
    # Repeating it changes nothing.
    again = client.post(f"/api/v1/matches/{gear_match.pk}/feedback", {"state": "dismissed", "reason": "price"})
    assert again.status_code == 200 and again.json()["dismissed_by_me"] is True
    assert BrokerMatchDismissal.objects.get(match=gear_match, user=broker).reason == "not_relevant"
    # The parties and other brokers still see it as it was, and the match's own state is unchanged.
    gear_match.refresh_from_db()
    assert (gear_match.state, gear_match.dismissal_reason, gear_match.feedback_by) == (MatchState.SUGGESTED, "", None)
    for user, url in ((ent_user, demand_url), (uni_user, achievement_url), (colleague, demand_url)):
        rows = client_for(user).get(url).json()["results"]
        row = next(r for r in rows if r["id"] == gear_match.pk)
        assert (row["state"], row["dismissed_by_me"]) == ("suggested", False)
    # The rightful parties still move it as before.
    viewed = client_for(ent_user).post(f"/api/v1/matches/{gear_match.pk}/feedback", {"state": "viewed"})
    assert viewed.status_code == 200 and viewed.json()["state"] == "viewed"
    assert client.get(f"/api/v1/matches/{gear_match.pk}").json()["dismissed_by_me"] is True


def test_an_outsider_brokers_viewed_and_contacted_are_its_own_progress(
    client_for, market, ent_user, uni_user, gear_match
):
    broker, colleague = make_broker(fields=["03"]).user, make_broker(fields=["03"]).user
    url = f"/api/v1/matches/{gear_match.pk}/feedback"
    demand_url = f"/api/v1/demands/{market['demand'].pk}/matches"
    client = client_for(broker)
    viewed = client.post(url, {"state": "viewed"})
    assert viewed.status_code == 200, viewed.content
    assert (viewed.json()["state"], viewed.json()["my_progress"]) == ("suggested", "viewed")
    contacted = client.post(url, {"state": "contacted"})
    assert contacted.json()["my_progress"] == "contacted"
    assert client.post(url, {"state": "contacted"}).json()["my_progress"] == "contacted"  # repeating changes nothing
    # Forward only, as the parties' states.
    _problem(client.post(url, {"state": "viewed"}), 409, "match_bad_transition")
    assert BrokerMatchMark.objects.get(match=gear_match, user=broker).state == "contacted"
    # In the broker's list the mark shows; the parties and another broker see the match as it was.
    row = next(r for r in client.get(demand_url).json()["results"] if r["id"] == gear_match.pk)
    assert (row["state"], row["my_progress"]) == ("suggested", "contacted")
    for user in (ent_user, uni_user, colleague):
        body = client_for(user).get(f"/api/v1/matches/{gear_match.pk}").json()
        assert (body["state"], body["my_progress"]) == ("suggested", None)
    gear_match.refresh_from_db()
    assert (gear_match.state, gear_match.feedback_by, gear_match.feedback_at) == (MatchState.SUGGESTED, None, None)
    # The parties still move their own state, from where they are.
    assert client_for(ent_user).post(url, {"state": "viewed"}).json()["state"] == "viewed"


def test_a_brokers_dismissal_as_a_party_is_the_parties_dismissal(client_for, market, enterprise, gear_match):
    # A broker who is also a member of the demand's organisation speaks for it, as before.
    broker = make_broker(fields=["03"])
    MembershipFactory(user=broker.user, organization=enterprise)
    response = client_for(broker.user).post(
        f"/api/v1/matches/{gear_match.pk}/feedback", {"state": "dismissed", "reason": "price"}
    )
    assert response.status_code == 200, response.content
    gear_match.refresh_from_db()
    assert (gear_match.state, gear_match.dismissal_reason) == (MatchState.DISMISSED, "price")
    assert not BrokerMatchDismissal.objects.exists()


def test_an_outsider_brokers_dismissal_is_refused_without_a_reason_and_stores_nothing(client_for, gear_match):
    client = client_for(make_broker(fields=["03"]).user)
    _problem(
        client.post(f"/api/v1/matches/{gear_match.pk}/feedback", {"state": "dismissed"}),
        400,
        "dismissal_reason_required",
    )
    assert not BrokerMatchDismissal.objects.exists()


@pytest.mark.parametrize("kind", ["demand", "achievement"])
def test_a_withdrawn_or_draft_listings_matches_are_404_to_brokers_as_its_detail_is(
    client_for, market, ent_user, uni_user, operator, on_commit, kind
):
    broker = make_broker(fields=["03"]).user
    listing, owner = (market["demand"], ent_user) if kind == "demand" else (market["gear"], uni_user)
    base = f"/api/v1/{kind}s/{listing.pk}"
    assert client_for(broker).get(f"{base}/matches").status_code == 200
    withdrawn = on_commit(client_for(owner).post, f"{base}/withdraw", {"note": "暂停"}, format="json")
    assert withdrawn.status_code == 200, withdrawn.content
    _problem(client_for(broker).get(base), 404, "not_found")
    _problem(client_for(broker).get(f"{base}/matches"), 404, "not_found")
    # The owner and the operator still read the list.
    assert client_for(owner).get(f"{base}/matches").status_code == 200
    assert client_for(operator).get(f"{base}/matches").status_code == 200
    # A draft the broker's field covers is no more visible than a withdrawn one.
    draft = draft_demand(market["demand"].owner, **GEAR_DEMAND) if kind == "demand" else None
    if draft is not None:
        _problem(client_for(broker).get(f"/api/v1/demands/{draft.pk}"), 404)
        _problem(client_for(broker).get(f"/api/v1/demands/{draft.pk}/matches"), 404, "not_found")
        assert client_for(owner).get(f"/api/v1/demands/{draft.pk}/matches").status_code == 200


def test_a_match_with_a_withdrawn_counterpart_is_hidden_from_brokers_not_from_the_parties(
    client_for, market, ent_user, uni_user, on_commit, gear_match
):
    broker = make_broker(fields=["03"]).user
    client_for(ent_user).post(f"/api/v1/matches/{gear_match.pk}/feedback", {"state": "contacted"})
    gear_url = f"/api/v1/achievements/{market['gear'].pk}/matches"
    assert gear_match.pk in [r["id"] for r in client_for(broker).get(gear_url).json()["results"]]
    withdrawn = on_commit(
        client_for(ent_user).post, f"/api/v1/demands/{market['demand'].pk}/withdraw", {"note": "暂停"}, format="json"
    )
    assert withdrawn.status_code == 200, withdrawn.content
    _problem(client_for(broker).get(f"/api/v1/matches/{gear_match.pk}"), 404, "not_found")
    assert gear_match.pk not in [r["id"] for r in client_for(broker).get(gear_url).json()["results"]]
    _problem(
        client_for(broker).post(f"/api/v1/matches/{gear_match.pk}/feedback", {"state": "viewed"}), 404, "not_found"
    )
    for party in (ent_user, uni_user):
        assert client_for(party).get(f"/api/v1/matches/{gear_match.pk}").json()["state"] == "contacted"
