"""Listed sales (挂牌) over HTTP: a university lists its patent with a public notice (公示), objections
during the notice, the operator's decision, the first buyer's acceptance, withdrawal and the public boards."""

from __future__ import annotations

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from apps.deals.models import Deal, DealStage
from apps.notifications.models import Notification
from apps.trading.models import Objection, Sale, SaleStatus
from tests.trading.factories import TradingWorld, end_notice

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> TradingWorld:
    return TradingWorld()


def test_a_universitys_patent_is_listed_with_notice_objected_to_and_sold_to_the_first_buyer(world, client_for):
    seller = client_for(world.seller_user)
    achievement = world.achievement()

    # A public university cannot shorten the notice below TRADING_NOTICE_DAYS (15).
    short = seller.post(
        "/api/v1/trading/sales",
        {"achievement_id": achievement.pk, "mode": "fixed_price", "price": "800000.00", "notice_days": 3},
        format="json",
    )
    assert short.status_code == 400, short.json()
    assert short.json()["code"] == "trading_notice_required"
    assert [e["field"] for e in short.json()["errors"]] == ["notice_days"]
    assert not Sale.objects.exists()

    created = seller.post(
        "/api/v1/trading/sales",
        {"achievement_id": achievement.pk, "mode": "fixed_price", "price": "800000.00"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    sale = created.json()
    assert sale["notice_days"] == 15
    assert sale["phase"] == "notice"
    assert sale["price"] == "800000.00"
    assert sale["seller_type"] == "university"

    # The notice board is public: an anonymous visitor sees it with its end date.
    board = APIClient().get("/api/v1/trading/notices")
    assert board.status_code == 200
    assert [(s["id"], s["notice_ends_at"]) for s in board.json()["results"]] == [(sale["id"], sale["notice_ends_at"])]

    # Listed twice: refused.
    again = seller.post(
        "/api/v1/trading/sales",
        {"achievement_id": achievement.pk, "mode": "fixed_price", "price": "900000.00"},
        format="json",
    )
    assert again.status_code == 409 and again.json()["code"] == "trading_already_listed"

    # During the notice nobody can buy.
    buyer = client_for(world.buyer_users[0])
    early = buyer.post(f"/api/v1/trading/sales/{sale['id']}/accept", {}, format="json")
    assert early.status_code == 409 and early.json()["code"] == "trading_notice_running"

    # An outsider objects; the seller and the operator hear of it and see it; another company does not.
    objector = client_for(world.outsider)
    filed = objector.post(
        f"/api/v1/trading/sales/{sale['id']}/objections",
        {
            "reason": "该专利与我公司在先技术相同。",
            "evidence": "2019年工艺记录",
            "organization_id": world.outsider_org.pk,
        },
        format="json",
    )
    assert filed.status_code == 201, filed.json()
    objection = filed.json()
    assert objection["status"] == "pending"
    assert Notification.objects.filter(recipient=world.seller_user, kind="trading.objection").exists()
    assert Notification.objects.filter(recipient=world.operator, kind="trading.objection").exists()
    assert [o["id"] for o in seller.get(f"/api/v1/trading/sales/{sale['id']}/objections").json()["results"]] == [
        objection["id"]
    ]
    assert buyer.get(f"/api/v1/trading/sales/{sale['id']}/objections").json()["results"] == []

    # Only the operator resolves: the seller sees it but gets 403, another company 404; nothing changes.
    body = {"decision": "uphold", "resolution": "成立"}
    denied = seller.post(f"/api/v1/trading/objections/{objection['id']}/resolve", body, format="json")
    assert denied.status_code == 403
    hidden = buyer.post(f"/api/v1/trading/objections/{objection['id']}/resolve", body, format="json")
    assert hidden.status_code == 404
    assert Objection.objects.get(pk=objection["id"]).status == "pending"

    # The notice ends with the objection still pending: no sale yet.
    end_notice(Sale.objects.get(pk=sale["id"]))
    pending = buyer.post(f"/api/v1/trading/sales/{sale['id']}/accept", {}, format="json")
    assert pending.status_code == 409 and pending.json()["code"] == "trading_objection_pending"
    late_objection = objector.post(
        f"/api/v1/trading/sales/{sale['id']}/objections", {"reason": "补充异议"}, format="json"
    )
    assert late_objection.status_code == 409 and late_objection.json()["code"] == "trading_not_in_notice"

    operator = client_for(world.operator)
    dismissed = operator.post(
        f"/api/v1/trading/objections/{objection['id']}/resolve",
        {"decision": "dismiss", "resolution": "经核查异议不成立。"},
        format="json",
    )
    assert dismissed.status_code == 200 and dismissed.json()["status"] == "dismissed"

    # The seller cannot buy its own; the first buyer wins; the second finds it sold.
    own = seller.post(f"/api/v1/trading/sales/{sale['id']}/accept", {}, format="json")
    assert own.status_code == 403 and own.json()["code"] == "trading_own_sale"
    accepted = buyer.post(f"/api/v1/trading/sales/{sale['id']}/accept", {}, format="json")
    assert accepted.status_code == 200, accepted.json()
    sold = accepted.json()
    assert (sold["status"], sold["buyer_id"], sold["final_price"]) == ("sold", world.buyers[0].pk, "800000.00")
    second = client_for(world.buyer_users[1]).post(f"/api/v1/trading/sales/{sale['id']}/accept", {}, format="json")
    assert second.status_code == 409
    assert second.json()["code"] == "trading_bad_transition" and second.json()["current_status"] == "sold"

    # A deal between the parties opened at negotiating, on the achievement.
    deal = Deal.objects.get(pk=sold["deal_id"])
    assert (deal.buyer_id, deal.seller_id, deal.achievement_id) == (world.buyers[0].pk, world.seller.pk, achievement.pk)
    assert deal.stage == DealStage.NEGOTIATING
    assert Notification.objects.filter(recipient=world.seller_user, kind="trading.sold").exists()

    # The results notice is public and names the buyer and the price; the notice board is empty.
    results = APIClient().get("/api/v1/trading/results").json()["results"]
    assert [(r["id"], r["buyer_name"], r["final_price"]) for r in results] == [
        (sale["id"], world.buyers[0].name, "800000.00")
    ]
    assert APIClient().get("/api/v1/trading/notices").json()["results"] == []


def test_an_upheld_objection_suspends_the_sale(world, client_for):
    sale = world.fixed_sale()
    objection = (
        client_for(world.outsider)
        .post(f"/api/v1/trading/sales/{sale.pk}/objections", {"reason": "权属争议"}, format="json")
        .json()
    )
    upheld = client_for(world.operator).post(
        f"/api/v1/trading/objections/{objection['id']}/resolve",
        {"decision": "uphold", "resolution": "权属争议属实，中止挂牌。"},
        format="json",
    )
    assert upheld.status_code == 200 and upheld.json()["status"] == "upheld"
    sale.refresh_from_db()
    assert sale.status == SaleStatus.SUSPENDED
    assert Notification.objects.filter(recipient=world.outsider, kind="trading.objection_resolved").exists()
    again = client_for(world.operator).post(
        f"/api/v1/trading/objections/{objection['id']}/resolve",
        {"decision": "dismiss", "resolution": "x"},
        format="json",
    )
    assert again.status_code == 409 and again.json()["code"] == "trading_objection_resolved"
    detail = APIClient().get(f"/api/v1/trading/sales/{sale.pk}").json()
    assert detail["phase"] == "suspended"


def test_only_the_seller_or_the_operator_withdraws_and_nothing_changes_for_others(world, client_for):
    sale = world.fixed_sale()
    refused = client_for(world.outsider).post(
        f"/api/v1/trading/sales/{sale.pk}/withdraw", {"reason": "不要了"}, format="json"
    )
    assert refused.status_code == 403 and refused.json()["code"] == "trading_not_seller"
    sale.refresh_from_db()
    assert sale.status == SaleStatus.LISTED
    anonymous = APIClient().post(f"/api/v1/trading/sales/{sale.pk}/withdraw", {"reason": "x"}, format="json")
    assert anonymous.status_code == 401
    missing = client_for(world.seller_user).post("/api/v1/trading/sales/999999/withdraw", {"reason": "x"})
    assert missing.status_code == 404
    no_reason = client_for(world.seller_user).post(f"/api/v1/trading/sales/{sale.pk}/withdraw", {}, format="json")
    assert no_reason.status_code == 400
    withdrawn = client_for(world.seller_user).post(
        f"/api/v1/trading/sales/{sale.pk}/withdraw", {"reason": "改为作价投资"}, format="json"
    )
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    assert withdrawn.json()["closing_note"] == "改为作价投资"
    end_notice(sale)
    late = client_for(world.buyer_users[0]).post(f"/api/v1/trading/sales/{sale.pk}/accept", {}, format="json")
    assert late.status_code == 409 and late.json()["current_status"] == "withdrawn"


def test_bad_listings_are_refused_and_nothing_is_stored(world, client_for):
    seller = client_for(world.seller_user)
    achievement = world.achievement()
    cases = [
        ({"achievement_id": achievement.pk, "mode": "fixed_price", "price": "-1"}, 400, "validation_error"),
        ({"achievement_id": achievement.pk, "mode": "barter", "price": "1"}, 400, "validation_error"),
        (
            {"achievement_id": achievement.pk, "mode": "fixed_price", "price": "1", "increment": "10.00"},
            400,
            "trading_bad_terms",
        ),
        ({"achievement_id": achievement.pk, "mode": "auction", "price": "100.00"}, 400, "trading_bad_terms"),
        (
            {
                "achievement_id": achievement.pk,
                "mode": "auction",
                "price": "100.00",
                "reserve_price": "50.00",
                "increment": "10.00",
                "deposit_amount": "5.00",
                "ends_at": "2030-01-01T00:00:00+08:00",
            },
            400,
            "trading_bad_terms",
        ),
    ]
    for body, status, code in cases:
        response = seller.post("/api/v1/trading/sales", body, format="json")
        assert (response.status_code, response.json()["code"]) == (status, code), (body, response.json())
    # Someone else's achievement is unknown to the caller.
    other = client_for(world.outsider).post(
        "/api/v1/trading/sales", {"achievement_id": achievement.pk, "mode": "fixed_price", "price": "1"}, format="json"
    )
    assert other.status_code == 400 and other.json()["code"] == "trading_unknown_achievement"
    assert not Sale.objects.exists()


def test_an_enterprise_may_list_without_notice_and_sell_at_once(client_for):
    world = TradingWorld()
    from tests.factories import OrganizationFactory, member_of
    from tests.listings.factories import make_achievement

    company = OrganizationFactory(name="柳州某机械有限公司")
    user = member_of(company)
    achievement = make_achievement(company)
    created = client_for(user).post(
        "/api/v1/trading/sales",
        {"achievement_id": achievement.pk, "mode": "fixed_price", "price": "120000.50", "notice_days": 0},
        format="json",
    )
    assert created.status_code == 201 and created.json()["phase"] == "open"
    bought = client_for(world.buyer_users[0]).post(
        f"/api/v1/trading/sales/{created.json()['id']}/accept", {}, format="json"
    )
    assert bought.status_code == 200 and bought.json()["final_price"] == "120000.50"
    assert Decimal(bought.json()["final_price"]) == Decimal("120000.50")
