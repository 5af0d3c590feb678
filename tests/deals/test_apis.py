"""Deals over HTTP: creation, who sees what, ETag/If-Match, stage moves by role, participants, the log."""

from __future__ import annotations

import pytest

from apps.deals.models import Deal, DealActivity, DealParticipant, DealStage
from apps.notifications.models import Notification
from tests.brokers.factories import make_broker, make_introduction
from tests.deals.factories import DealWorld
from tests.factories import OrganizationFactory, member_of, operator_user
from tests.listings.factories import make_achievement, make_demand

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> DealWorld:
    return DealWorld()


def _etag(deal: Deal) -> str:
    deal.refresh_from_db()
    return f'"{deal.version}"'


# --- creation -----------------------------------------------------------------------------------
def test_broker_opens_a_deal_from_their_introduction(world, client_for):
    response = client_for(world.broker.user).post(
        "/api/v1/deals",
        {
            "title": "齿轮渗碳淬火变形控制技术",
            "buyer_id": world.buyer.pk,
            "seller_id": world.seller.pk,
            "introduction_id": world.introduction.pk,
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["stage"] == "lead"
    assert body["version"] == 1
    assert response["ETag"] == '"1"'
    assert response["Location"] == f"/api/v1/deals/{body['id']}"
    assert {(p["role"], p["broker_id"] or p["organization"]["id"]) for p in body["participants"]} == {
        ("buyer", world.buyer.pk),
        ("seller", world.seller.pk),
        ("broker", world.broker.pk),
    }
    assert body["allowed_stages"] == ["contacted", "negotiating", "lost", "cancelled"]
    deal = Deal.objects.get(pk=body["id"])
    assert deal.introduction_id == world.introduction.pk
    assert DealActivity.objects.filter(deal=deal, kind="system").count() == 1
    # The parties' members hear of it; the broker who opened it does not notify themselves.
    assert set(Notification.objects.filter(kind="deal.created").values_list("recipient_id", flat=True)) == {
        world.buyer_user.pk,
        world.seller_user.pk,
    }


def test_a_party_opens_a_deal_without_a_broker(world, client_for):
    response = client_for(world.buyer_user).post(
        "/api/v1/deals", {"title": "直接洽谈", "buyer_id": world.buyer.pk, "seller_id": world.seller.pk}
    )
    assert response.status_code == 201
    assert [p["role"] for p in response.json()["participants"]] == ["buyer", "seller"]


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"seller_id": "buyer"}, 400, "deal_same_parties"),
        ({"seller_id": 999_999}, 400, "deal_unknown_organization"),
        ({"title": ""}, 400, "validation_error"),
        ({"buyer_id": "x"}, 400, "validation_error"),
        ({"introduction_id": 999_999}, 400, "deal_unknown_introduction"),
        ({"introduction_id": "other"}, 400, "deal_introduction_mismatch"),
        ({"seller_id": "pending"}, 409, "deal_party_not_verified"),
        ({"demand_id": "foreign_demand"}, 400, "deal_listing_mismatch"),
        ({"achievement_id": "buyers_achievement"}, 400, "deal_listing_mismatch"),
        ({"demand_id": 999_999}, 400, "deal_unknown_listing"),
    ],
)
def test_bad_creation_input_is_refused_and_nothing_stored(world, client_for, change, status, code):
    other = OrganizationFactory()
    pending = OrganizationFactory(verification_status="pending")
    body = {
        "title": "齿轮",
        "buyer_id": world.buyer.pk,
        "seller_id": world.seller.pk,
        "introduction_id": world.introduction.pk,
    }
    for key, value in change.items():
        body[key] = {
            "buyer": world.buyer.pk,
            "pending": pending.pk,
            "other": make_introduction(world.broker, world.buyer, other).pk,
            "foreign_demand": make_demand(other).pk if value == "foreign_demand" else None,
            "buyers_achievement": make_achievement(world.buyer).pk if value == "buyers_achievement" else None,
        }.get(value, value)  # type: ignore[call-overload]
    response = client_for(world.broker.user).post("/api/v1/deals", body)
    assert response.status_code == status, response.json()
    assert response.json()["code"] == code
    assert not Deal.objects.exists()
    assert not DealParticipant.objects.exists()


def test_an_outsider_cannot_open_a_deal_between_others(world, client_for):
    response = client_for(world.outsider).post(
        "/api/v1/deals", {"title": "冒名", "buyer_id": world.buyer.pk, "seller_id": world.seller.pk}
    )
    assert response.status_code == 403
    assert response.json()["code"] == "deal_not_a_party"
    assert not Deal.objects.exists()


