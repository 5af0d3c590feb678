"""Reports read from a real streaming replica, and from the primary when it lags beyond the bound or is down.

A primary and a hot standby are started from the PostgreSQL binaries ``make run`` embeds
(tests/core/pg_replication.py); for the test, Django's ``default`` connection points at that primary (a copy of
the test database) and a ``replica`` alias at the standby, as ``DATABASE_REPLICA_URL`` would configure it.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connections
from prometheus_client.parser import text_string_to_metric_families
from rest_framework.test import APIClient

from apps.core.replica import REPLICA, forget_replica_health
from tests.core.pg_replication import DATABASE, StreamingPair
from tests.factories import operator_user
from tests.stats.report_cells import add
from tests.workers import worker_database_url

pytestmark = pytest.mark.django_db

URL = "/api/v1/stats/report"
QUERY = {"group_by": "", "date_from": "2025-01", "date_to": "2025-12", "compare": "false"}
METRICS_TOKEN = "replica-test-metrics-token"


@pytest.fixture(autouse=True)
def _metrics_token(settings: Any) -> None:
    settings.METRICS_TOKEN = METRICS_TOKEN


@pytest.fixture
def pair(settings: Any) -> Iterator[StreamingPair]:
    """The primary and standby, with ``default`` on the primary and ``replica`` on the standby meanwhile.

    The test database's own connection (inside the test's transaction) is put back afterwards, untouched."""
    settings.DATABASE_REPLICA_CHECK_SECONDS = 0
    settings.DATABASE_REPLICA_MAX_LAG_SECONDS = 3600
    started = StreamingPair()
    test_database = connections["default"]
    wrappers = []
    try:
        # The primary starts from a migrated database with its reference data and nothing else: the migrated
        # template the test databases are cloned from (tests/database_template.py), else the test database.
        source = worker_database_url()
        if template := test_database.settings_dict.get("TEST", {}).get("TEMPLATE"):
            source = source.rsplit("/", 1)[0] + f"/{template}"
        started.start(copy_of=source)
        primary_settings = {
            **test_database.settings_dict,
            "HOST": "127.0.0.1",
            "PORT": str(started.primary_port),
            "NAME": DATABASE,
            "USER": "postgres",
            "PASSWORD": "",
        }
        replica_settings = {
            **primary_settings,
            "PORT": str(started.standby_port),
            "OPTIONS": {**primary_settings["OPTIONS"], "connect_timeout": 2},
        }
        wrappers = [type(test_database)(primary_settings, "default"), type(test_database)(replica_settings, REPLICA)]
        # Set on the handler, not in its settings: Django's test case allows such a connection (the test's
        # database list names only "default"), and apps.core.replica finds it like a configured one.
        connections["default"], connections[REPLICA] = wrappers
        forget_replica_health()
        yield started
    finally:
        forget_replica_health()
        for wrapper in wrappers:
            wrapper.close()
        connections["default"] = test_database
        with contextlib.suppress(AttributeError):
            del connections[REPLICA]
        started.close()


def report(client: Any, **extra: str) -> tuple[str, Any, float]:
    """Where the report was read, its body and how long the request took."""
    started = time.perf_counter()
    response = client.get(URL, {**QUERY, **extra})
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, response.content
    csv = extra.get("format") == "csv"
    body = b"".join(response.streaming_content).decode("utf-8-sig") if csv else response.json()
    return response["X-Read-From"], body, elapsed


def totals(body: dict[str, Any]) -> tuple[int, str]:
    values = body["totals"]["values"]
    return values["contract_count"], values["contract_amount"]


def scrape(client: Any) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    response = APIClient().get("/metrics", HTTP_AUTHORIZATION=f"Bearer {METRICS_TOKEN}")
    assert response.status_code == 200
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def test_reports_come_from_the_replica_and_from_the_primary_when_it_lags_or_is_down(pair, client_for, settings):
    client = client_for(operator_user())
    add("2025-03", amount="1000.00", count=2)
    pair.wait_replayed()

    source, body, replica_seconds = report(client)
    assert (source, totals(body)) == ("replica", (2, "1000.00"))
    before = scrape(client)
    assert before[("market_replica_usable", frozenset())] == 1
    assert before[("market_replica_lag_seconds", frozenset())] == 0

    # Replay paused, a contract added on the primary: within the bound the replica still answers, with
    # yesterday's figures (the reads really are the standby's) — the JSON report and the streamed CSV alike.
    pair.standby_sql("SELECT pg_wal_replay_pause()")
    add("2025-04", amount="500.00", count=1)
    written = time.perf_counter()
    source, body, _ = report(client)
    assert (source, totals(body)) == ("replica", (2, "1000.00"))
    source, csv_text, _ = report(client, format="csv")
    assert source == "replica"
    assert "0.10" in csv_text and "0.15" not in csv_text  # 1,000 yuan = 0.10 万元; 1,500 would be 0.15

    # Beyond the bound: the primary answers, with the new contract.
    settings.DATABASE_REPLICA_MAX_LAG_SECONDS = 0.2
    time.sleep(0.25)  # the standby's last replayed commit is older than the bound by now
    source, body, primary_seconds = report(client)
    detected = time.perf_counter() - written
    assert (source, totals(body)) == ("primary", (3, "1500.00"))
    lagging = scrape(client)
    assert lagging[("market_replica_usable", frozenset())] == 0
    assert lagging[("market_replica_lag_seconds", frozenset())] > 0.2
    reads = "market_replica_reads_total"
    primary_lagging = frozenset({("source", "primary"), ("reason", "lagging")})
    assert lagging[(reads, primary_lagging)] == before.get((reads, primary_lagging), 0) + 1

    # Replay resumed: the replica catches up and answers again.
    pair.standby_sql("SELECT pg_wal_replay_resume()")
    caught_up = pair.wait_replayed()
    source, body, _ = report(client)
    assert (source, totals(body)) == ("replica", (3, "1500.00"))

    # The standby stops while its last check said healthy (checks every minute now): the query fails on
    # the replica and the report is read again from the primary; the replica counts as down from then on.
    settings.DATABASE_REPLICA_CHECK_SECONDS = 60
    pair.stop(pair.standby_dir)
    source, body, failed_over_seconds = report(client)
    assert (source, totals(body)) == ("primary", (3, "1500.00"))
    source, body, _ = report(client)
    assert (source, totals(body)) == ("primary", (3, "1500.00"))
    # Measured afresh: refused at once, read from the primary.
    settings.DATABASE_REPLICA_CHECK_SECONDS = 0
    source, body, down_seconds = report(client)
    assert (source, totals(body)) == ("primary", (3, "1500.00"))
    down = scrape(client)
    assert down[(reads, frozenset({("source", "primary"), ("reason", "failed")}))] >= 1
    assert down[(reads, frozenset({("source", "primary"), ("reason", "down")}))] >= 2
    assert down[("market_metrics_source_up", frozenset({("source", "replica")}))] == 1
    assert down[("market_replica_usable", frozenset())] == 0

    print(  # figures for the record (pytest -s); nothing is asserted on them
        "\nreplica test timings:",
        {step: round(seconds, 3) for step, seconds in pair.timings.items()},
        f"report from replica {replica_seconds * 1000:.1f} ms, from primary (lagging) {primary_seconds * 1000:.1f} ms,"
        f" failed over {failed_over_seconds * 1000:.1f} ms, replica down {down_seconds * 1000:.1f} ms;"
        f" lag seen {detected:.2f} s after the write (bound 0.2 s); caught up {caught_up:.3f} s after resume",
    )


def test_without_a_replica_reports_and_exports_read_the_primary(client_for):
    client = client_for(operator_user())
    add("2025-03", amount="1000.00", count=2)
    before = scrape(client)
    source, body, _ = report(client)
    assert (source, totals(body)) == ("primary", (2, "1000.00"))
    export = client.get("/api/v1/contracts/export", {"format": "jsonl"})
    assert (export.status_code, export["X-Read-From"]) == (200, "primary")
    after = scrape(client)
    unconfigured = ("market_replica_reads_total", frozenset({("source", "primary"), ("reason", "unconfigured")}))
    assert after[unconfigured] == before.get(unconfigured, 0) + 2
    assert after[("market_replica_usable", frozenset())] == 0
