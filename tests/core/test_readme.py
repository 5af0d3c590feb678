"""The README and docs/*.md name only API operations that exist: every path they give (``/api/v1/…`` in
prose and examples, ``METHOD path`` in backticks, the README's API table with its ``…/`` shorthand) is
matched against the generated OpenAPI schema, templates segment by segment, methods included.
Also: the README lists every demo account.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.urls import resolve
from drf_spectacular.generators import SchemaGenerator

from apps.demo.data import DEMO_PEOPLE

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
PREFIX = "/api/v1/"
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
# Pages under the prefix that are not API operations (the schema and its viewers, the API root).
NOT_OPERATIONS = {"", "schema/", "docs/", "redoc/"}

_FULL_PATH = re.compile(r"/api/v1/[^\s`'\"()<>,|\\]*(?:<[a-z_]+>[^\s`'\"()<>,|\\]*)*")
_BACKTICKED = re.compile(r"`([^`\n]+)`")
_OPERATION = re.compile(rf"^((?:{'|'.join(METHODS)})(?:/(?:{'|'.join(METHODS)}))*)\s+(\S+)$")
_PLACEHOLDER = re.compile(r"\{[^}/]*\}|<[^>/]*>|\b[A-Z][A-Z_]*\b|\b\d+\b")


def _segments(path: str) -> tuple[str, ...]:
    """Path segments with every parameter or placeholder written ``{}`` (``{id}``, ``<token>``, ``ID``, ``42``)."""
    return tuple(_PLACEHOLDER.sub("{}", part) for part in path.strip("/").split("/")) if path.strip("/") else ()


def _clean(path: str) -> str:
    path = path.split("?", 1)[0].split("#", 1)[0].rstrip(".,;:")
    return path.removeprefix(PREFIX).removeprefix("/")


def _from_table(line: str) -> Iterator[tuple[str, frozenset[str]]]:
    """The operations of one row of the README's API table: ``METHOD path`` items, ``…/x`` relative to the
    last full path (after its last parameter), method-less items taking the previous item's methods."""
    base, methods = "", frozenset[str]()
    for item in _BACKTICKED.findall(line.split("|", 2)[-1]):
        item = item.replace("\\|", "|").strip()
        match = _OPERATION.match(item)
        if match:
            methods, path = frozenset(match.group(1).split("/")), match.group(2)
        elif "/" in item and re.fullmatch(r"[…a-z{][\w{}…/-]*(\?\S*)?", item):
            path = item
        else:
            continue
        if path.endswith("…") or (path.startswith("/") and not path.startswith(PREFIX)):
            continue
        if path.startswith("…/"):
            path = base + path[1:]
        else:
            path = _clean(path)
            parts = path.split("/")
            last_parameter = max((i for i, part in enumerate(parts) if part.startswith("{")), default=len(parts) - 1)
            base = "/".join(parts[: last_parameter + 1])
        yield _clean(path), methods


def named_operations(document: Path) -> Iterator[tuple[str, frozenset[str], str]]:
    """(path under /api/v1/, methods or empty for "any", where) for every API path ``document`` names."""
    text = document.read_text(encoding="utf-8")
    in_api_table = False
    for number, line in enumerate(text.splitlines(), start=1):
        where = f"{document.name}:{number}"
        if line.startswith("#"):
            in_api_table = line.strip() == "## The API"
        if in_api_table and line.startswith("| ") and not line.startswith("| area"):
            for path, methods in _from_table(line):
                yield path, methods, where
            continue
        for found in _FULL_PATH.findall(line):
            yield _clean(found), frozenset(), where
        for item in _BACKTICKED.findall(line):
            match = _OPERATION.match(item.replace("\\|", "|").strip())
            if not match:
                continue
            path = match.group(2)
            if "…" in path or (path.startswith("/") and not path.startswith(PREFIX)):
                continue
            yield _clean(path), frozenset(match.group(1).split("/")), where


