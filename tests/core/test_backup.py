"""deploy/backup.py: the restore drill on the test database, and that it notices a difference.

The drill backs the test database and a media directory up (pg_dump custom format, a tar of the files, a
manifest of row counts and checksums), restores both into a fresh database and directory, and compares.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def _load_backup_module():
    spec = importlib.util.spec_from_file_location("market_backup", ROOT / "deploy" / "backup.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["market_backup"] = module
    spec.loader.exec_module(module)
    return module


backup = _load_backup_module()


@pytest.fixture
def database_url(db) -> str:
    db = connection.settings_dict  # the test database's name, after pytest-django set it up
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


def test_the_drill_restores_an_identical_copy_and_catches_a_difference(database_url, tmp_path, capsys):
    media = tmp_path / "media"
    (media / "listings" / "2026").mkdir(parents=True)
    (media / "listings" / "2026" / "成果说明.pdf").write_bytes(b"%PDF-1.7 " + bytes(range(256)) * 40)
    (media / "contracts.txt").write_text("合同扫描件")
    drill_url = backup.with_database(database_url, f"{backup.database_name(database_url)}_drill_test")
    drill_media = tmp_path / "restored-media"
    try:
        code = backup.drill(
            database_url, media, tmp_path / "backups", keep=True, drill_url=drill_url, drill_media=drill_media
        )
        out = capsys.readouterr().out
        assert code == 0, out
        assert "0 difference(s)" in out
        (made,) = list((tmp_path / "backups").iterdir())
        manifest = json.loads((made / "manifest.json").read_text())
        assert {"database.dump", "media.tar.gz", "manifest.json"} <= {p.name for p in made.iterdir()}
        # the migration records are committed in the test database whatever the tests before did
        applied = manifest["database"]["tables"]["public.django_migrations"]
        assert applied["rows"] == len(manifest["database"]["migrations"]) > 30
        assert manifest["media"]["listings/2026/成果说明.pdf"]["bytes"] == 9 + 256 * 40
        assert "core.0001_initial" in manifest["database"]["migrations"]

        # One changed row and one changed file in the restored copy: the comparison names both.
        conn = backup.connect(drill_url)
        with conn, conn.cursor() as cur:
            cur.execute(
                "UPDATE django_migrations SET applied = applied + interval '1 second' WHERE name = '0001_initial'"
            )
        conn.close()
        (drill_media / "contracts.txt").write_text("合同扫描件（改）")
        assert backup.verify(made, drill_url, drill_media) == 2
        out = capsys.readouterr().out
        assert "public.django_migrations" in out and "DIFFERS" in out
        assert "contracts.txt" in out
        assert "2 difference(s)" in out

        # The restore refuses a database that has tables, and an unfinished one never replaces data silently.
        with pytest.raises(backup.RefusedError, match="not empty"):
            backup.restore(made, drill_url, None)
    finally:
        backup.drop_database(drill_url)


def test_a_backup_restores_onto_a_newer_postgresql_with_the_same_rows(database_url, tmp_path, monkeypatch):
    """Moving to a new machine: the backup of the test database (this machine's PostgreSQL and pg_dump) is
    restored by the PostgreSQL that make run embeds, a newer major version, and verifies with no difference
    in any table's rows or sequence. The source's column options that PostgreSQL does not define (this
    machine's server keeps one on every column) are left out of the schema; the newer server refuses them."""
    from tests.core.pg_replication import StreamingPair

    media = tmp_path / "media"
    (media / "ip").mkdir(parents=True)
    (media / "ip" / "专利证书.pdf").write_bytes(b"%PDF-1.7 " + bytes(range(256)))
    made = backup.backup(database_url, media, tmp_path / "backups")
    manifest = json.loads((made / "manifest.json").read_text())
    server = StreamingPair()
    try:
        target = server.start_primary()
        monkeypatch.setenv("PG_BIN", str(server.bin))  # the newer server's client programs
        restored_media = tmp_path / "restored-media"
        backup.restore(made, target, restored_media)
        conn = backup.connect(target)
        try:
            with conn.cursor() as cur:
                cur.execute("SHOW server_version_num")
                newer = int(cur.fetchone()[0])
                cur.execute("SELECT count(*) FROM pg_attribute WHERE attoptions IS NOT NULL AND attnum > 0")
                options = cur.fetchone()[0]
        finally:
            conn.close()
        assert newer // 10000 > int(manifest["database"]["server_version"].split(".")[0])
        assert options == 0
        assert backup.verify(made, target, restored_media) == 0
        assert manifest["database"]["tables"]["public.django_migrations"]["rows"] > 30
    finally:
        server.close()


def test_portable_sql_keeps_the_column_options_postgresql_defines():
    script = [
        "CREATE TABLE public.t (id integer);\n",
        "ALTER TABLE ONLY public.t ALTER COLUMN id SET (pg_attver=1380022088);\n",
        "ALTER TABLE ONLY public.t ALTER COLUMN id SET (n_distinct='-1', pg_attver=7);\n",
        'ALTER TABLE public."两 字" ALTER COLUMN "名 称" SET (n_distinct_inherited=100);\n',
    ]
    assert list(backup.portable_sql(script)) == [
        "CREATE TABLE public.t (id integer);\n",
        "ALTER TABLE ONLY public.t ALTER COLUMN id SET (n_distinct='-1');\n",
        'ALTER TABLE public."两 字" ALTER COLUMN "名 称" SET (n_distinct_inherited=100);\n',
    ]


def test_the_command_line_refuses_a_non_empty_target(database_url, tmp_path, capsys):
    (tmp_path / "fake").mkdir()
    (tmp_path / "fake" / "manifest.json").write_text("{}")
    assert backup.main(["restore", str(tmp_path / "fake"), "--target-url", database_url]) == 2
    assert "is not empty" in capsys.readouterr().err
