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
