from __future__ import annotations

from collections.abc import Iterator

import pytest

from apps.matching import index_state
from tests.webhooks.receiver import Receiver


@pytest.fixture(autouse=True)
def _webhook_settings(settings: pytest.FixtureRequest) -> None:
    """Deliveries to the receiver on 127.0.0.1 over http; retries after tiny delays."""
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True  # type: ignore[attr-defined]
    settings.WEBHOOKS_RETRY_SCHEDULE_SECONDS = [0.05, 0.1]  # type: ignore[attr-defined]
    settings.WEBHOOKS_TIMEOUT_SECONDS = 5  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def _fresh_local_index() -> Iterator[None]:
    """Publishing listings feeds this process's match index: each test starts from an empty one."""
    index_state.reset_local()
    yield
    index_state.reset_local()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver().start()
    yield running
    running.stop()
