from __future__ import annotations

import pytest

from marketplace.celery import app as celery_app


@pytest.fixture
def celery_eager(settings: pytest.FixtureRequest) -> None:
    """Run queued tasks in-process for one test. The Celery app reads its settings live from Django's."""
    settings.CELERY_TASK_ALWAYS_EAGER = True  # type: ignore[attr-defined]
    settings.CELERY_TASK_EAGER_PROPAGATES = True  # type: ignore[attr-defined]
    assert celery_app.conf.task_always_eager is True


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: pytest.FixtureRequest) -> None:
    """These tests make many users and never check a password: skip PBKDF2's deliberate slowness."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # type: ignore[attr-defined]
