"""Lists are documented as what they return: a page {next, previous, results} with its cursor, or an array."""

from __future__ import annotations

import re

import pytest
from django.urls import resolve
from drf_spectacular.generators import SchemaGenerator

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema(django_db_blocker) -> dict:
    with django_db_blocker.unblock():
        return SchemaGenerator().get_schema(request=None, public=True)


def _body_schema(schema: dict, operation: dict) -> dict:
    body = operation["responses"]["200"]["content"]["application/json"]["schema"]
    while "$ref" in body:
        body = schema["components"]["schemas"][body["$ref"].rsplit("/", 1)[-1]]
    return body


def _list_operations(schema: dict):
    for path, operations in schema["paths"].items():
        operation = operations.get("get")
        if not operation or "application/json" not in operation["responses"].get("200", {}).get("content", {}):
            continue
        body = _body_schema(schema, operation)
        if body.get("type") == "array" or "results" in body.get("properties", {}):
            yield path, operation, body


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/achievements",
        "/api/v1/demands",
        "/api/v1/achievements/{id}/events",
        "/api/v1/demands/{id}/events",
        "/api/v1/brokers/me/commissions",
    ],
)
def test_the_newcomers_lists_are_documented_as_pages(schema, path):
    operation = schema["paths"][path]["get"]
    body = _body_schema(schema, operation)
    assert body["type"] == "object"
    assert {"next", "previous", "results"} <= set(body["properties"])
    assert body["properties"]["results"]["type"] == "array"
    names = {parameter["name"] for parameter in operation.get("parameters", [])}
    assert {"cursor", "page_size"} <= names


def test_every_list_is_documented_as_its_view_answers(schema):
    """A view with a paginator answers a page; one without answers a bare array. The schema must agree."""
    wrong = []
    for path, operation, body in _list_operations(schema):
        view = resolve(re.sub(r"\{[^}]+\}", "7", path)).func.cls  # type: ignore[attr-defined]
        pages = getattr(view, "pagination_class", None) is not None
        # a page is {next, previous, results}; the changes feed ({results, next_cursor}) and the statistics
        # drill-down ({next, results} after a contract id) page by their own keys
        documented_page = {"next", "previous", "results"} <= set(body.get("properties", {}))
        names = {parameter["name"] for parameter in operation.get("parameters", [])}
        if pages != documented_page or (documented_page and not {"cursor", "page_size"} <= names):
            wrong.append(path)
    assert wrong == []
