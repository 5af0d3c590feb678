"""Every write operation (POST, PUT, PATCH, DELETE) shows a request example (when it takes a body) and a
response example (when its success has a body), and every example in the schema validates against its
schema (jsonschema)."""

from __future__ import annotations

import copy
from typing import Any

import jsonschema
import pytest
import yaml
from django.core.management import call_command

pytestmark = pytest.mark.django_db

WRITE_METHODS = {"post", "put", "patch", "delete"}

# Write operations still without examples (issue 17): this list only shrinks. An operation given its
# examples must leave it (the test below fails while it is listed), and a new write operation must come
# with examples rather than join it.
EXAMPLES_PENDING: frozenset[str] = frozenset()


@pytest.fixture(scope="module")
def schema(tmp_path_factory, django_db_blocker) -> dict:
    path = tmp_path_factory.mktemp("schema") / "schema.yaml"
    with django_db_blocker.unblock():
        call_command("spectacular", "--file", str(path))
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def json_schema(node: Any) -> Any:
    """OpenAPI 3.0 to JSON Schema: ``nullable: true`` becomes a null alternative."""
    if isinstance(node, list):
        return [json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: json_schema(value) for key, value in node.items()}
    if node.pop("nullable", False):
        if "enum" in node and None not in node["enum"]:
            node["enum"] = [*node["enum"], None]
        return {"anyOf": [node, {"type": "null"}]}
    return node


def validate(example: Any, schema_node: dict, components: dict) -> None:
    document = {"components": {"schemas": json_schema(copy.deepcopy(components))}, **json_schema(schema_node)}
    jsonschema.validate(example, document, cls=jsonschema.Draft202012Validator)


def write_operations(schema: dict):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if method in WRITE_METHODS:
                yield f"{method.upper()} {path}", operation


def response_examples(operation: dict):
    for status, response in operation["responses"].items():
        for media_type, content in response.get("content", {}).items():
            for name, example in content.get("examples", {}).items():
                yield status, media_type, name, example, content.get("schema", {})


def request_examples(operation: dict):
    for media_type, content in operation.get("requestBody", {}).get("content", {}).items():
        for name, example in content.get("examples", {}).items():
            yield media_type, name, example, content.get("schema", {})


def test_every_write_operation_has_request_and_response_examples(schema):
    missing, stale = [], []
    for label, operation in write_operations(schema):
        successes = [response for status, response in operation["responses"].items() if status.startswith("2")]
        # A success without a body (204, a 202 that says nothing) has nothing to show.
        has_response = all("content" not in response for response in successes) or any(
            status.startswith("2") for status, *_rest in response_examples(operation)
        )
        has_request = "requestBody" not in operation or any(request_examples(operation))
        if operation["operationId"] in EXAMPLES_PENDING:
            if any(response_examples(operation)) or any(request_examples(operation)):
                stale.append(operation["operationId"])
            continue
        if not (has_response and has_request):
            missing.append(label)
    assert missing == [], "give these operations examples (apps/<app>/examples.py, extend_schema(examples=...))"
    assert stale == [], "these have examples now: remove them from EXAMPLES_PENDING"
    known = {operation["operationId"] for _label, operation in write_operations(schema)}
    assert known >= EXAMPLES_PENDING, "EXAMPLES_PENDING names operations that no longer exist"


def test_every_example_validates_against_its_schema(schema):
    components = schema["components"]["schemas"]
    checked = 0
    for label, operation in write_operations(schema):
        for media_type, _name, example, node in request_examples(operation):
            if media_type == "application/json":
                validate(example["value"], node, components)
                checked += 1
        for status, media_type, name, example, node in response_examples(operation):
            if media_type == "application/json":
                try:
                    validate(example["value"], node, components)
                except jsonschema.ValidationError as error:
                    raise AssertionError(f"{label} {status} example {name}: {error.message}") from error
                checked += 1
    assert checked >= 25


def test_a_broken_example_is_caught(schema):
    """The check can fail: a contract example with its amount as a number is refused."""
    operation = schema["paths"]["/api/v1/contracts"]["post"]
    _status, _type, _name, example, node = next(item for item in response_examples(operation) if item[0] == "201")
    broken = {**example["value"], "contract_amount": 1000000}
    with pytest.raises(jsonschema.ValidationError):
        validate(broken, node, schema["components"]["schemas"])
    (_type, _name, request_example, request_node) = next(request_examples(operation))
    with pytest.raises(jsonschema.ValidationError):
        validate({**request_example["value"], "type": "买卖"}, request_node, schema["components"]["schemas"])
