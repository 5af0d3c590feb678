"""Forgotten passwords: a link by e-mail, used once, ending every session."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from apps.core.effects import run_pending_effects
from apps.core.models import Effect, EffectStatus
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "柳州-New-Password-9"


def request_reset(client, email, callbacks):
    with callbacks(execute=True):
        return client.post("/api/v1/auth/password-reset", {"email": email}, format="json")


def link_parts(message) -> dict[str, str]:
    match = re.search(r"uid=(?P<uid>[\w-]+)&token=(?P<token>[\w-]+)", message.body)
    assert match, message.body
    return match.groupdict()


def test_reset_flow_sets_the_password_and_ends_sessions(
    api_client, client_for, celery_eager, django_capture_on_commit_callbacks
):
    user = UserFactory(email="forgot@example.cn")
    old_session = client_for(user)
    response = request_reset(api_client, "Forgot@Example.cn", django_capture_on_commit_callbacks)
    assert response.status_code == 202
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["forgot@example.cn"]
    assert message.subject == "重置您的密码"
    parts = link_parts(message)

    confirmed = api_client.post(
        "/api/v1/auth/password-reset/confirm", {**parts, "new_password": NEW_PASSWORD}, format="json"
    )
    assert confirmed.status_code == 204
    assert old_session.get("/api/v1/me").status_code == 401
    login = {"email": user.email, "password": NEW_PASSWORD}
    assert api_client.post("/api/v1/auth/token", login, format="json").status_code == 200
    # The link works once.
    again = api_client.post(
        "/api/v1/auth/password-reset/confirm", {**parts, "new_password": "Another-pass-77"}, format="json"
    )
    assert again.status_code == 400
    assert again.json()["code"] == "password_reset_link_invalid"


def test_unknown_address_gets_the_same_answer_and_no_mail(api_client, celery_eager, django_capture_on_commit_callbacks):
    response = request_reset(api_client, "nobody@example.cn", django_capture_on_commit_callbacks)
    assert response.status_code == 202
    assert mail.outbox == []


def test_english_speakers_get_english_mail(api_client, celery_eager, django_capture_on_commit_callbacks):
    UserFactory(email="en@example.cn", preferred_language="en")
    request_reset(api_client, "en@example.cn", django_capture_on_commit_callbacks)
    assert mail.outbox[0].subject == "Reset your password"


@pytest.mark.parametrize(
    "payload",
    [
        {"uid": "MQ", "token": "bad-token"},
        {"uid": "!!!", "token": "bad-token"},
        {"uid": "OTk5OTk5", "token": "x"},
    ],
)
def test_bad_links_are_refused_and_the_password_is_unchanged(api_client, payload):
    user = UserFactory()
    response = api_client.post(
        "/api/v1/auth/password-reset/confirm", {**payload, "new_password": NEW_PASSWORD}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "password_reset_link_invalid"
    user.refresh_from_db()
    assert user.check_password(TEST_PASSWORD)


def test_weak_new_password_is_refused(api_client, celery_eager, django_capture_on_commit_callbacks):
    user = UserFactory(email="weak-reset@example.cn")
    request_reset(api_client, user.email, django_capture_on_commit_callbacks)
    parts = link_parts(mail.outbox[0])
    response = api_client.post("/api/v1/auth/password-reset/confirm", {**parts, "new_password": "123"}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "weak_password"
    user.refresh_from_db()
    assert user.check_password(TEST_PASSWORD)


def test_a_reset_request_records_one_durable_effect_that_sends_one_mail(api_client):
    """The mail is an effect recorded with the request: it survives a broker outage and is sent once."""
    user = UserFactory(email="durable@example.cn")
    response = api_client.post("/api/v1/auth/password-reset", {"email": user.email}, format="json")
    assert response.status_code == 202
    recorded = Effect.objects.get(name="accounts.send_password_reset")
    assert recorded.kwargs == {"user_id": user.pk}
    assert mail.outbox == []

    assert run_pending_effects(names=["accounts.send_password_reset"]) == 1
    assert [m.to for m in mail.outbox] == [["durable@example.cn"]]
    recorded.refresh_from_db()
    assert recorded.status == EffectStatus.DONE
    # Run again (a second worker, the sweeper): the done effect does not send a second mail.
    assert run_pending_effects(names=["accounts.send_password_reset"]) == 0
    assert len(mail.outbox) == 1


def test_no_effect_is_recorded_for_an_unknown_address(api_client):
    api_client.post("/api/v1/auth/password-reset", {"email": "nobody@example.cn"}, format="json")
    assert not Effect.objects.filter(name="accounts.send_password_reset").exists()
