from __future__ import annotations

from collections.abc import Iterator

import pytest
import time_machine

from tests.custody.factories import NOW, World, make_world


@pytest.fixture
def custody_today() -> Iterator[None]:
    """The custody API tests run on 2026-12-01 (Asia/Shanghai), so schedules and stages are fixed."""
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture
def world(db: None, custody_today: None) -> World:
    return make_world()
