from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from apps.accounts.models import User
from apps.accounts.tokens import MarketRefreshToken


@pytest.fixture(autouse=True)
def _clean_cache() -> Iterator[None]:
    """Throttle counters and cached values live in Redis: every test starts from an empty cache."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: pytest.FixtureRequest) -> None:
    """Full-strength PBKDF2 costs ~0.3 s per hash; tests hash hundreds of passwords."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def _email_backend(settings: pytest.FixtureRequest) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # type: ignore[attr-defined]


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def client_for() -> Callable[[User], APIClient]:
    """An API client logged in as ``user`` with a fresh JWT access token."""

    def make(user: User) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {MarketRefreshToken.for_user(user).access_token}")
        return client

    return make


@pytest.fixture
def throttle_rates(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """Tighten DRF throttle rates for one test (DRF reads them once at import)."""
    from rest_framework.throttling import SimpleRateThrottle

    def set_rates(**rates: str) -> None:
        monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {**SimpleRateThrottle.THROTTLE_RATES, **rates})

    return set_rates


@pytest.fixture
def celery_eager(settings: pytest.FixtureRequest) -> None:
    """Run queued tasks in-process for one test (the queueing code path stays the real one).

    For behaviour that depends on the worker itself, tests/notifications/test_worker.py runs a real
    worker over Redis.
    """
    from marketplace.celery import app as celery_app

    settings.CELERY_TASK_ALWAYS_EAGER = True  # type: ignore[attr-defined]
    settings.CELERY_TASK_EAGER_PROPAGATES = True  # type: ignore[attr-defined]
    assert celery_app.conf.task_always_eager is True


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Transactional tests flush the database when they end, reference data included.

    Each one must therefore ask for ``serialized_rollback=True``, which reloads the migrated data
    (regions, entity types, fields …) before it runs; a test that forgets fails loudly here.
    """
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker and marker.kwargs.get("transaction") and not marker.kwargs.get("serialized_rollback"):
            raise pytest.UsageError(
                f"{item.nodeid}: use pytest.mark.django_db(transaction=True, serialized_rollback=True)"
            )
