"""What the database benchmarks share: the Django environment of a measuring process and an
administrative connection for creating and dropping their databases."""

from __future__ import annotations

import os
from typing import Any


def django_env(database_url: str, redis_url: str, *, name: str) -> dict[str, str]:
    """The environment of a process that measures against ``database_url`` (no query log, quiet logs)."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "DJANGO_SETTINGS_MODULE": "marketplace.settings",
        "DJANGO_DEBUG": "0",  # no query log: the measurement's memory is its own
        "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY", f"bench-{name}-not-secret"),
        "LOG_LEVEL": "WARNING",
    }


def setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    import django

    django.setup()


def admin_connection(url: str) -> Any:
    """An autocommit connection to the ``postgres`` database of the server ``url`` points at."""
    import psycopg2

    base, _name = url.rsplit("/", 1)
    conn = psycopg2.connect(f"{base}/postgres")
    conn.autocommit = True
    return conn
