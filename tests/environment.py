"""Test environment defaults, set before Django reads its settings (loaded as a plugin: -p tests.environment).

Tests use the real PostgreSQL and Redis on 127.0.0.1; Redis database 15 keeps test keys
(throttle counters, cache) away from a development server's database 0.
"""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-not-for-production-0123456789")
os.environ.setdefault("DJANGO_DEBUG", "false")
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/marketplace")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("EMAIL_URL", "consolemail://")
os.environ.setdefault("LOG_FORMAT", "text")
os.environ.setdefault("DJANGO_STATIC_MANIFEST", "false")
# The Celery workers tests start do not keep a match index current in the background (building one loads the
# Chinese–English dictionary, seconds of CPU per process); tests/matching/test_index_agreement.py turns it on.
os.environ.setdefault("MATCHING_SYNC_SECONDS", "0")

# Under pytest-xdist (`make test` runs two workers) each worker gets its own test database (pytest-django
# appends _gw0, _gw1 …) and its own Redis database: the suite's number minus the worker's index, so
# throttle counters, the cache, the Celery broker and result keys of one worker never meet the other's.
if (_worker := os.environ.get("PYTEST_XDIST_WORKER", "")).startswith("gw") and _worker[2:].isdigit():
    from urllib.parse import urlsplit, urlunsplit

    _url = urlsplit(os.environ["REDIS_URL"])
    _db = int(_url.path.strip("/") or 0) - int(_worker[2:])
    if _db < 0:
        raise RuntimeError(f"REDIS_URL {os.environ['REDIS_URL']}: no Redis database left for xdist worker {_worker}")
    os.environ["REDIS_URL"] = urlunsplit(_url._replace(path=f"/{_db}"))
