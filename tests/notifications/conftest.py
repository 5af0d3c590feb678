from __future__ import annotations

import pytest

from marketplace.celery import app as celery_app


@pytest.fixture
def celery_eager(settings: pytest.FixtureRequest) -> None:
    """Run queued tasks in-process for one test. The Celery app reads its settings live from Django's."""
    settings.CELERY_TASK_ALWAYS_EAGER = True  # type: ignore[attr-defined]
    settings.CELERY_TASK_EAGER_PROPAGATES = True  # type: ignore[attr-defined]
    assert celery_app.conf.task_always_eager is True
