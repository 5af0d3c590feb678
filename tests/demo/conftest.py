from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """The demo contracts carry signed PDF documents: keep them out of var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _hand_made_market_only(settings):
    """Only the hand-made market: the three years of history behind it (a hundred contracts through the
    services) are loaded and checked once, by tests/demo/test_demo_history.py."""
    settings.DEMO_HISTORY_MONTHS = 0
