"""The attribution ledger: introductions are recorded once, seen by those concerned, and never change."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, InternalError, ProgrammingError, transaction
from django.utils import timezone

from apps.brokers.models import Introduction
from apps.brokers.selectors import introductions_between
from apps.notifications.models import Notification
from tests.brokers.factories import make_broker, make_introduction
from tests.factories import OrganizationFactory, member_of, operator_user
from tests.listings.factories import make_demand

pytestmark = pytest.mark.django_db

TRIGGER_ERRORS = (IntegrityError, InternalError, ProgrammingError)


@pytest.fixture
def parties():
    buyer = OrganizationFactory(name="柳州钢铁集团有限公司")
    seller = OrganizationFactory(name="广西大学", type="university", entity_type_id="022")
    return buyer, seller


def test_a_verified_broker_records_an_introduction(parties, client_for):
    buyer, seller = parties
    buyer_admin = member_of(buyer)
    broker = make_broker()
    demand = make_demand(buyer)
    response = client_for(broker.user).post(
        "/api/v1/introductions",
        {
            "party_a_id": buyer.pk,
            "party_b_id": seller.pk,
            "demand_id": demand.pk,
            "commission_rate": "0.0300",
            "commission_fixed": "5000.00",
            "commission_cap": "200000.00",
            "note": "在2026柳州科技成果对接会上介绍双方认识。",
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["commission_rate"] == "0.0300"
    assert body["commission_cap"] == "200000.00"
    assert body["broker_id"] == broker.pk
    assert Notification.objects.filter(recipient=buyer_admin, kind="broker.introduction").exists()
    # The parties see it; others do not.
    assert client_for(buyer_admin).get(f"/api/v1/introductions/{body['id']}").status_code == 200
    assert client_for(member_of(OrganizationFactory())).get(f"/api/v1/introductions/{body['id']}").status_code == 404
    assert client_for(make_broker().user).get(f"/api/v1/introductions/{body['id']}").status_code == 404
    assert client_for(operator_user()).get(f"/api/v1/introductions/{body['id']}").status_code == 200


def test_there_is_no_way_to_edit_or_delete_an_introduction_over_http(parties, client_for):
    broker = make_broker()
    introduction = make_introduction(broker, *parties)
    client = client_for(broker.user)
    assert client.patch(f"/api/v1/introductions/{introduction.pk}", {"note": "改"}).status_code == 405
    assert client.put(f"/api/v1/introductions/{introduction.pk}", {"note": "改"}).status_code == 405
    assert client.delete(f"/api/v1/introductions/{introduction.pk}").status_code == 405


def test_the_database_refuses_updates_and_deletes_even_in_bulk(parties):
    introduction = make_introduction(make_broker(), *parties)
    introduction.note = "事后修改"
    with pytest.raises(TRIGGER_ERRORS), transaction.atomic():
        introduction.save()
    with pytest.raises(TRIGGER_ERRORS), transaction.atomic():
        Introduction.objects.filter(pk=introduction.pk).update(commission_rate=Decimal("0.5"))
    with pytest.raises(TRIGGER_ERRORS), transaction.atomic():
        Introduction.objects.filter(pk=introduction.pk).delete()
    fresh = Introduction.objects.get(pk=introduction.pk)
    assert fresh.note == "" and fresh.commission_rate == Decimal("0.0300")


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"party_b_id": "same"}, 400, "introduction_same_parties"),
        ({"party_b_id": 999_999}, 400, "introduction_unknown_party"),
        ({"party_b_id": "pending"}, 409, "introduction_party_not_verified"),
        ({"commission_rate": "1.5"}, 400, "validation_error"),
        ({"commission_rate": "-0.01"}, 400, "validation_error"),
        ({"commission_fixed": "100", "commission_cap": "50"}, 400, "introduction_bad_commission"),
        ({"demand_id": "foreign"}, 400, "introduction_listing_mismatch"),
        ({"demand_id": 999_999}, 400, "introduction_unknown_listing"),
    ],
)
def test_bad_introductions_are_refused_and_nothing_stored(parties, client_for, change, status, code):
    buyer, seller = parties
    body = {"party_a_id": buyer.pk, "party_b_id": seller.pk, "commission_rate": "0.0200"}
    special = {
        "same": buyer.pk,
        "pending": OrganizationFactory(verification_status="pending").pk,
        "foreign": make_demand(OrganizationFactory()).pk,
    }
    body.update({k: special.get(v, v) if isinstance(v, str) else v for k, v in change.items()})
    response = client_for(make_broker().user).post("/api/v1/introductions", body)
    assert response.status_code == status, response.json()
    assert response.json()["code"] == code
    assert not Introduction.objects.exists()


def test_only_verified_brokers_record_introductions(parties, client_for):
    buyer, seller = parties
    body = {"party_a_id": buyer.pk, "party_b_id": seller.pk, "commission_rate": "0.0200"}
    pending = make_broker(status="pending")
    assert client_for(pending.user).post("/api/v1/introductions", body).json()["code"] == "broker_not_verified"
    assert client_for(member_of(buyer)).post("/api/v1/introductions", body).json()["code"] == "not_a_broker"
    assert not Introduction.objects.exists()


def test_introductions_between_is_order_independent_and_respects_since(parties):
    buyer, seller = parties
    broker = make_broker()
    old = make_introduction(broker, buyer, seller)
    recent = make_introduction(make_broker(), seller, buyer)
    make_introduction(broker, buyer, OrganizationFactory())
    since = old.created_at - timedelta(seconds=1)
    assert list(introductions_between(org_a_id=buyer.pk, org_b_id=seller.pk, since=since)) == [recent, old]
    assert list(introductions_between(org_a_id=seller.pk, org_b_id=buyer.pk, since=since)) == [recent, old]
    assert list(introductions_between(org_a_id=buyer.pk, org_b_id=seller.pk, since=recent.created_at)) == [recent]
    future = timezone.now() + timedelta(days=1)
    assert not introductions_between(org_a_id=buyer.pk, org_b_id=seller.pk, since=future).exists()


def test_commission_for_applies_rate_fixed_and_cap(parties):
    intro = make_introduction(
        make_broker(),
        *parties,
        commission_rate=Decimal("0.0300"),
        commission_fixed=Decimal("5000"),
        commission_cap=Decimal("20000"),
    )
    assert intro.commission_for(Decimal("100000")) == Decimal("8000.00")
    assert intro.commission_for(Decimal("1000000")) == Decimal("20000")
    # The fixed fee falls due with the first payment, and rounding is half up to the fen (as contracts do).
    assert intro.commission_for(Decimal("0")) == Decimal("0")
    assert intro.commission_for(Decimal("1.50")) == Decimal("5000.05")


def test_list_shows_only_what_concerns_the_caller(parties, client_for, django_assert_num_queries):
    buyer, seller = parties
    broker = make_broker()
    mine = [make_introduction(broker, buyer, seller) for _ in range(3)]
    make_introduction(make_broker(), OrganizationFactory(), OrganizationFactory())
    client = client_for(broker.user)
    with django_assert_num_queries(3):
        response = client.get("/api/v1/introductions")
    assert [r["id"] for r in response.json()["results"]] == [i.pk for i in reversed(mine)]
    assert client.get("/api/v1/introductions", {"broker": "x"}).status_code == 400


def test_recording_honours_idempotency_key(parties, client_for):
    buyer, seller = parties
    client = client_for(make_broker().user)
    body = {"party_a_id": buyer.pk, "party_b_id": seller.pk, "commission_rate": "0.0250"}
    first = client.post("/api/v1/introductions", body, HTTP_IDEMPOTENCY_KEY="intro-1")
    replay = client.post("/api/v1/introductions", body, HTTP_IDEMPOTENCY_KEY="intro-1")
    assert first.status_code == replay.status_code == 201
    assert replay["Idempotent-Replayed"] == "true"
    assert replay.json() == first.json()
    assert Introduction.objects.count() == 1


def test_recording_leaves_a_history_event_with_the_broker_as_actor(parties, client_for):
    from apps.brokers.models import IntroductionEvent

    buyer, seller = parties
    broker = make_broker()
    response = client_for(broker.user).post(
        "/api/v1/introductions", {"party_a_id": buyer.pk, "party_b_id": seller.pk, "commission_rate": "0.0100"}
    )
    event = IntroductionEvent.objects.select_related("pgh_context").get(pgh_obj_id=response.json()["id"])
    assert event.pgh_label == "insert"
    assert event.pgh_context.metadata["user"] == broker.user.pk
