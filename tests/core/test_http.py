"""Cross-cutting HTTP behaviour: request ids, CORS, JSON logs."""

from __future__ import annotations

import json
import logging

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db


def test_every_response_has_a_request_id(client):
    first = client.get("/healthz")
    second = client.get("/api/v1/no-such-thing")
    assert len(first["X-Request-ID"]) == 32
    assert first["X-Request-ID"] != second["X-Request-ID"]
    assert second.json()["request_id"] == second["X-Request-ID"]


def test_an_incoming_request_id_is_kept(client):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="gateway-trace-42")
    assert response["X-Request-ID"] == "gateway-trace-42"


def test_cors_allows_only_configured_origins(client, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://partner.example.cn"]
    allowed = client.options(
        "/api/v1/organizations", HTTP_ORIGIN="https://partner.example.cn", HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET"
    )
    assert allowed["Access-Control-Allow-Origin"] == "https://partner.example.cn"
    refused = client.options(
        "/api/v1/organizations", HTTP_ORIGIN="https://evil.example.com", HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET"
    )
    assert "Access-Control-Allow-Origin" not in refused


def test_json_log_lines_carry_the_request_id_and_chinese_text():
    config = settings.LOGGING["formatters"]["json"]
    from marketplace.log_format import JSONFormatter

    formatter = JSONFormatter(
        config["fmt"], rename_fields=config["rename_fields"], json_ensure_ascii=config["json_ensure_ascii"]
    )
    record = logging.LogRecord("apps.deals", logging.INFO, __file__, 1, "合同已登记", None, None)
    record.correlation_id = "abc123"
    record.celery_parent_id = None
    line = formatter.format(record)
    parsed = json.loads(line)
    assert parsed["message"] == "合同已登记"
    assert parsed["request_id"] == "abc123"
    assert parsed["level"] == "INFO"
    assert "合同已登记" in line


def test_api_root_links_to_the_docs(client):
    response = client.get("/api/v1/")
    assert response.status_code == 200
    links = response.json()["links"]
    assert links["docs"].endswith("/api/v1/docs/")
    assert client.get(links["schema"]).status_code == 200


def test_api_root_links_to_the_public_collections(client):
    links = client.get("/api/v1/").json()["links"]
    for name in ("achievements", "demands", "challenges"):
        assert client.get(links[name]).status_code == 200, name
    assert links["ip_assets"].endswith("/api/v1/ip-assets")
