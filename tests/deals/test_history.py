"""Trigger-based history: every change kept with actor and time, bulk updates included; the operator reads it."""

from __future__ import annotations

import pghistory
import pytest
from django.db.models import F

from apps.deals.models import Deal, DealEvent, DealParticipantEvent
from apps.organizations.api_keys import api_key_create
from tests.deals.factories import DealWorld
from tests.factories import operator_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> DealWorld:
    return DealWorld()


def test_a_queryset_update_over_several_deals_leaves_one_event_per_row_with_the_actor(world):
    deals = [world.deal() for _ in range(4)]
    untouched = world.deal()
    actor = operator_user()
    before = DealEvent.objects.filter(pgh_label="update").count()
    with pghistory.context(user=actor.pk, reason="bulk close"):
        changed = Deal.objects.filter(pk__in=[d.pk for d in deals]).update(
            stage="cancelled", close_reason="duplicate", close_note="重复录入", version=F("version") + 1
        )
    assert changed == 4
    events = DealEvent.objects.filter(pgh_label="update").select_related("pgh_context")
    assert events.count() - before == 4
    bulk = list(events.filter(pgh_context__metadata__reason="bulk close"))
    assert sorted(e.pgh_obj_id for e in bulk) == sorted(d.pk for d in deals)
    for event in bulk:
        assert event.pgh_context.metadata["user"] == actor.pk
        assert event.stage == "cancelled"
        assert event.version == 2
    assert not events.filter(pgh_obj_id=untouched.pk).exists()


def test_history_api_records_the_jwt_user_and_the_change(world, client_for):
    deal = world.deal()
    response = client_for(world.buyer_user).post(
        f"/api/v1/deals/{deal.pk}/advance", {"to": "contacted"}, HTTP_IF_MATCH='"1"'
    )
    assert response.status_code == 200
    operator = operator_user()
    history = client_for(operator).get(f"/api/v1/deals/{deal.pk}/history")
    assert history.status_code == 200, history.json()
    rows = history.json()["results"]
    updates = [r for r in rows if r["model"] == "deals.Deal" and r["event"] == "update"]
    assert len(updates) == 1
    assert updates[0]["user_id"] == world.buyer_user.pk
    assert updates[0]["url"] == f"/api/v1/deals/{deal.pk}/advance"
    assert updates[0]["changes"]["stage"] == ["lead", "contacted"]
    assert updates[0]["changes"]["version"] == [1, 2]
    # Creation of the deal, its three participants and the log entries are there too, oldest first.
    assert [r["event"] for r in rows if r["model"] == "deals.Deal"] == ["insert", "update"]
    assert len([r for r in rows if r["model"] == "deals.DealParticipant"]) == 3
    assert {r["model"] for r in rows} == {"deals.Deal", "deals.DealParticipant", "deals.DealActivity"}
    assert [r["at"] for r in rows] == sorted(r["at"] for r in rows)


def test_history_records_an_api_key_caller(world, client_for):
    from rest_framework.test import APIClient

    deal = world.deal(by=world.buyer_user, introduction_id=None)
    _key, secret = api_key_create(actor=world.buyer_user, organization=world.buyer, name="ERP", scope="read_write")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {secret}")
    response = client.patch(f"/api/v1/deals/{deal.pk}", {"title": "ERP 同步标题"}, HTTP_IF_MATCH='"1"')
    assert response.status_code == 200, response.json()
    event = DealEvent.objects.filter(pgh_obj_id=deal.pk, pgh_label="update").select_related("pgh_context").get()
    assert event.pgh_context.metadata["user"] == _key.service_user_id
    assert event.title == "ERP 同步标题"


def test_removed_participants_stay_in_the_history(world, client_for):
    deal = world.deal()
    client = client_for(world.buyer_user)
    client.delete(f"/api/v1/deals/{deal.pk}/brokers/{world.broker.pk}", HTTP_IF_MATCH='"1"')
    assert DealParticipantEvent.objects.filter(pgh_label="delete", broker_id=world.broker.pk).count() == 1
    rows = client_for(operator_user()).get(f"/api/v1/deals/{deal.pk}/history").json()["results"]
    assert any(r["model"] == "deals.DealParticipant" and r["event"] == "delete" for r in rows)


def test_only_the_operator_reads_history(world, client_for):
    deal = world.deal()
    response = client_for(world.buyer_user).get(f"/api/v1/deals/{deal.pk}/history")
    assert response.status_code == 403
    assert response.json()["code"] == "operator_only"
    assert client_for(world.outsider).get(f"/api/v1/deals/{deal.pk}/history").status_code == 404


def test_history_list_query_count_is_constant(world, client_for, django_assert_num_queries):
    deal = world.deal()
    client = client_for(operator_user())
    # auth user, memberships, the deal, its participants, the page of events
    with django_assert_num_queries(5):
        first = client.get(f"/api/v1/deals/{deal.pk}/history")
    for n in range(5):
        client.patch(f"/api/v1/deals/{deal.pk}", {"title": f"标题{n}"}, HTTP_IF_MATCH=f'"{n + 1}"')
    with django_assert_num_queries(5):
        second = client.get(f"/api/v1/deals/{deal.pk}/history")
    assert len(second.json()["results"]) == len(first.json()["results"]) + 5


def test_pre_rendered_sql_with_a_percent_sign_is_recorded_under_a_context(world):
    """psycopg2's execute_values sends rendered SQL; pghistory's prefix must not turn its % into placeholders."""
    from django.db import connection
    from django.utils import timezone
    from psycopg2.extras import execute_values

    from apps.core.history import history_context
    from apps.deals.models import DealActivity, DealActivityEvent

    deal = world.deal()
    now = timezone.now()
    with history_context(user=world.buyer_user.pk, task="import"), connection.cursor() as cursor:
        execute_values(
            cursor,
            "INSERT INTO deals_dealactivity (deal_id, kind, text, occurred_at, actor_id, created_at, updated_at) "
            "VALUES %s",
            [(deal.pk, "note", "良品率提升到99.5%", now, None, now, now)],
        )
    activity = DealActivity.objects.get(deal=deal, text="良品率提升到99.5%")
    event = DealActivityEvent.objects.select_related("pgh_context").get(pgh_obj_id=activity.pk)
    assert event.pgh_context.metadata == {"user": world.buyer_user.pk, "task": "import"}
