"""Requests past the service's limits are refused with a problem document: never a 500, never HTML,
never logged as ERROR (anyone can send them, without logging in)."""

from __future__ import annotations

import json
import logging

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from apps.listings.models import Achievement
from tests.core.test_errors import assert_problem
from tests.factories import OrganizationFactory, member_of, operator_user
from tests.listings.bulk_factories import jsonl_bytes, sample_bytes, sample_owners, upload

pytestmark = pytest.mark.django_db

COUNTRIES = "/api/v1/reference/countries"


@pytest.fixture
def no_error_logged(caplog):
    """Fails the test if anything is logged at ERROR or above; yields the captured records."""
    caplog.set_level(logging.INFO)
    yield caplog
    errors = [f"{r.name}: {r.getMessage()}" for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == []


@pytest.fixture
def member_client(client_for):
    return client_for(member_of(OrganizationFactory()))


def warned(caplog, logger: str) -> bool:
    return any(r.name == logger and r.levelno == logging.WARNING for r in caplog.records)


# --- fields, files and body size (Django's DATA_UPLOAD_MAX_* limits) ---------------------------------


def test_more_than_1000_query_fields_is_a_400(api_client, no_error_logged):
    response = api_client.get(COUNTRIES + "?" + "&".join(["a=1"] * 1001))
    body = assert_problem(response, 400, "too_many_fields")
    assert "1000" in body["detail"]
    assert warned(no_error_logged, "django.security.TooManyFieldsSent")
    # 1,000 fields are still fine.
    assert api_client.get(COUNTRIES + "?" + "&".join(["a=1"] * 1000)).status_code == 200


def test_more_than_1000_form_fields_is_a_400(member_client, no_error_logged):
    form = "&".join(f"field{i}=1" for i in range(1001))
    response = member_client.post("/api/v1/custody/agreements", form, content_type="application/x-www-form-urlencoded")
    assert_problem(response, 400, "too_many_fields")


def test_more_than_100_files_is_a_400(member_client, no_error_logged):
    files = {f"file{i}": SimpleUploadedFile(f"f{i}.txt", b"x") for i in range(101)}
    response = member_client.post("/api/v1/custody/agreements", files, format="multipart")
    assert_problem(response, 400, "too_many_files")


def test_a_body_over_5_mb_is_a_413(api_client, no_error_logged):
    body = json.dumps({"email": "big@example.cn", "password": "x" * (6 * 1024 * 1024)})
    response = api_client.post("/api/v1/auth/register", body, content_type="application/json")
    problem = assert_problem(response, 413, "request_too_large")
    assert "5" in problem["detail"]
    assert warned(no_error_logged, "django.security.RequestDataTooBig")


# Outside DRF (the admin login is a plain Django view) the refusals go through Django's handler400;
# Django logs them at ERROR on django.security.*, lowered to WARNING by settings.LOGGING.
def test_outside_drf_too_many_fields_is_a_400_problem(no_error_logged):
    form = "&".join(f"field{i}=1" for i in range(1001))
    response = Client().post("/admin/login/", form, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "too_many_fields"
    assert warned(no_error_logged, "django.security.TooManyFieldsSent")


def test_outside_drf_a_body_over_5_mb_is_a_413_problem(no_error_logged):
    form = "password=" + "x" * (6 * 1024 * 1024)
    response = Client().post("/admin/login/", form, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "request_too_large"
    assert warned(no_error_logged, "django.security.RequestDataTooBig")


# --- JSON nesting ---------------------------------------------------------------------------------


def test_json_nested_1000_levels_is_a_400_parse_error(api_client, no_error_logged):
    body = "[" * 1000 + "]" * 1000  # 2 KB
    response = api_client.post("/api/v1/auth/register", body, content_type="application/json")
    assert_problem(response, 400, "parse_error")


def test_json_nested_past_the_limit_is_refused_below_it_read(api_client, no_error_logged):
    def nested(levels: int) -> str:
        return '{"email": ' + "[" * (levels - 1) + "]" * (levels - 1) + "}"

    too_deep = api_client.post("/api/v1/auth/register", nested(65), content_type="application/json")
    assert "64" in assert_problem(too_deep, 400, "parse_error")["detail"]
    # 64 levels parse: the serializer then judges the content.
    at_limit = api_client.post("/api/v1/auth/register", nested(64), content_type="application/json")
    assert_problem(at_limit, 400, "validation_error")


def test_jsonl_import_line_nested_10000_levels_is_a_row_error(client_for, no_error_logged):
    sample_owners()
    good = json.loads(sample_bytes("achievements.jsonl").decode().splitlines()[0])
    content = jsonl_bytes([good]) + b'{"title": ' + b"[" * 10_000 + b"]" * 10_000 + b"}\n"
    response = client_for(operator_user()).post(
        "/api/v1/achievements/import",
        {"file": upload("a.jsonl", content), "partial": "true"},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert [(e["row"], e["field"], e["code"]) for e in body["rows"]] == [(2, "row", "invalid_json")]
    assert Achievement.objects.count() == 1


# --- URL length -----------------------------------------------------------------------------------


def test_a_url_over_4096_bytes_is_a_414_problem(api_client, no_error_logged, settings):
    query = "?q=" + "a" * (4096 - len(COUNTRIES) - 3)
    assert len(COUNTRIES + query) == 4096
    assert api_client.get(COUNTRIES + query).status_code != 414
    response = api_client.get(COUNTRIES + query + "a", HTTP_ACCEPT_LANGUAGE="en")
    body = assert_problem(response, 414, "uri_too_long")
    assert body["title"] == "URI too long"
    # A browser app on an allowed origin can read it.
    settings.CORS_ALLOWED_ORIGINS = ["https://app.example.cn"]
    from_browser = api_client.get(COUNTRIES + query + "a", HTTP_ORIGIN="https://app.example.cn")
    assert from_browser.status_code == 414
    assert from_browser["Access-Control-Allow-Origin"] == "https://app.example.cn"
    # Anywhere, signed in or not, before any view runs.
    assert_problem(api_client.get("/" + "x" * 5000), 414, "uri_too_long")
    assert_problem(api_client.post("/api/v1/auth/token?" + "a=1&" * 1100, {}), 414, "uri_too_long")


def test_gunicorn_accepts_request_lines_longer_than_the_django_limit():
    """Django answers long URLs itself only if gunicorn lets them through (its own 414 is HTML)."""
    from pathlib import Path

    config: dict = {}
    exec(Path("deploy/gunicorn.conf.py").read_text(), config)  # noqa: S102 - our own config file
    from django.conf import settings

    assert config["limit_request_line"] >= settings.API_URL_MAX_LENGTH + len("GET  HTTP/1.1")
    assert config["limit_request_line"] <= 8190  # gunicorn's maximum


# --- pagination -----------------------------------------------------------------------------------


def test_an_invalid_cursor_is_a_400(member_client, no_error_logged):
    body = assert_problem(member_client.get("/api/v1/organizations?cursor=not-a-cursor"), 400, "invalid_cursor")
    assert [e["field"] for e in body["errors"]] == ["cursor"]
    # The links the API gives still work.
    OrganizationFactory()
    first = member_client.get("/api/v1/organizations?page_size=1")
    assert member_client.get(first.json()["next"]).status_code == 200
