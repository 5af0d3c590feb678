from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from apps.accounts.models import User
from apps.accounts.tokens import MarketRefreshToken
from tests.database_template import build_template, django_db_modify_db_settings  # noqa: F401 - overrides pytest-django's


@pytest.fixture(autouse=True)
def _clean_cache() -> Iterator[None]:
    """Throttle counters and cached values live in Redis: every test starts from an empty cache."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language() -> None:
    """Every test starts in the site's default language. A request through LocaleMiddleware leaves the
    language it chose active in the thread (a server activates one per request anyway), so a test that ran
    after an English request on the same xdist worker read English where it expected Chinese."""
    from django.conf import settings as django_settings
    from django.utils import translation

    translation.activate(django_settings.LANGUAGE_CODE)


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


# --- tests leave the work tree as they found it ---------------------------------------------------

_ROOT = Path(__file__).resolve().parents[1]


def _dirty_tracked_files() -> set[str] | None:
    """Tracked files that differ from the index (None outside a git checkout)."""
    try:
        out = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],  # noqa: S607 - the developer's git
            cwd=_ROOT,
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return {line[3:] for line in out.splitlines() if line.strip()}


def pytest_sessionstart(session: pytest.Session) -> None:
    build_template(session.config)
    # On in CI (a clean clone nobody edits meanwhile) or on request; a developer editing files while the
    # suite runs would otherwise see their own edits reported.
    if os.environ.get("CI") or os.environ.get("CHECK_WORK_TREE"):
        session.config.stash[_DIRTY_AT_START] = _dirty_tracked_files()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """A test that rewrites a tracked file (a screenshot, a fixture …) fails the run."""
    before = session.config.stash.get(_DIRTY_AT_START, None)
    after = _dirty_tracked_files()
    if before is None or after is None:
        return
    rewritten = sorted(after - before)
    if rewritten:
        session.config.get_terminal_writer().line(
            f"tests rewrote tracked files (write to var/ instead): {', '.join(rewritten)}", red=True
        )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


_DIRTY_AT_START = pytest.StashKey[set[str] | None]()