def test_another_broker_cannot_use_someone_elses_introduction(world, client_for):
    other_broker = make_broker()
    response = client_for(other_broker.user).post(
        "/api/v1/deals",
        {
            "title": "抢单",
            "buyer_id": world.buyer.pk,
            "seller_id": world.seller.pk,
            "introduction_id": world.introduction.pk,
        },
    )
    assert response.status_code == 400
    assert response.json()["code"] == "deal_unknown_introduction"
    assert not Deal.objects.exists()


# --- visibility -----------------------------------------------------------------------------------
def test_parties_their_brokers_and_the_operator_see_the_deal_nobody_else(world, client_for):
    deal = world.deal()
    for user in (world.buyer_user, world.seller_user, world.broker.user, operator_user()):
        response = client_for(user).get(f"/api/v1/deals/{deal.pk}")
        assert response.status_code == 200
        assert response["ETag"] == '"1"'
    # A colleague of the broker at the same agency, another broker, an outsider: 404.
    colleague = member_of(world.broker.organization)
    for user in (world.outsider, make_broker().user, colleague):
        assert client_for(user).get(f"/api/v1/deals/{deal.pk}").status_code == 404
        assert client_for(user).get("/api/v1/deals").json()["results"] == []


def test_outsiders_cannot_change_anything(world, client_for):
    deal = world.deal()
    client = client_for(world.outsider)
    assert client.patch(f"/api/v1/deals/{deal.pk}", {"title": "x"}, HTTP_IF_MATCH='"1"').status_code == 404
    assert client.post(f"/api/v1/deals/{deal.pk}/advance", {"to": "contacted"}, HTTP_IF_MATCH='"1"').status_code == 404
    assert client.post(f"/api/v1/deals/{deal.pk}/activities", {"kind": "note", "text": "x"}).status_code == 404
    assert client.get(f"/api/v1/deals/{deal.pk}/activities").status_code == 404
    assert client.get(f"/api/v1/deals/{deal.pk}/history").status_code == 404
    deal.refresh_from_db()
    assert (deal.version, deal.stage) == (1, "lead")


def test_list_filters(world, client_for):
    a = world.deal()
    b = world.deal()
    Deal.objects.filter(pk=b.pk).update(stage="negotiating")
    client = client_for(world.buyer_user)
    ids = [d["id"] for d in client.get("/api/v1/deals", {"stage": "negotiating"}).json()["results"]]
    assert ids == [b.pk]
    ids = [d["id"] for d in client.get("/api/v1/deals", {"broker": world.broker.pk}).json()["results"]]
    assert ids == [b.pk, a.pk]
    assert client.get("/api/v1/deals", {"stage": "nonsense"}).status_code == 400
    assert client.get("/api/v1/deals", {"buyer": "x"}).status_code == 400


def test_list_query_count_is_constant(world, client_for, django_assert_num_queries):
    for _ in range(3):
        world.deal()
    client = client_for(world.broker.user)
    # auth user, memberships, broker profile, deals page, participants prefetch
    with django_assert_num_queries(5):
        response = client.get("/api/v1/deals")
    assert len(response.json()["results"]) == 3
    for _ in range(5):
        world.deal()
    with django_assert_num_queries(5):
        response = client.get("/api/v1/deals")
    assert len(response.json()["results"]) == 8


# --- versioned writes ---------------------------------------------------------------------------
def test_patch_needs_if_match_and_refuses_a_stale_one(world, client_for):
    deal = world.deal()
    client = client_for(world.seller_user)
    missing = client.patch(f"/api/v1/deals/{deal.pk}", {"title": "新标题"})
    assert missing.status_code == 428
    assert missing.json()["code"] == "precondition_required"
    ok = client.patch(f"/api/v1/deals/{deal.pk}", {"title": "新标题"}, HTTP_IF_MATCH='"1"')
    assert ok.status_code == 200
    assert ok.json()["title"] == "新标题"
    assert ok["ETag"] == '"2"'
    stale = client.patch(f"/api/v1/deals/{deal.pk}", {"title": "再改"}, HTTP_IF_MATCH='"1"')
    assert stale.status_code == 412
    assert stale.json()["code"] == "stale_version"
    assert stale.json()["current_version"] == 2
    assert Deal.objects.get(pk=deal.pk).title == "新标题"
    weak = client.patch(f"/api/v1/deals/{deal.pk}", {"title": "弱标签"}, HTTP_IF_MATCH='W/"2"')
    assert weak.status_code == 200
    assert client.patch(f"/api/v1/deals/{deal.pk}", {"title": "x"}, HTTP_IF_MATCH="3").status_code == 400


