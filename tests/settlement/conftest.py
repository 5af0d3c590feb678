from __future__ import annotations

import pytest

from tests.deals.factories import DealWorld


@pytest.fixture
def world(db) -> DealWorld:
    return DealWorld()