def parameter_names_fit(named: str, template: str) -> bool:
    """A parameter the document names fits the schema's: ``{id}`` (any id), a placeholder (``ID``, ``<x>``),
    the same name, or its short form (``{aid}`` for ``{attachment_id}``, ``{broker_id}`` for ``{broker_id}``).
    ``{prefix}`` for ``{key_id}`` does not: it names another value."""
    for mine, theirs in zip(named.split("/"), template.split("/"), strict=True):
        for a, b in zip(re.findall(r"\{(\w*)\}", mine), re.findall(r"\{(\w*)\}", theirs), strict=False):
            short = a.endswith("id") and b.endswith("id") and b.startswith(a[:-2])
            if a not in ("id", b) and not short:
                return False
    return True


@pytest.fixture(scope="module")
def schema_operations() -> dict[tuple[str, ...], tuple[str, set[str]]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations: dict[tuple[str, ...], tuple[str, set[str]]] = {}
    for path, item in schema["paths"].items():
        assert path.startswith(PREFIX), path
        template = path[len(PREFIX) :]
        operations.setdefault(_segments(template), (template, set()))[1].update(m.upper() for m in item)
    return operations


def test_the_extraction_reads_every_form_the_documents_use() -> None:
    row = (
        "| achievements | `GET/POST achievements`, `GET/PATCH/DELETE achievements/{id}`,"
        " `POST achievements/{id}/submit`,"
        " `…/review`, `GET …/events`, `GET …/attachments/{aid}`,"
        " `GET achievements/export?format=csv\\|xlsx`, `reference/industries`, (`Idempotency-Key`),"
        " `ETag` / `If-Match`, see `docs/statistics.md` |"
    )
    assert list(_from_table(row)) == [
        ("achievements", frozenset({"GET", "POST"})),
        ("achievements/{id}", frozenset({"GET", "PATCH", "DELETE"})),
        ("achievements/{id}/submit", frozenset({"POST"})),
        ("achievements/{id}/review", frozenset({"POST"})),
        ("achievements/{id}/events", frozenset({"GET"})),
        ("achievements/{id}/attachments/{aid}", frozenset({"GET"})),
        ("achievements/export", frozenset({"GET"})),
        ("reference/industries", frozenset({"GET"})),
    ]
    assert _segments("custody/calendar/<token>.ics") == _segments("custody/calendar/{token}.ics")
    assert _segments("contracts/ID/document") == _segments("contracts/{contract_id}/document")
    assert _segments("achievements/export") != _segments("achievements/{id}")
    assert parameter_names_fit("achievements/{id}/attachments/{aid}", "achievements/{id}/attachments/{attachment_id}")
    assert parameter_names_fit("contracts/ID/document", "contracts/{contract_id}/document")
    assert not parameter_names_fit("api-keys/{prefix}/revoke", "api-keys/{key_id}/revoke")


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: p.name)
def test_every_api_path_a_document_names_is_in_the_schema(document: Path, schema_operations) -> None:
    named = list(named_operations(document))
    if document.name == "README.md":
        assert len(named) > 100  # the API table, the walk-through and the examples were all read
    problems = []
    for path, methods, where in named:
        if path in NOT_OPERATIONS:
            resolve(PREFIX + path)  # raises Resolver404 if the page is gone
            continue
        found = schema_operations.get(_segments(path))
        if found is None:
            problems.append(f"{where}: {PREFIX}{path} is not in the schema")
            continue
        template, offered = found
        if not parameter_names_fit(path, template):
            problems.append(f"{where}: {PREFIX}{path} names other parameters than {PREFIX}{template}")
        elif not methods <= offered:
            problems.append(f"{where}: {'/'.join(sorted(methods))} {PREFIX}{path}; the schema has {sorted(offered)}")
    assert not problems, "\n".join(problems)


def test_the_readme_lists_every_demo_account() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [person.local_part for person in DEMO_PEOPLE if f"| `{person.local_part}` |" not in readme]
    assert not missing


def test_idempotency_keys_are_named_only_on_writes() -> None:
    """``X (`Idempotency-Key`)`` in the README: X is an operation that writes (a GET takes no key)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    pattern = re.compile(r"`([^`]+)`\s*\((?:`Idempotency-Key`|[^()`]*`Idempotency-Key`)")
    named = pattern.findall(readme)
    assert named
    for item in named:
        match = _OPERATION.match(item.replace("\\|", "|").strip())
        if match:  # a method-less ``…/x`` takes its row's methods; the item before it was checked
            assert set(match.group(1).split("/")) & {"POST", "PUT", "PATCH"}, item