def test_advance_needs_if_match(world, client_for):
    deal = world.deal()
    response = client_for(world.buyer_user).post(f"/api/v1/deals/{deal.pk}/advance", {"to": "contacted"})
    assert response.status_code == 428
    assert Deal.objects.get(pk=deal.pk).stage == "lead"


# --- stage moves by role --------------------------------------------------------------------------
@pytest.mark.parametrize("who", ["buyer_user", "seller_user", "broker"])
def test_parties_and_brokers_run_the_early_pipeline(world, client_for, who):
    user = world.broker.user if who == "broker" else getattr(world, who)
    deal = world.deal()
    client = client_for(user)
    for stage in ("contacted", "negotiating", "contract_drafted", "negotiating", "contract_drafted"):
        response = client.post(f"/api/v1/deals/{deal.pk}/advance", {"to": stage}, HTTP_IF_MATCH=_etag(deal))
        assert response.status_code == 200, response.json()
        assert response.json()["stage"] == stage
    refused = client.post(f"/api/v1/deals/{deal.pk}/advance", {"to": "signed"}, HTTP_IF_MATCH=_etag(deal))
    assert refused.status_code == 403
    assert refused.json()["code"] == "deal_transition_not_allowed"
    assert Deal.objects.get(pk=deal.pk).stage == "contract_drafted"


def test_the_operator_drives_the_contract_stages(world, client_for):
    deal = world.deal(stage=DealStage.CONTRACT_DRAFTED)
    client = client_for(operator_user())
    for stage in ("signed", "registered", "in_performance", "completed"):
        response = client.post(f"/api/v1/deals/{deal.pk}/advance", {"to": stage}, HTTP_IF_MATCH=_etag(deal))
        assert response.status_code == 200, response.json()
    deal.refresh_from_db()
    assert deal.stage == "completed"
    assert deal.signed_at is not None and deal.closed_at is not None
    assert response.json()["allowed_stages"] == []


def test_a_move_the_pipeline_lacks_is_a_409_with_the_allowed_moves(world, client_for):
    deal = world.deal()
    response = client_for(world.buyer_user).post(
        f"/api/v1/deals/{deal.pk}/advance", {"to": "completed"}, HTTP_IF_MATCH='"1"'
    )
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "deal_bad_transition"
    assert body["allowed"] == ["contacted", "negotiating", "lost", "cancelled"]
    assert Deal.objects.get(pk=deal.pk).version == 1


def test_lost_needs_a_reason_and_a_note(world, client_for):
    deal = world.deal()
    client = client_for(world.seller_user)
    url = f"/api/v1/deals/{deal.pk}/advance"
    no_reason = client.post(url, {"to": "lost"}, HTTP_IF_MATCH='"1"')
    assert no_reason.status_code == 400
    assert no_reason.json()["code"] == "deal_reason_required"
    assert {e["field"] for e in no_reason.json()["errors"]} == {"reason", "note"}
    bad_reason = client.post(url, {"to": "lost", "reason": "whim", "note": "x"}, HTTP_IF_MATCH='"1"')
    assert bad_reason.status_code == 400
    assert Deal.objects.get(pk=deal.pk).stage == "lead"
    ok = client.post(
        url, {"to": "lost", "reason": "price", "note": "报价差距过大，买方预算不足。"}, HTTP_IF_MATCH='"1"'
    )
    assert ok.status_code == 200
    deal.refresh_from_db()
    assert (deal.stage, deal.close_reason) == ("lost", "price")
    assert deal.closed_at is not None
    # A closed deal cannot move or be edited.
    assert client.post(url, {"to": "contacted"}, HTTP_IF_MATCH=_etag(deal)).status_code == 409
    edit = client.patch(f"/api/v1/deals/{deal.pk}", {"title": "x"}, HTTP_IF_MATCH=_etag(deal))
    assert edit.status_code == 409


