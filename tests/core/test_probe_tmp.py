import pytest

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_probe(api_client, client_for):
    UserFactory(email="x@example.com")
    for lang in ("zh-hans", "en", "zh-Hans", "zh-CN", "zh"):
        r = api_client.post(
            "/api/v1/auth/token",
            {"email": "x@example.com", "password": "wrongpass1"},
            format="json",
            HTTP_ACCEPT_LANGUAGE=lang,
        )
        print(lang, r.status_code, r.json(), r.get("Content-Language"))
        r = api_client.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer abc", HTTP_ACCEPT_LANGUAGE=lang)
        print(lang, r.status_code, r.json())
        r = api_client.post(
            "/api/v1/auth/register", data='{"email": ', content_type="application/json", HTTP_ACCEPT_LANGUAGE=lang
        )
        print(lang, r.status_code, r.json())
        r = api_client.post(
            "/api/v1/auth/register",
            {"email": "n@example.com", "password": "short"},
            format="json",
            HTTP_ACCEPT_LANGUAGE=lang,
        )
        print(lang, r.status_code, r.json())
        r = api_client.get("/api/v1/nonexistent", HTTP_ACCEPT_LANGUAGE=lang)
        print(lang, r.status_code, r.content[:300])
