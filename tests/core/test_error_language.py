"""Every refusal speaks the reader's language: detail, title and field messages, zh-hans and en.

The strings come from four places (DRF, simplejwt, Django's password validators, this project); each
reached the client in English under zh-hans for its own reason (simplejwt's catalogue not loaded, a
stale Django msgid, titles built from plain strings, Python's JSON error text).
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.utils import translation
from rest_framework.test import APIClient

from apps.core.errors import _TITLES, problem_body
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u4e00-\u9fff]")


def is_chinese(text: str) -> bool:
    return bool(CJK.search(text))


def is_english(text: str) -> bool:
    return bool(re.search(r"[A-Za-z]{3}", text)) and not is_chinese(text)


def _wrong_password(client: APIClient, **headers):
    user = UserFactory()
    return client.post(
        "/api/v1/auth/token", {"email": user.email, "password": "wrong-pass-1"}, format="json", **headers
    )


def _bad_token(client: APIClient, **headers):
    return client.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer not.a.token", **headers)


def _no_credentials(client: APIClient, **headers):
    return client.get("/api/v1/me", **headers)


def _malformed_json(client: APIClient, **headers):
    return client.post("/api/v1/auth/register", data='{"email": ', content_type="application/json", **headers)


def _password_too_short(client: APIClient, **headers):
    return client.post(
        "/api/v1/auth/register", {"email": "short@example.cn", "password": "Ab-1"}, format="json", **headers
    )


def _invalid_field(client: APIClient, **headers):
    return client.post("/api/v1/auth/register", {"email": "nope", "password": "x"}, format="json", **headers)


def _email_taken(client: APIClient, **headers):
    UserFactory(email="taken@example.cn")
    body = {"email": "taken@example.cn", "password": TEST_PASSWORD + "-long-enough"}
    return client.post("/api/v1/auth/register", body, format="json", **headers)


def _unknown_url(client: APIClient, **headers):
    return client.get("/api/v1/nonexistent", **headers)


def _method_not_allowed(client: APIClient, **headers):
    return client.delete("/api/v1/auth/token", **headers)


def _not_acceptable(client: APIClient, **headers):
    return client.get("/api/v1/", HTTP_ACCEPT="image/png", **headers)


def _unsupported_media_type(client: APIClient, **headers):
    return client.post("/api/v1/auth/token", data="<x/>", content_type="application/xml", **headers)


def _uri_too_long(client: APIClient, **headers):
    return client.get("/api/v1/reference/countries?q=" + "a" * 5000, **headers)  # refused before LocaleMiddleware


def _throttled(client: APIClient, **headers):
    from rest_framework.throttling import SimpleRateThrottle

    original = SimpleRateThrottle.THROTTLE_RATES
    SimpleRateThrottle.THROTTLE_RATES = {**original, "login_address": "1/min"}
    try:
        client.post("/api/v1/auth/token", {"email": "a@b.cn", "password": "x"}, format="json", **headers)
        return client.post("/api/v1/auth/token", {"email": "a@b.cn", "password": "x"}, format="json", **headers)
    finally:
        SimpleRateThrottle.THROTTLE_RATES = original


CASES: dict[str, tuple[Callable, int, str]] = {
    "wrong password": (_wrong_password, 401, "no_active_account"),
    "bad token": (_bad_token, 401, "token_not_valid"),
    "no credentials": (_no_credentials, 401, "not_authenticated"),
    "malformed JSON": (_malformed_json, 400, "parse_error"),
    "password too short": (_password_too_short, 400, "weak_password"),
    "invalid field": (_invalid_field, 400, "validation_error"),
    "e-mail taken": (_email_taken, 409, "email_taken"),
    "unknown URL": (_unknown_url, 404, "not_found"),
    "method not allowed": (_method_not_allowed, 405, "method_not_allowed"),
    "not acceptable": (_not_acceptable, 406, "not_acceptable"),
    "unsupported media type": (_unsupported_media_type, 415, "unsupported_media_type"),
    "URI too long": (_uri_too_long, 414, "uri_too_long"),
    "throttled": (_throttled, 429, "throttled"),
}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("case", list(CASES))
def test_a_refusal_is_in_the_readers_language(api_client, case, language):
    make, status, code = CASES[case]
    response = make(api_client, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == code
    in_language = is_chinese if language == "zh-hans" else is_english
    texts = {"title": body["title"], "detail": body["detail"]}
    texts.update({f"errors.{e['field']}": e["message"] for e in body["errors"]})
    wrong = {where: text for where, text in texts.items() if not in_language(text)}
    assert wrong == {}, f"{case} under {language}: {wrong}"
    assert response["Content-Language"] == language


def test_the_password_rules_are_named_in_the_readers_language(api_client):
    zh = _password_too_short(api_client, HTTP_ACCEPT_LANGUAGE="zh-hans").json()["errors"][0]["message"]
    en = _password_too_short(api_client, HTTP_ACCEPT_LANGUAGE="en").json()["errors"][0]["message"]
    assert "10" in zh and "10" in en
    assert en == "This password is too short. It must contain at least 10 characters."


@pytest.mark.parametrize("status", sorted(_TITLES))
def test_every_problem_title_is_translated(status):
    with translation.override("zh-hans"):
        zh = problem_body(status_code=status, code="x", detail="")["title"]
    with translation.override("en"):
        en = problem_body(status_code=status, code="x", detail="")["title"]
    assert is_chinese(zh), (status, zh)
    assert is_english(en), (status, en)
