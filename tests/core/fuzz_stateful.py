"""Stateful schemathesis: chains of calls (create → read → update → act on what was created), as the market
operator and as an enterprise user, with the links schemathesis infers from the schema (response fields and
path parameters). Each response must not be a server error and must conform to the schema, as in
``test_schemathesis.py``.

Not collected by ``make test`` (the file name does not start with ``test_``); ``make fuzz`` runs it
(``FUZZ_STATEFUL_EXAMPLES`` scenarios of up to ``FUZZ_STATEFUL_STEPS`` calls per actor).
"""

from __future__ import annotations

import os
from collections import Counter
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.core.failures import FailureGroup, ServerError

from apps.accounts.tokens import MarketRefreshToken
from tests.core.test_schemathesis import (  # noqa: F401  # the fixtures keep the test connection and media
    CHECKS,
    _keep_the_test_connection,
    _media_in_tmp,
    schema,
)
from tests.factories import OrganizationFactory, member_of, operator_user

EXAMPLES = int(os.environ.get("FUZZ_STATEFUL_EXAMPLES", "50"))
STEPS = int(os.environ.get("FUZZ_STATEFUL_STEPS", "8"))

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("actor", ["operator", "enterprise"])
def test_call_chains_conform_to_the_schema(actor: str, pytestconfig: pytest.Config) -> None:
    user = operator_user() if actor == "operator" else member_of(OrganizationFactory())
    headers = {"Authorization": f"Bearer {MarketRefreshToken.for_user(user).access_token}"}
    counts: Counter[str] = Counter()
    failures: dict[str, str] = {}

    class Machine(schema.as_state_machine()):  # type: ignore[misc]
        def get_call_kwargs(self, case: schemathesis.Case) -> dict[str, Any]:
            return {"headers": headers}

        def validate_response(self, response: Any, case: schemathesis.Case, *args: Any, **kwargs: Any) -> None:
            counts["calls"] += 1
            counts[f"status_{response.status_code // 100}xx"] += 1
            try:
                case.validate_response(response, checks=CHECKS, headers=headers)
            except FailureGroup as group:
                for failure in group.exceptions:
                    counts["server_errors" if isinstance(failure, ServerError) else "schema_violations"] += 1
                    key = f"{case.operation.label}: {type(failure).__name__}: {failure.title}"
                    failures.setdefault(key, f"{failure.message}\n{case.as_curl_command(headers=headers)}")

    Machine.run(
        settings=hypothesis_settings(
            max_examples=EXAMPLES,
            stateful_step_count=STEPS,
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
    )
    reporter = pytestconfig.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:  # the figures make fuzz reports, without -s
        reporter.write_line(f"\nstateful {actor}: {EXAMPLES} scenarios of up to {STEPS} calls: {dict(counts)}")
    assert counts["calls"] > EXAMPLES
    assert not failures, "\n\n".join(f"{key}\n{text}" for key, text in failures.items())
