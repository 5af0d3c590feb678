"""Every class of error answers in the one problem-details shape."""

from __future__ import annotations

import pytest
from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from apps.core.errors import ApplicationError
from marketplace.urls import urlpatterns as real_urlpatterns

pytestmark = pytest.mark.django_db

PROBLEM_KEYS = {"type", "title", "status", "detail", "code", "errors"}


def assert_problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body.keys() >= PROBLEM_KEYS
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"] == f"urn:marketplace:problem:{code}"
    assert body.get("request_id") == response["X-Request-ID"]
    return body


class _Boom(APIView):
    permission_classes = [AllowAny]

    def get(self, request):
        raise RuntimeError("secret internal detail")


class _Refuse(APIView):
    permission_classes = [AllowAny]

    def post(self, request):
        raise ApplicationError("已经登记过了。", code="already_registered", status=409, extra={"current_version": 3})


urlpatterns = [
    path("test/boom", _Boom.as_view()),
    path("test/refuse", _Refuse.as_view()),
    *real_urlpatterns,
]


@pytest.fixture
def test_urls(settings):
    settings.ROOT_URLCONF = __name__


def test_unhandled_exception_is_a_500_problem_without_internals(api_client, test_urls, caplog):
    response = api_client.get("/test/boom")
    body = assert_problem(response, 500, "server_error")
    assert "secret internal detail" not in response.content.decode()
    assert "Traceback" not in response.content.decode()
    assert body["instance"] == "/test/boom"
    assert any("secret internal detail" in str(r.exc_info) for r in caplog.records if r.exc_info)


def test_application_error_carries_code_and_extra(api_client, test_urls):
    body = assert_problem(api_client.post("/test/refuse", {}, format="json"), 409, "already_registered")
    assert body["detail"] == "已经登记过了。"
    assert body["current_version"] == 3


def test_405_is_a_problem(api_client, test_urls):
    assert_problem(api_client.delete("/test/refuse"), 405, "method_not_allowed")


def test_unknown_url_is_a_404_problem(api_client):
    assert_problem(api_client.get("/api/v1/no-such-thing"), 404, "not_found")
    assert_problem(api_client.get("/nowhere"), 404, "not_found")


def test_401_without_credentials(api_client):
    body = assert_problem(api_client.get("/api/v1/me"), 401, "not_authenticated")
    assert body["detail"]


def test_401_with_a_garbage_token(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    assert_problem(api_client.get("/api/v1/me"), 401, "token_not_valid")


def test_415_unsupported_media_type(client_for):
    from tests.factories import UserFactory

    client = client_for(UserFactory())
    response = client.patch("/api/v1/me", data="<x/>", content_type="application/xml")
    assert_problem(response, 415, "unsupported_media_type")


def test_400_parse_error_on_broken_json(client_for):
    from tests.factories import UserFactory

    client = client_for(UserFactory())
    response = client.patch("/api/v1/me", data='{"name": ', content_type="application/json")
    assert_problem(response, 400, "parse_error")


def test_400_validation_lists_each_field(api_client):
    response = api_client.post("/api/v1/auth/register", {"email": "not-an-email", "password": ""}, format="json")
    body = assert_problem(response, 400, "validation_error")
    fields = {e["field"] for e in body["errors"]}
    assert fields == {"email", "password"}
    assert all(e["message"] and e["code"] for e in body["errors"])


def test_throttled_is_a_429_problem_with_retry_after(api_client, settings):
    rates = dict(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"])
    from rest_framework.throttling import SimpleRateThrottle

    original = SimpleRateThrottle.THROTTLE_RATES
    SimpleRateThrottle.THROTTLE_RATES = {**rates, "login_address": "2/min"}
    try:
        for _ in range(2):
            api_client.post("/api/v1/auth/token", {"email": "a@b.cn", "password": "x"}, format="json")
        response = api_client.post("/api/v1/auth/token", {"email": "a@b.cn", "password": "x"}, format="json")
    finally:
        SimpleRateThrottle.THROTTLE_RATES = original
    assert_problem(response, 429, "throttled")
    assert int(response["Retry-After"]) > 0


def test_chinese_is_not_escaped(api_client, test_urls):
    response = api_client.post("/test/refuse", {}, format="json")
    assert "已经登记过了" in response.content.decode("utf-8")
