"""Schemathesis against every API operation, as the market operator, an enterprise user and anonymous.

Each operation gets a few derandomized examples (``FUZZ_MAX_EXAMPLES``, 3 in ``make test``; ``make fuzz``
runs more). Every response must not be a server error and must conform to the OpenAPI schema: a
documented status code, a documented content type, and a body that validates against the documented
schema. Cases run inside the test's transaction, so whatever they write is rolled back.

All examples of one operation run, then the test fails listing each distinct failure with a curl
reproduction; a per-actor summary (cases, server errors, schema violations) is printed at the end.
"""

from __future__ import annotations

import os
from collections import Counter, defaultdict
from collections.abc import Iterator

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup, ServerError
from schemathesis.schemas import APIOperation
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from apps.accounts.tokens import MarketRefreshToken
from marketplace.wsgi import application
from tests.factories import OrganizationFactory, member_of, operator_user

MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "3"))
# positive: valid inputs per the schema; negative: inputs the schema forbids (make fuzz adds them).
MODES = [GenerationMode(mode.strip()) for mode in os.environ.get("FUZZ_MODES", "positive").split(",")]
ACTORS = ("operator", "enterprise", "anonymous")
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]

schema = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
schema.app = application
OPERATIONS = [result.ok() for result in schema.get_all_operations()]

# actor -> Counter(cases=..., server_errors=..., schema_violations=...), filled as the cases run.
_summary: dict[str, Counter[str]] = defaultdict(Counter)


class _SummaryPlugin:
    """Prints the per-actor figures in pytest's terminal summary."""

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if not _summary:
            return
        terminalreporter.section("schemathesis")
        terminalreporter.write_line(
            f"max_examples={MAX_EXAMPLES} per operation and actor, modes={','.join(MODES)}, "
            f"{len(OPERATIONS)} operations"
        )
        for name in ACTORS:
            counts = _summary[name]
            terminalreporter.write_line(
                f"{name:<10} cases={counts['cases']:<6} server_errors={counts['server_errors']:<4} "
                f"schema_violations={counts['schema_violations']:<4} failing_operations={counts['failing_operations']}"
            )


@pytest.fixture(scope="module", autouse=True)
def _print_summary(request: pytest.FixtureRequest) -> None:
    if not request.config.pluginmanager.has_plugin("schemathesis-summary"):
        request.config.pluginmanager.register(_SummaryPlugin(), "schemathesis-summary")


@pytest.fixture(autouse=True)
def _keep_the_test_connection() -> Iterator[None]:
    """The WSGI app's request signals close "old" database connections, the test's own among them.

    Django's test client disconnects them for the same reason; schemathesis calls the app directly.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path) -> None:
    """An upload a case makes lands in the test's own directory."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(params=ACTORS)
def actor(request: pytest.FixtureRequest, db: None) -> tuple[str, dict[str, str]]:
    """The actor's name and the headers that authenticate it (none for anonymous)."""
    if request.param == "operator":
        user = operator_user()
    elif request.param == "enterprise":
        user = member_of(OrganizationFactory())
    else:
        return request.param, {}
    return request.param, {"Authorization": f"Bearer {MarketRefreshToken.for_user(user).access_token}"}


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda operation: operation.label)
def test_api_conforms_to_its_schema(operation: APIOperation, actor: tuple[str, dict[str, str]]) -> None:
    name, headers = actor
    counts = _summary[name]
    failures: dict[str, tuple[Failure, str]] = {}

    @settings(
        max_examples=MAX_EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=st.one_of(*(operation.as_strategy(mode) for mode in MODES)))
    def run(case: schemathesis.Case) -> None:
        counts["cases"] += 1
        response = case.call(headers=headers)
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except FailureGroup as group:
            for failure in group.exceptions:
                counts["server_errors" if isinstance(failure, ServerError) else "schema_violations"] += 1
                key = f"{type(failure).__name__}: {failure.title}"
                failures.setdefault(key, (failure, case.as_curl_command(headers=headers)))

    run()
    if failures:
        counts["failing_operations"] += 1
        report = "\n\n".join(f"{key}\n{failure.message}\n{curl}" for key, (failure, curl) in failures.items())
        pytest.fail(f"{len(failures)} distinct failure(s) as {name}:\n\n{report}", pytrace=False)
