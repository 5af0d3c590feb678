"""A URL no route matches, or a method a plain view refuses, answers the API's problem document in every
mode: with DEBUG on (``make run``) Django would answer its HTML technical page listing every route."""

from __future__ import annotations

import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db

UNROUTED = [
    "/api/v1/demands/",  # a trailing slash: the routes have none
    "/api/v1/demands/abc",
    "/api/v1/nonexistent",
    "/api/v2/demands",
    "/nonexistent",
]


def _assert_problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert (body["status"], body["code"]) == (status, code)
    assert b"<html" not in response.content.lower()
    return body


@pytest.mark.parametrize("debug", [False, True], ids=["debug-off", "debug-on"])
@pytest.mark.parametrize("url", UNROUTED)
def test_an_unrouted_url_is_a_404_problem(api_client, url, debug):
    with override_settings(DEBUG=debug):
        for method in ("get", "post", "delete"):
            body = _assert_problem(getattr(api_client, method)(url), 404, "not_found")
            assert body["instance"] == url


@pytest.mark.parametrize("debug", [False, True], ids=["debug-off", "debug-on"])
def test_a_refused_method_is_a_405_problem_with_allow(api_client, debug):
    with override_settings(DEBUG=debug):
        plain = api_client.post("/healthz")  # a plain Django view (require_GET)
        _assert_problem(plain, 405, "method_not_allowed")
        assert plain["Allow"] == "GET"
        drf = api_client.delete("/api/v1/auth/token")  # a DRF view
        _assert_problem(drf, 405, "method_not_allowed")
        assert "POST" in drf["Allow"]


@pytest.mark.parametrize("debug", [False, True], ids=["debug-off", "debug-on"])
def test_append_slash_redirects_and_the_people_pages_stay_html(api_client, debug):
    with override_settings(DEBUG=debug):
        docs = api_client.get("/api/v1/docs")  # the Swagger UI lives at docs/
        assert docs.status_code == 301
        assert docs["Location"] == "/api/v1/docs/"
        admin = api_client.get("/admin/login/")
        assert admin.status_code == 200
        assert admin["Content-Type"].startswith("text/html")
        dashboard = api_client.get("/stats/login/")
        assert dashboard.status_code == 200
        assert dashboard["Content-Type"].startswith("text/html")
