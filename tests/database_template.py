"""Test databases cloned from a migrated template instead of migrating each one.

Every xdist worker used to run all migrations into its own test database (about 50 s each). Now the
first worker to arrive migrates one template database, named after a digest of everything migrating
reads (every installed app's migration files, the reference data they load, the Django version), and
each worker's test database is ``CREATE DATABASE … TEMPLATE`` of it, which takes a second. The
template stays on the server: the next run with the same migrations skips migrating altogether, and a
changed migration or data file gives a new digest, so a new template (the old ones are dropped).

Django still runs ``migrate`` on the clone (a no-op that finds every migration applied) and its
``post_migrate`` handlers. ``TEST_DB_TEMPLATE=0`` turns this off; ``--nomigrations`` bypasses it.
"""

from __future__ import annotations

import hashlib
import importlib
import os
from pathlib import Path
from typing import Any

import pytest

_ROOT = Path(__file__).resolve().parents[1]


def _digest() -> str:
    import django
    from django.apps import apps
    from django.db.migrations.loader import MigrationLoader

    digest = hashlib.sha256(django.get_version().encode())
    files = set()
    for app_config in apps.get_app_configs():
        module_name, _explicit = MigrationLoader.migrations_module(app_config.label)
        if module_name is None:
            continue
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        for directory in getattr(module, "__path__", []):
            files.update(Path(directory).glob("*.py"))
    files.update(path for path in (_ROOT / "apps" / "reference" / "data").rglob("*") if path.is_file())
    for path in sorted(files):
        digest.update(str(path.relative_to(_ROOT) if path.is_relative_to(_ROOT) else path.name).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _maintenance_connection(database: dict[str, Any]) -> Any:
    import psycopg2

    connection = psycopg2.connect(
        dbname="postgres",
        user=database.get("USER") or None,
        password=database.get("PASSWORD") or None,
        host=database.get("HOST") or None,
        port=database.get("PORT") or None,
    )
    connection.autocommit = True
    return connection


def _exists(cursor: Any, name: str) -> bool:
    cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
    return cursor.fetchone() is not None


def _migrate_into(name: str) -> None:
    from django.core.management import call_command
    from django.db import connections

    connection = connections["default"]
    original = connection.settings_dict["NAME"]
    connection.close()
    connection.settings_dict["NAME"] = name
    try:
        call_command("migrate", verbosity=0, interactive=False, run_syncdb=True)
    finally:
        connection.close()
        connection.settings_dict["NAME"] = original


def ensure_template(database: dict[str, Any]) -> str:
    """The migrated template's name, building it (once, under an advisory lock) when missing."""
    base = str(database["NAME"])[:30]
    template = f"tpl_{base}_{_digest()}"
    building = f"{template}_building"
    quote = '"{}"'.format
    # Not `with connection:`: since psycopg2 2.9 that opens a transaction even in autocommit mode,
    # and CREATE/DROP DATABASE cannot run inside one.
    maintenance = _maintenance_connection(database)
    cursor = maintenance.cursor()
    cursor.execute("SELECT pg_advisory_lock(hashtext(%s))", [f"test-template:{base}"])
    try:
        if not _exists(cursor, template):
            cursor.execute(f"DROP DATABASE IF EXISTS {quote(building)}")
            cursor.execute(f"CREATE DATABASE {quote(building)}")
            _migrate_into(building)
            cursor.execute(f"ALTER DATABASE {quote(building)} RENAME TO {quote(template)}")
            cursor.execute(
                "SELECT datname FROM pg_database WHERE datname LIKE %s AND datname <> %s",
                [f"tpl\\_{base}\\_%", template],
            )
            for (stale,) in cursor.fetchall():
                cursor.execute(f"DROP DATABASE IF EXISTS {quote(stale)}")
    finally:
        cursor.execute("SELECT pg_advisory_unlock(hashtext(%s))", [f"test-template:{base}"])
        maintenance.close()
    return template


def _enabled(config: pytest.Config) -> bool:
    return os.environ.get("TEST_DB_TEMPLATE", "1") != "0" and not config.getvalue("nomigrations")


def build_template(config: pytest.Config) -> None:
    """At session start (outside any test's timeout): make sure the template exists."""
    if not _enabled(config):
        return
    from django.conf import settings
    from pytest_django.plugin import blocking_manager_key

    with config.stash[blocking_manager_key].unblock():
        config.stash[_TEMPLATE] = ensure_template(settings.DATABASES["default"])


_TEMPLATE = pytest.StashKey[str]()


@pytest.fixture(scope="session")
def django_db_modify_db_settings(
    django_db_modify_db_settings_parallel_suffix: None,
    request: pytest.FixtureRequest,
) -> None:
    """After pytest-django's xdist suffix: the test database is created from the template."""
    template = request.config.stash.get(_TEMPLATE, None)
    if template is not None:
        from django.conf import settings

        settings.DATABASES["default"].setdefault("TEST", {})["TEMPLATE"] = template
