from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """The demo contracts carry signed PDF documents: keep them out of var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"
