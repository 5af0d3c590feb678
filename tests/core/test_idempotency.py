"""Idempotency-Key on deal creation: replay, key reuse, failures, expiry and two requests at once."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from apps.accounts.tokens import MarketRefreshToken
from apps.core.idempotency import purge_expired_keys
from apps.core.models import IdempotencyRecord
from apps.core.tasks import purge_idempotency_keys
from apps.deals.models import Deal
from tests.deals.factories import DealWorld

pytestmark = pytest.mark.django_db


def _body(world: DealWorld, **overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "title": "汽车齿轮热处理变形控制技术转让",
        "buyer_id": world.buyer.pk,
        "seller_id": world.seller.pk,
        "introduction_id": world.introduction.pk,
    }
    body.update(overrides)
    return body


@pytest.fixture
def world() -> DealWorld:
    return DealWorld()


def test_replay_returns_the_first_response_and_creates_nothing_more(world, client_for):
    client = client_for(world.broker.user)
    first = client.post("/api/v1/deals", _body(world), HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 201, first.json()
    assert "Idempotent-Replayed" not in first
    second = client.post("/api/v1/deals", _body(world), HTTP_IDEMPOTENCY_KEY="k-1")
    assert second.status_code == 201
    assert second["Idempotent-Replayed"] == "true"
    assert second.json() == first.json()
    assert second["ETag"] == first["ETag"]
    assert second["Location"] == first["Location"]
    assert Deal.objects.count() == 1


def test_replay_ignores_key_order_and_spacing_of_the_json_body(world, client_for):
    client = client_for(world.broker.user)
    client.post("/api/v1/deals", _body(world), HTTP_IDEMPOTENCY_KEY="k-order")
    reordered = dict(reversed(list(_body(world).items())))
    again = client.post(
        "/api/v1/deals",
        data=json.dumps(reordered, indent=2, ensure_ascii=False),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="k-order",
    )
    assert again["Idempotent-Replayed"] == "true"
    assert Deal.objects.count() == 1


def test_same_key_with_another_body_is_refused_with_422(world, client_for):
    client = client_for(world.broker.user)
    client.post("/api/v1/deals", _body(world), HTTP_IDEMPOTENCY_KEY="k-2")
    response = client.post("/api/v1/deals", _body(world, title="另一笔交易"), HTTP_IDEMPOTENCY_KEY="k-2")
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "idempotency_key_reused"
    assert Deal.objects.count() == 1


def test_a_refused_request_stores_nothing_so_the_corrected_retry_runs(world, client_for):
    client = client_for(world.broker.user)
    bad = client.post("/api/v1/deals", _body(world, seller_id=world.buyer.pk), HTTP_IDEMPOTENCY_KEY="k-3")
    assert bad.status_code == 400
    assert not IdempotencyRecord.objects.exists()
    good = client.post("/api/v1/deals", _body(world), HTTP_IDEMPOTENCY_KEY="k-3")
    assert good.status_code == 201
    assert "Idempotent-Replayed" not in good
    assert Deal.objects.count() == 1


def test_keys_are_per_caller(world, client_for):
    first = client_for(world.broker.user).post("/api/v1/deals", _body(world), HTTP_IDEMPOTENCY_KEY="shared")
    second = client_for(world.buyer_user).post("/api/v1/deals", _body(world), HTTP_IDEMPOTENCY_KEY="shared")
    assert first.status_code == second.status_code == 201
    assert "Idempotent-Replayed" not in second
    assert Deal.objects.count() == 2


def test_without_a_key_every_post_creates(world, client_for):
    client = client_for(world.broker.user)
    client.post("/api/v1/deals", _body(world))
    client.post("/api/v1/deals", _body(world))
    assert Deal.objects.count() == 2
    assert not IdempotencyRecord.objects.exists()


@pytest.mark.parametrize("key", ["", "x" * 256, "键", "has space"])
def test_a_malformed_key_is_a_400(world, client_for, key):
    response = client_for(world.broker.user).post(
        "/api/v1/deals", _body(world), HTTP_IDEMPOTENCY_KEY=key.encode().decode("latin-1")
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_idempotency_key"
    assert Deal.objects.count() == 0


def _claim_in_flight(world: DealWorld, key: str, *, locked_for: timedelta) -> IdempotencyRecord:
    now = timezone.now()
    client = client_for_user(world)
    # Learn the fingerprint the server computes by letting a first request complete, then reset it.
    client.post("/api/v1/deals", _body(world), HTTP_IDEMPOTENCY_KEY=key)
    record = IdempotencyRecord.objects.get(key=key)
    Deal.objects.all().delete()
    IdempotencyRecord.objects.filter(pk=record.pk).update(
        response_status=None, response_body=None, response_headers={}, locked_until=now + locked_for
    )
    return record


def client_for_user(world: DealWorld) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {MarketRefreshToken.for_user(world.broker.user).access_token}")
    return client


def test_a_key_still_in_flight_is_a_409(world):
    _claim_in_flight(world, "k-busy", locked_for=timedelta(minutes=1))
    response = client_for_user(world).post("/api/v1/deals", _body(world), HTTP_IDEMPOTENCY_KEY="k-busy")
    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_key_in_flight"
    assert Deal.objects.count() == 0


def test_a_claim_whose_request_died_is_taken_over_after_its_lock(world):
    _claim_in_flight(world, "k-dead", locked_for=timedelta(seconds=-1))
    response = client_for_user(world).post("/api/v1/deals", _body(world), HTTP_IDEMPOTENCY_KEY="k-dead")
    assert response.status_code == 201
    assert Deal.objects.count() == 1
    assert IdempotencyRecord.objects.get(key="k-dead").response_status == 201


def test_an_expired_key_is_new_again_and_the_purge_deletes_expired_keys(world, settings):
    client = client_for_user(world)
    client.post("/api/v1/deals", _body(world), HTTP_IDEMPOTENCY_KEY="k-old")
    IdempotencyRecord.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    again = client.post("/api/v1/deals", _body(world), HTTP_IDEMPOTENCY_KEY="k-old")
    assert again.status_code == 201
    assert "Idempotent-Replayed" not in again
    assert Deal.objects.count() == 2
    record = IdempotencyRecord.objects.get(key="k-old")
    assert record.expires_at > timezone.now() + timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS - 1)

    client.post("/api/v1/deals", _body(world, title="第二笔"), HTTP_IDEMPOTENCY_KEY="k-fresh")
    IdempotencyRecord.objects.filter(key="k-old").update(expires_at=timezone.now() - timedelta(seconds=1))
    assert purge_idempotency_keys() == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["k-fresh"]
    assert purge_expired_keys() == 0


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_simultaneous_requests_with_one_key_create_one_deal():
    world = DealWorld()
    barrier = threading.Barrier(4)
    statuses: list[int] = []
    replayed: list[bool] = []

    def post() -> None:
        try:
            client = client_for_user(world)
            barrier.wait(timeout=10)
            response = client.post("/api/v1/deals", _body(world), HTTP_IDEMPOTENCY_KEY="k-race")
            statuses.append(response.status_code)
            replayed.append(response.has_header("Idempotent-Replayed"))
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(statuses) == 4
    assert set(statuses) <= {201, 409}, statuses
    # Exactly one request did the work; the others were told it is in flight or got its replay.
    assert sum(1 for s, r in zip(statuses, replayed, strict=True) if s == 201 and not r) == 1
    assert Deal.objects.count() == 1


def test_a_read_only_api_key_is_refused_before_any_key_is_claimed(world):
    from apps.organizations.api_keys import api_key_create

    _key, secret = api_key_create(actor=world.buyer_user, organization=world.buyer, name="报表", scope="read")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {secret}")
    body = _body(world, introduction_id=None)
    response = client.post("/api/v1/deals", body, HTTP_IDEMPOTENCY_KEY="k-ro")
    assert response.status_code == 403
    assert not IdempotencyRecord.objects.exists()
    assert Deal.objects.count() == 0


def test_an_api_key_caller_gets_its_own_replay(world):
    from apps.organizations.api_keys import api_key_create

    key, secret = api_key_create(actor=world.buyer_user, organization=world.buyer, name="ERP", scope="read_write")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {secret}")
    body = _body(world, introduction_id=None)
    first = client.post("/api/v1/deals", body, HTTP_IDEMPOTENCY_KEY="erp-order-17")
    again = client.post("/api/v1/deals", body, HTTP_IDEMPOTENCY_KEY="erp-order-17")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert IdempotencyRecord.objects.get().scope == f"user:{key.service_user_id}"
    assert Deal.objects.count() == 1
