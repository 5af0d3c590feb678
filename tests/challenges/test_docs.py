"""docs/challenges.md's curl walk-through matches the API: every call names an operation of the schema,
with query parameters and JSON body fields that operation takes."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from drf_spectacular.generators import SchemaGenerator

DOC = Path(settings.BASE_DIR) / "docs" / "challenges.md"


def _curl_calls() -> list[tuple[str, str, dict[str, Any], set[str]]]:
    """(method, path, JSON body, query keys) of every curl in the walk-through's code block."""
    block = DOC.read_text(encoding="utf-8").split("```sh", 1)[1].split("```", 1)[0]
    commands, pending = [], ""
    for line in re.sub(r"\\\n\s*", " ", block).splitlines():
        if pending:
            pending += " " + line.strip()
        elif line.startswith("curl "):
            pending = line.split(" # ")[0].split(" | ")[0].strip()
        if pending:
            try:
                commands.append(shlex.split(pending))
            except ValueError:  # a quoted JSON body goes on over the next lines
                continue
            pending = ""
    calls = []
    for words in commands:
        method, body, url = "GET", None, None
        for i, word in enumerate(words):
            if word == "-X":
                method = words[i + 1]
            elif word == "-d":
                body = json.loads(words[i + 1])
                method = "POST" if method == "GET" else method
            elif word == "-F":
                method = "POST"
            elif word.startswith("$API/"):
                url = word[len("$API") :]
        assert url is not None, words
        path, _, query = url.partition("?")
        keys = {part.split("=")[0] for part in query.split("&") if part}
        calls.append((method, path, body or {}, keys))
    return calls


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def _operation(schema: dict[str, Any], method: str, path: str) -> dict[str, Any] | None:
    for template, operations in schema["paths"].items():
        pattern = "^" + re.sub(r"\\\{[^}]+\\\}", r"[0-9]+", re.escape(template)) + "$"
        if re.match(pattern, "/api/v1" + path) and method.lower() in operations:
            return operations[method.lower()]
    return None


@pytest.mark.django_db
def test_every_curl_in_the_challenges_doc_is_an_operation_with_its_fields():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    calls = _curl_calls()
    block = DOC.read_text(encoding="utf-8").split("```sh", 1)[1].split("```", 1)[0]
    assert len(calls) == sum(line.startswith("curl ") for line in block.splitlines()) > 15
    for method, path, body, query in calls:
        operation = _operation(schema, method, path)
        assert operation is not None, (method, path)
        parameters = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
        assert query <= parameters, (method, path, query - parameters)
        if body:
            request = operation["requestBody"]["content"]["application/json"]["schema"]
            fields = set(_resolve(schema, request)["properties"])
            assert set(body) <= fields, (method, path, set(body) - fields)
