"""Replicas of the worker converge on one match index: two real ``celery worker`` processes consuming the same
queue over RabbitMQ (the production broker), each with its own in-memory index (apps.matching.serving).

Both report what they serve; the operator reads it at ``GET /api/v1/matching/index-status``. A listing
published through the services reaches the change log through one worker (the ``matching.listings_changed``
effect); the other never gets a message about it, yet both report the new version and the fingerprint of an
index built here from scratch within a few sync intervals.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from apps.matching import index_state, serving
from tests.factories import OrganizationFactory, member_of, operator_user
from tests.matching.factories import GEAR_ACHIEVEMENT, draft_achievement, publish
from tests.workers import _reset_broker_connections, celery_workers, use_broker

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.timeout(180),
]

SYNC_SECONDS = 0.3


def _wait_for_status(read: Callable[[], dict[str, Any]], accept: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    status = read()
    while not accept(status):
        assert time.monotonic() < deadline, status
        time.sleep(0.2)
        status = read()
    return status


@pytest.fixture
def rabbitmq(settings: Any) -> Iterator[None]:
    """The production broker for this test (the suite's default is Redis)."""
    use_broker(settings, "rabbitmq")
    yield
    _reset_broker_connections()


@pytest.mark.usefixtures("rabbitmq")
def test_two_worker_replicas_converge_on_the_version_and_fingerprint(settings, tmp_path: Path, client_for):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.MATCHING_SYNC_SECONDS = SYNC_SECONDS
    serving._client().delete(serving.registry_key())
    operator = operator_user()
    university = OrganizationFactory(name="广西科技大学", type="university", entity_type_id="022")
    owner = member_of(university)
    client = client_for(operator)

    def read() -> dict[str, Any]:
        response = client.get("/api/v1/matching/index-status")
        assert response.status_code == 200, response.content
        return response.json()

    logs = [tmp_path / "replica0.log", tmp_path / "replica1.log"]
    with celery_workers(
        queues=["celery", "celery"], name="replica", logs=logs, env={"MATCHING_SYNC_SECONDS": str(SYNC_SECONDS)}
    ) as workers:
        before = _wait_for_status(read, lambda s: len(s["processes"]) == 2 and s["agree"])
        assert {p["process"].rsplit(":", 1)[1] for p in before["processes"]} == {str(w.pid) for w in workers}
        assert {p["achievements"] for p in before["processes"]} == {0}

        publish(draft_achievement(university, **GEAR_ACHIEVEMENT), owner_user=owner, operator=operator)

        after = _wait_for_status(
            read, lambda s: s["latest_version"] > before["latest_version"] and len(s["processes"]) == 2 and s["agree"]
        )
        fresh = index_state.ServedIndex.build()
        assert after["latest_version"] == index_state.current_version()
        assert {(p["version"], p["fingerprint"], p["achievements"]) for p in after["processes"]} == {
            (after["latest_version"], fresh.fingerprint(), 1)
        }
        assert fresh.fingerprint() != before["processes"][0]["fingerprint"]
        # One replica ran the effect that logged the change; both converged by syncing.
        texts = [log.read_text(errors="replace") for log in logs]
        assert any("core.run_effect" in text and "succeeded" in text for text in texts), [t[-1500:] for t in texts]

        # Workers that die without a word (SIGKILL) drop out once their entries go stale (three sync intervals,
        # at least 3 s): nobody serves, so nothing agrees.
        for worker in workers:
            worker.kill()
            worker.wait(timeout=10)
        stopped = _wait_for_status(read, lambda s: not s["processes"])
        assert stopped["agree"] is False

    # Only the operator reads it.
    denied = client_for(owner).get("/api/v1/matching/index-status")
    assert denied.status_code == 403 and denied.json()["code"] == "operator_only", denied.content
