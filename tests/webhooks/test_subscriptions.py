"""Webhook subscriptions over the API: create, ping a real receiver, verify the signature with the documented
snippet, the delivery log, redelivery, secret rotation, bad input, SSRF, and who may see or change what."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.accounts.models import ApiKey
from apps.core.effects import run_pending_effects
from apps.organizations.api_keys import api_key_create
from apps.organizations.models import MembershipRole
from apps.webhooks.delivery import purge_events
from apps.webhooks.models import Attempt, Delivery, Event, Subscription
from tests.factories import OrganizationFactory, member_of
from tests.webhooks.receiver import verify_webhook

pytestmark = pytest.mark.django_db


@pytest.fixture
def org():
    return OrganizationFactory(name="柳州银行股份有限公司")


@pytest.fixture
def admin(org):
    return member_of(org)


def _subscribe(client, receiver, path="/hooks", **extra):
    response = client.post(
        "/api/v1/webhooks/subscriptions",
        {"url": receiver.url(path), "description": "省统计系统对接", **extra},
        format="json",
    )
    assert response.status_code == 201, response.json()
    return response.json()


def test_an_admin_subscribes_pings_and_verifies_the_signature(client_for, admin, org, receiver):
    client = client_for(admin)
    created = _subscribe(client, receiver, event_types=["payment.recorded", "deal.stage_changed"])
    assert created["organization_id"] == org.pk
    assert created["event_types"] == ["payment.recorded", "deal.stage_changed"]
    assert created["secret"].startswith("whsec_")
    assert "secret" not in client.get(f"/api/v1/webhooks/subscriptions/{created['id']}").json()

    ping = client.post(f"/api/v1/webhooks/subscriptions/{created['id']}/ping")
    assert ping.status_code == 202, ping.json()
    assert ping.json()["status"] == "pending"
    run_pending_effects()

    (request,) = receiver.at("/hooks")
    event = verify_webhook(created["secret"], request.headers, request.body)
    assert event["type"] == "webhook.ping"
    assert event["data"] == {"subscription_id": created["id"], "organization_id": org.pk}
    assert request.headers["webhook-id"] == event["id"] == ping.json()["event_id"]
    assert request.headers["content-type"] == "application/json; charset=utf-8"
    # Another secret does not verify it, nor does a tampered body.
    other = _subscribe(client, receiver, path="/other")
    with pytest.raises(ValueError, match="no valid signature"):
        verify_webhook(other["secret"], request.headers, request.body)
    with pytest.raises(ValueError, match="no valid signature"):
        verify_webhook(created["secret"], request.headers, request.body.replace(b"ping", b"pong"))

    log = client.get(f"/api/v1/webhooks/subscriptions/{created['id']}/deliveries").json()["results"]
    assert [(d["event_type"], d["status"], d["attempt_count"], d["last_status_code"]) for d in log] == [
        ("webhook.ping", "succeeded", 1, 200)
    ]
    detail = client.get(f"/api/v1/webhooks/deliveries/{log[0]['id']}").json()
    assert detail["payload"] == event
    (attempt,) = detail["attempts"]
    assert attempt["succeeded"] is True
    assert attempt["status_code"] == 200
    assert attempt["response_body"] == "ok"
    assert attempt["duration_ms"] >= 0


def test_redelivery_sends_the_same_event_again_as_a_new_delivery(client_for, admin, receiver):
    client = client_for(admin)
    created = _subscribe(client, receiver)
    first = client.post(f"/api/v1/webhooks/subscriptions/{created['id']}/ping").json()
    run_pending_effects()
    again = client.post(f"/api/v1/webhooks/deliveries/{first['id']}/redeliver")
    assert again.status_code == 202
    assert again.json()["redelivery_of_id"] == first["id"]
    assert again.json()["event_id"] == first["event_id"]
    run_pending_effects()
    one, two = receiver.at("/hooks")
    assert one.body == two.body
    assert one.headers["webhook-id"] == two.headers["webhook-id"]
    verify_webhook(created["secret"], two.headers, two.body)
    assert Delivery.objects.filter(subscription_id=created["id"], status="succeeded").count() == 2


def test_rotation_signs_with_both_secrets_during_the_grace_then_only_the_new(client_for, admin, receiver):
    client = client_for(admin)
    created = _subscribe(client, receiver)
    old = created["secret"]
    rotated = client.post(f"/api/v1/webhooks/subscriptions/{created['id']}/rotate-secret", {}, format="json")
    assert rotated.status_code == 200, rotated.json()
    new = rotated.json()["secret"]
    assert new != old and rotated.json()["previous_secret_expires_at"] is not None

    client.post(f"/api/v1/webhooks/subscriptions/{created['id']}/ping")
    run_pending_effects()
    (during,) = receiver.at("/hooks")
    assert len(during.headers["webhook-signature"].split(" ")) == 2
    # A receiver still holding the old secret and one already switched both accept it.
    verify_webhook(old, during.headers, during.body)
    verify_webhook(new, during.headers, during.body)

    ended = client.post(
        f"/api/v1/webhooks/subscriptions/{created['id']}/rotate-secret", {"grace_seconds": 0}, format="json"
    ).json()
    assert ended["previous_secret_expires_at"] is None
    client.post(f"/api/v1/webhooks/subscriptions/{created['id']}/ping")
    run_pending_effects()
    after = receiver.at("/hooks")[1]
    assert len(after.headers["webhook-signature"].split(" ")) == 1
    verify_webhook(ended["secret"], after.headers, after.body)
    for stale in (old, new):
        with pytest.raises(ValueError, match="no valid signature"):
            verify_webhook(stale, after.headers, after.body)


def test_a_switched_off_subscription_gets_nothing_and_cannot_be_pinged(client_for, admin, receiver):
    client = client_for(admin)
    created = _subscribe(client, receiver, is_active=False)
    assert created["disabled_reason"] == "by_user"
    response = client.post(f"/api/v1/webhooks/subscriptions/{created['id']}/ping")
    assert response.status_code == 409
    assert response.json()["code"] == "subscription_inactive"
    on = client.patch(f"/api/v1/webhooks/subscriptions/{created['id']}", {"is_active": True}, format="json")
    assert on.json()["is_active"] is True and on.json()["disabled_reason"] == ""
    assert client.post(f"/api/v1/webhooks/subscriptions/{created['id']}/ping").status_code == 202
    run_pending_effects()
    assert len(receiver.at("/hooks")) == 1


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"url": "ftp://example.cn/hook"}, "url", "target_refused"),
        ({"url": "not a url"}, "url", "validation_error"),
        ({"url": "https://user:pw@example.cn/hook"}, "url", "target_refused"),
        ({"event_types": ["listing.exploded"]}, "event_types", "validation_error"),
        ({"event_types": ["webhook.ping"]}, "event_types", "validation_error"),
        ({"organization_id": 999999}, "organization_id", "not_organization_admin"),
        ({"api_key_id": "nosuchkey"}, "api_key_id", "unknown_api_key"),
        ({"description": "长" * 501}, "description", "validation_error"),
    ],
)
def test_bad_subscriptions_are_refused_and_nothing_is_stored(client_for, admin, receiver, body, field, code):
    payload = {"url": receiver.url(), **body}
    response = client_for(admin).post("/api/v1/webhooks/subscriptions", payload, format="json")
    assert 400 <= response.status_code < 500, response.json()
    assert response.json()["code"] == code
    assert any(e["field"].split(".")[0] == field for e in response.json()["errors"]), response.json()
    assert not Subscription.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/hook",
        "https://127.0.0.1/hook",
        "https://10.1.2.3/hook",
        "https://192.168.1.10/hook",
        "https://169.254.169.254/latest/meta-data/",
        "https://[::1]/hook",
        "https://[::ffff:10.0.0.1]/hook",
        "https://localhost/hook",
        "https://100.64.0.1/hook",
        "http://8.8.8.8/hook",  # public, but plain http
        "https://no-such-host.invalid/hook",
    ],
)
def test_targets_in_private_networks_are_refused_in_production(settings, client_for, admin, url):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False
    response = client_for(admin).post("/api/v1/webhooks/subscriptions", {"url": url}, format="json")
    assert response.status_code == 400, response.json()
    assert response.json()["code"] == "target_refused"
    assert not Subscription.objects.exists()


def test_a_target_that_became_private_is_not_called(settings, client_for, admin, receiver):
    client = client_for(admin)
    created = _subscribe(client, receiver)
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False
    settings.WEBHOOKS_RETRY_SCHEDULE_SECONDS = []
    client.post(f"/api/v1/webhooks/subscriptions/{created['id']}/ping")
    run_pending_effects()
    assert receiver.at("/hooks") == []
    (delivery,) = client.get(f"/api/v1/webhooks/subscriptions/{created['id']}/deliveries").json()["results"]
    assert delivery["status"] == "failed"
    # the log keeps the refusal in the language the worker ran in (zh-hans by default)
    assert "private" in delivery["last_error"] or "内网" in delivery["last_error"]


def test_another_organisation_cannot_see_or_touch_subscriptions_or_deliveries(client_for, admin, receiver):
    created = _subscribe(client_for(admin), receiver)
    client_for(admin).post(f"/api/v1/webhooks/subscriptions/{created['id']}/ping")
    run_pending_effects()
    delivery = Delivery.objects.get()
    outsider = member_of(OrganizationFactory())
    plain_member = member_of(Subscription.objects.get().organization, role=MembershipRole.MEMBER)
    for user in (outsider, plain_member):
        client = client_for(user)
        base = f"/api/v1/webhooks/subscriptions/{created['id']}"
        assert client.get("/api/v1/webhooks/subscriptions").json()["results"] == []
        assert client.get(base).status_code == 404
        assert client.patch(base, {"url": "https://example.cn/x"}, format="json").status_code == 404
        assert client.delete(base).status_code == 404
        assert client.post(f"{base}/rotate-secret", {}, format="json").status_code == 404
        assert client.post(f"{base}/ping").status_code == 404
        assert client.get(f"{base}/deliveries").status_code == 404
        assert client.get(f"/api/v1/webhooks/deliveries/{delivery.pk}").status_code == 404
        assert client.post(f"/api/v1/webhooks/deliveries/{delivery.pk}/redeliver").status_code == 404
        response = client.post(
            "/api/v1/webhooks/subscriptions",
            {"url": receiver.url(), "organization_id": created["organization_id"]},
            format="json",
        )
        assert response.status_code == 403
    subscription = Subscription.objects.get()
    assert subscription.url == receiver.url() and subscription.secret == Subscription.objects.get().secret
    assert Subscription.objects.count() == 1 and Delivery.objects.count() == 1
    assert len(receiver.received) == 1


def test_an_api_key_manages_its_own_subscriptions_only(api_client, client_for, admin, org, receiver):
    key, raw = api_key_create(actor=admin, organization=org, name="省统计系统", scope=ApiKey.Scope.READ_WRITE)
    api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    created = _subscribe(api_client, receiver, path="/key")
    assert created["api_key_id"] == key.prefix and created["organization_id"] == org.pk
    by_admin = _subscribe(client_for(admin), receiver, path="/admin")
    listed = [s["id"] for s in api_client.get("/api/v1/webhooks/subscriptions").json()["results"]]
    assert listed == [created["id"]]
    assert api_client.get(f"/api/v1/webhooks/subscriptions/{by_admin['id']}").status_code == 404
    # The admin sees both.
    assert {s["id"] for s in client_for(admin).get("/api/v1/webhooks/subscriptions").json()["results"]} == {
        created["id"],
        by_admin["id"],
    }
    # A read-only key may look but not change.
    _ro, ro_raw = api_key_create(actor=admin, organization=org, name="只读", scope=ApiKey.Scope.READ)
    api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {ro_raw}")
    assert api_client.get("/api/v1/webhooks/subscriptions").status_code == 200
    refused = api_client.post("/api/v1/webhooks/subscriptions", {"url": receiver.url()}, format="json")
    assert refused.status_code == 403
    # Revoking the key stops its subscription's deliveries.
    client_for(admin).post(f"/api/v1/api-keys/{key.prefix}/revoke")
    client_for(admin).post(f"/api/v1/webhooks/subscriptions/{by_admin['id']}/ping")
    assert client_for(admin).post(f"/api/v1/webhooks/subscriptions/{created['id']}/ping").status_code == 409
    run_pending_effects()
    assert [r.path for r in receiver.received] == ["/admin"]


def test_event_types_are_listed(client_for, admin):
    body = client_for(admin).get("/api/v1/webhooks/event-types").json()
    types = {t["type"] for t in body["event_types"]}
    assert {"listing.published", "deal.stage_changed", "payment.recorded", "custody.annuity_overdue"} <= types
    assert body["replay_window_seconds"] == 300


def test_list_query_counts_are_pinned(client_for, admin, receiver, django_assert_num_queries):
    client = client_for(admin)
    created = [_subscribe(client, receiver, path=f"/{n}") for n in range(3)]
    for sub in created:
        client.post(f"/api/v1/webhooks/subscriptions/{sub['id']}/ping")
    run_pending_effects()
    # user, memberships, the page of subscriptions (api keys joined)
    with django_assert_num_queries(3):
        assert len(client.get("/api/v1/webhooks/subscriptions").json()["results"]) == 3
    # user, memberships, the subscription, the page of deliveries (events joined)
    with django_assert_num_queries(4):
        assert len(client.get(f"/api/v1/webhooks/subscriptions/{created[0]['id']}/deliveries").json()["results"]) == 1
    body = json.loads(Delivery.objects.first().event.body)
    assert body["type"] == "webhook.ping"


def test_a_redirect_is_not_followed_but_logged_as_a_failure(settings, client_for, admin, receiver):
    settings.WEBHOOKS_RETRY_SCHEDULE_SECONDS = []
    client = client_for(admin)
    created = _subscribe(client, receiver)
    receiver.answers.append(302)
    client.post(f"/api/v1/webhooks/subscriptions/{created['id']}/ping")
    run_pending_effects()
    assert len(receiver.at("/hooks")) == 1
    (delivery,) = client.get(f"/api/v1/webhooks/subscriptions/{created['id']}/deliveries").json()["results"]
    assert (delivery["status"], delivery["last_status_code"], delivery["last_error"]) == ("failed", 302, "HTTP 302")
    assert client.get(f"/api/v1/webhooks/subscriptions/{created['id']}").json()["consecutive_failures"] == 1


def test_old_finished_events_are_purged_with_their_logs(settings, client_for, admin, receiver):
    client = client_for(admin)
    created = _subscribe(client, receiver)
    client.post(f"/api/v1/webhooks/subscriptions/{created['id']}/ping")
    run_pending_effects()
    assert purge_events() == 0
    Event.objects.update(created_at=timezone.now() - timedelta(days=settings.WEBHOOKS_LOG_RETENTION_DAYS + 1))
    assert purge_events() > 0
    assert not Delivery.objects.exists() and not Attempt.objects.exists()
    assert Subscription.objects.filter(pk=created["id"]).exists()
