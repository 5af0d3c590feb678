"""The OpenAPI schema is generated without warnings, validates, and documents the error responses."""

from __future__ import annotations

import pytest
import yaml
from django.core.management import call_command

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema(tmp_path_factory, django_db_blocker) -> dict:
    path = tmp_path_factory.mktemp("schema") / "schema.yaml"
    with django_db_blocker.unblock():
        # --fail-on-warn turns any drf-spectacular warning into a failure; --validate checks OpenAPI 3.
        call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path))
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def test_schema_has_every_api_path(schema):
    paths = schema["paths"]
    for expected in (
        "/api/v1/auth/token",
        "/api/v1/me",
        "/api/v1/organizations",
        "/api/v1/organizations/{organization_id}",
    ):
        assert expected in paths


def test_every_operation_documents_problem_responses(schema):
    problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            expected = {"414", "429", "500", "503"} | ({"404"} if "{" in path else set())
            if method in {"post", "put", "patch"}:
                expected.add("400")
            if method in {"post", "put", "patch"} and "requestBody" in operation:
                expected |= {"413", "415"}
            if operation.get("security") and {} not in operation["security"]:
                expected |= {"401", "403"}
            for code in expected:
                assert responses.get(code, {}).get("content") == problem, (method, path, code)
    assert schema["components"]["schemas"]["Problem"]["required"] == [
        "type",
        "title",
        "status",
        "detail",
        "code",
        "errors",
    ]


def test_schema_and_docs_are_served(client):
    assert client.get("/api/v1/schema/").status_code == 200
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200
    assert b"swagger-ui" in docs.content
    # Assets are served locally (sidecar): nothing is fetched from a CDN.
    assert b"cdn.jsdelivr" not in docs.content
    assert client.get("/api/v1/redoc/").status_code == 200


def test_request_limits_are_documented(schema):
    description = schema["info"]["description"]
    for documented in ("uri_too_long", "too_many_fields", "too_many_files", "request_too_large", "invalid_cursor"):
        assert documented in description
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            parameters = {p["name"]: p for p in operation.get("parameters", []) if p["in"] == "query"}
            if "page_size" in parameters:
                assert parameters["page_size"]["schema"]["maximum"] == 100, (method, path)
                assert parameters["page_size"]["schema"]["minimum"] == 1
            if "cursor" in parameters:
                assert "invalid_cursor" in parameters["cursor"]["description"]
                assert "invalid_cursor" in operation["responses"]["400"]["description"]


def test_date_bounds_are_documented_where_clients_send_dates(schema):
    bounds = {"x-date-minimum": "1949-10-01", "x-date-maximum": "2100-12-31"}
    seen = 0
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                if parameter["schema"].get("format") == "date":
                    seen += 1
                    assert bounds.items() <= parameter["schema"].items(), (method, path, parameter["name"])
                    assert "1949-10-01 to 2100-12-31" in parameter["description"]
    for name, component in schema["components"]["schemas"].items():
        for prop_name, prop in component.get("properties", {}).items():
            if prop.get("format") == "date" and name.endswith("Request"):
                seen += 1
                assert bounds.items() <= prop.items(), (name, prop_name)
    assert seen > 40  # query parameters and request fields alike


def test_token_refresh_and_revoke_document_their_401(schema):
    problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for path in ("/api/v1/auth/token/refresh", "/api/v1/auth/token/revoke"):
        responses = schema["paths"][path]["post"]["responses"]
        assert responses["401"]["content"] == problem
        assert "token_not_valid" in responses["401"]["description"]
    refresh = schema["paths"]["/api/v1/auth/token/refresh"]["post"]["responses"]["200"]
    assert refresh["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/TokenRefresh"}