# --- participants ---------------------------------------------------------------------------------
def test_a_party_adds_and_removes_a_broker(world, client_for):
    deal = world.deal(by=world.buyer_user, introduction_id=None)
    second = make_broker()
    client = client_for(world.buyer_user)
    added = client.post(f"/api/v1/deals/{deal.pk}/brokers", {"broker_id": second.pk}, HTTP_IF_MATCH=_etag(deal))
    assert added.status_code == 200, added.json()
    assert second.pk in [p["broker_id"] for p in added.json()["participants"]]
    # The new broker now sees the deal.
    assert client_for(second.user).get(f"/api/v1/deals/{deal.pk}").status_code == 200
    again = client.post(f"/api/v1/deals/{deal.pk}/brokers", {"broker_id": second.pk}, HTTP_IF_MATCH=_etag(deal))
    assert again.status_code == 409
    removed = client.delete(f"/api/v1/deals/{deal.pk}/brokers/{second.pk}", HTTP_IF_MATCH=_etag(deal))
    assert removed.status_code == 200
    assert client_for(second.user).get(f"/api/v1/deals/{deal.pk}").status_code == 404


def test_a_broker_cannot_add_brokers_and_unverified_brokers_cannot_join(world, client_for):
    deal = world.deal()
    pending = make_broker(status="pending")
    as_broker = client_for(world.broker.user).post(
        f"/api/v1/deals/{deal.pk}/brokers", {"broker_id": make_broker().pk}, HTTP_IF_MATCH='"1"'
    )
    assert as_broker.status_code == 403
    unverified = client_for(world.buyer_user).post(
        f"/api/v1/deals/{deal.pk}/brokers", {"broker_id": pending.pk}, HTTP_IF_MATCH='"1"'
    )
    assert unverified.status_code == 400
    assert unverified.json()["code"] == "deal_unknown_broker"
    assert DealParticipant.objects.filter(deal=deal, role="broker").count() == 1


# --- activity log ---------------------------------------------------------------------------------
def test_activity_log(world, client_for, django_assert_num_queries):
    deal = world.deal()
    client = client_for(world.broker.user)
    created = client.post(
        f"/api/v1/deals/{deal.pk}/activities",
        {
            "kind": "meeting",
            "text": "在柳州高新区与双方技术负责人会面，确认试验方案。",
            "occurred_at": "2026-11-20T10:00:00+08:00",
        },
    )
    assert created.status_code == 201, created.json()
    assert created.json()["actor_name"] == world.broker.user.name
    client.post(f"/api/v1/deals/{deal.pk}/activities", {"kind": "call", "text": "电话沟通报价"})
    assert client.post(f"/api/v1/deals/{deal.pk}/activities", {"kind": "system", "text": "x"}).status_code == 400
    assert client.post(f"/api/v1/deals/{deal.pk}/activities", {"kind": "note", "text": ""}).status_code == 400
    # auth user, memberships, the deal, its participants, the page of activities
    with django_assert_num_queries(5):
        listed = client.get(f"/api/v1/deals/{deal.pk}/activities")
    kinds = [a["kind"] for a in listed.json()["results"]]
    assert sorted(kinds) == ["call", "meeting", "system"]
    assert kinds[-1] == "meeting"  # the oldest occurrence comes last
    # Appending to the log does not bump the deal's version (it contends with nobody).
    assert Deal.objects.get(pk=deal.pk).version == 1


def test_the_introductions_demand_carries_over_to_the_deal(world, client_for):
    demand = make_demand(world.buyer)
    introduction = make_introduction(world.broker, world.seller, world.buyer, demand=demand)
    response = client_for(world.broker.user).post(
        "/api/v1/deals",
        {
            "title": "热处理需求对接",
            "buyer_id": world.buyer.pk,
            "seller_id": world.seller.pk,
            "introduction_id": introduction.pk,
        },
    )
    assert response.status_code == 201, response.json()
    assert response.json()["demand_id"] == demand.pk
    assert response.json()["introduction_id"] == introduction.pk


def test_if_none_match_answers_304_while_the_version_is_current(world, client_for):
    deal = world.deal()
    client = client_for(world.buyer_user)
    same = client.get(f"/api/v1/deals/{deal.pk}", HTTP_IF_NONE_MATCH='"1"')
    assert same.status_code == 304
    assert same.content == b""
    assert same["ETag"] == '"1"'
    client.patch(f"/api/v1/deals/{deal.pk}", {"title": "改名"}, HTTP_IF_MATCH='"1"')
    changed = client.get(f"/api/v1/deals/{deal.pk}", HTTP_IF_NONE_MATCH='"1"')
    assert changed.status_code == 200
    assert changed["ETag"] == '"2"'
    # Someone who may not see the deal learns nothing from a conditional read either.
    assert client_for(world.outsider).get(f"/api/v1/deals/{deal.pk}", HTTP_IF_NONE_MATCH='"2"').status_code == 404
