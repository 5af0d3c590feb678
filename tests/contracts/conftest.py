from __future__ import annotations

import pytest

from tests.deals.factories import DealWorld


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def world(db) -> DealWorld:
    return DealWorld()
