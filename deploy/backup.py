#!/usr/bin/env python3
"""Backups of the database and the uploaded files, their restore, and a restore drill.

    python deploy/backup.py backup  [--out var/backups]            # make backup
    python deploy/backup.py restore BACKUP --target-url URL [--media-root DIR] [--force]   # make restore
    python deploy/backup.py verify  BACKUP --target-url URL [--media-root DIR]
    python deploy/backup.py drill   [--keep]                        # make backup-drill

A backup is a directory ``<out>/<UTC time>/`` with

- ``database.dump``: ``pg_dump --format=custom`` of ``DATABASE_URL`` (one consistent snapshot);
- ``media.tar.gz``: the uploaded files under ``DJANGO_MEDIA_ROOT`` (``var/media`` by default);
- ``manifest.json``: per table its row count and a checksum of its rows (md5 over the md5 of every row's text,
  in sorted order, so it does not depend on physical order), every sequence's value, per uploaded file its
  size and SHA-256, the times, the PostgreSQL and pg_dump versions and the applied migrations.

``restore`` loads a backup into a target database (created if missing; refused if it has tables, unless
``--force``, which drops what the dump holds first) and its files into a media directory (refused if not
empty, unless ``--force``). The schema goes through psql with the column options only the source server
knew left out (PostgreSQL defines ``n_distinct`` and ``n_distinct_inherited``; anything else was set by an
extension there and another server refuses it), so a backup also restores onto a newer PostgreSQL, the way
a database moves to a new machine; the rows and indexes then load in parallel (``pg_restore --jobs``).
``verify`` compares a database and media directory with a backup's manifest. ``drill`` backs up,
restores into a fresh database and media directory, verifies, prints the comparison and exits 1 on any
difference; the drill's database is dropped afterwards unless ``--keep``.

Only the standard library, psycopg2 and PostgreSQL's client programs (``PG_BIN`` chooses their directory;
pg_dump must be at least as new as the server).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

import psycopg2
from psycopg2 import sql

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/marketplace"
MANIFEST = "manifest.json"
DUMP = "database.dump"
MEDIA = "media.tar.gz"
SYSTEM_SCHEMAS = ("pg_catalog", "information_schema", "pg_toast")


# --- connections ----------------------------------------------------------------------------------


def connect(url: str) -> Any:
    parts = urlsplit(url)
    return psycopg2.connect(
        dbname=unquote(parts.path.lstrip("/")) or "postgres",
        user=unquote(parts.username or "") or None,
        password=unquote(parts.password or "") or None,
        host=parts.hostname or None,
        port=parts.port or None,
        connect_timeout=10,
    )


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def database_name(url: str) -> str:
    return unquote(urlsplit(url).path.lstrip("/"))


def pg_program(name: str) -> str:
    directory = os.environ.get("PG_BIN")
    return str(Path(directory) / name) if directory else name


def pg_env(url: str) -> dict[str, str]:
    """libpq's environment for the client programs (keeps the password off the command line)."""
    parts = urlsplit(url)
    env = {**os.environ, "PGDATABASE": database_name(url)}
    for key, value in (
        ("PGHOST", parts.hostname),
        ("PGPORT", str(parts.port) if parts.port else None),
        ("PGUSER", unquote(parts.username or "")),
        ("PGPASSWORD", unquote(parts.password or "")),
    ):
        if value:
            env[key] = value
    return env


# --- the manifest -----------------------------------------------------------------------------------


# A row's text depends on the session's settings (a timestamptz is written in the session's time zone): the
# checksums are taken under these, so two servers set up differently agree on the same rows. Manifests of
# format 1 were taken under the server's own settings.
MANIFEST_FORMAT = 2
PORTABLE_SESSION = (
    "SET TIME ZONE 'UTC'",
    "SET DateStyle = 'ISO, YMD'",
    "SET IntervalStyle = 'postgres'",
    "SET extra_float_digits = 1",
    "SET bytea_output = 'hex'",
)


def database_manifest(url: str, *, manifest_format: int = MANIFEST_FORMAT) -> dict[str, Any]:
    """Row counts and checksums of every table, sequence values, versions and applied migrations."""
    with connect(url) as conn, conn.cursor() as cur:
        cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        if manifest_format >= 2:
            for statement in PORTABLE_SESSION:
                cur.execute(statement)
        cur.execute(
            "SELECT n.nspname, c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE c.relkind IN ('r', 'p', 'S') AND n.nspname <> ALL(%s) AND n.nspname NOT LIKE 'pg_temp%%'"
            " ORDER BY 1, 2",
            [list(SYSTEM_SCHEMAS)],
        )
        relations = cur.fetchall()
        tables: dict[str, dict[str, Any]] = {}
        sequences: dict[str, int] = {}
        for schema, name, kind in relations:
            ident = sql.Identifier(schema, name)
            key = f"{schema}.{name}"
            if kind == "S":
                cur.execute(sql.SQL("SELECT last_value, is_called FROM {}").format(ident))
                value, called = cur.fetchone()
                sequences[key] = int(value) if called else int(value) - 1
                continue
            cur.execute(
                sql.SQL(
                    "SELECT count(*), coalesce(md5(string_agg(h, '' ORDER BY h)), md5(''))"
                    " FROM (SELECT md5(t::text) AS h FROM {} t) rows"
                ).format(ident)
            )
            count, checksum = cur.fetchone()
            tables[key] = {"rows": int(count), "checksum": checksum}
        cur.execute("SHOW server_version")
        server_version = cur.fetchone()[0]
        migrations: list[str] = []
        if "public.django_migrations" in tables:
            cur.execute("SELECT app || '.' || name FROM django_migrations ORDER BY app, name")
            migrations = [row[0] for row in cur.fetchall()]
    return {"tables": tables, "sequences": sequences, "server_version": server_version, "migrations": migrations}


def media_manifest(media_root: Path) -> dict[str, dict[str, Any]]:
    files: dict[str, dict[str, Any]] = {}
    if not media_root.is_dir():
        return files
    for path in sorted(p for p in media_root.rglob("*") if p.is_file()):
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        files[path.relative_to(media_root).as_posix()] = {"bytes": path.stat().st_size, "sha256": digest.hexdigest()}
    return files


def tool_version(program: str) -> str:
    result = subprocess.run([pg_program(program), "--version"], capture_output=True, text=True, check=True)
    return result.stdout.strip()


def git_commit() -> str | None:
    try:
        result = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout.strip() or None


# --- backup, restore, verify -------------------------------------------------------------------------


def now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")


def backup(url: str, media_root: Path, out: Path) -> Path:
    started = time.monotonic()
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    target = out / stamp
    target.mkdir(parents=True)
    started_at = now()
    # The manifest is read before the dump: both see the same data only on a quiet database (the drill,
    # a maintenance window). On a live one the dump is still consistent in itself; verify then reports
    # the rows written in between.
    manifest: dict[str, Any] = {
        "format": MANIFEST_FORMAT,
        "started_at": started_at,
        "source_database": database_name(url),
    }
    manifest["database"] = database_manifest(url)
    subprocess.run(
        [pg_program("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", "--file", str(target / DUMP)],
        env=pg_env(url),
        check=True,
    )
    with tarfile.open(target / MEDIA, "w:gz") as tar:
        if media_root.is_dir():
            for path in sorted(media_root.iterdir()):
                tar.add(path, arcname=path.name)
    manifest["media"] = media_manifest(media_root)
    manifest.update(
        finished_at=now(),
        seconds=round(time.monotonic() - started, 3),
        pg_dump=tool_version("pg_dump"),
        app_commit=git_commit(),
        sizes={name: (target / name).stat().st_size for name in (DUMP, MEDIA)},
    )
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return target


class RefusedError(Exception):
    pass


def _target_has_tables(url: str) -> bool:
    with connect(url) as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE c.relkind IN ('r', 'p') AND n.nspname <> ALL(%s)",
            [list(SYSTEM_SCHEMAS)],
        )
        return bool(cur.fetchone()[0])


def create_database(url: str) -> bool:
    """Create the URL's database if it does not exist; True if created."""
    name = database_name(url)
    conn = connect(with_database(url, "postgres"))
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cur.fetchone():
                return False
            cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            return True
    finally:
        conn.close()


def drop_database(url: str) -> None:
    conn = connect(with_database(url, "postgres"))
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database_name(url))))
    finally:
        conn.close()


# Column options PostgreSQL itself defines; pg_dump writes each column's options as one statement per line.
POSTGRES_COLUMN_OPTIONS = frozenset({"n_distinct", "n_distinct_inherited"})
_COLUMN_OPTIONS = re.compile(r"^(ALTER TABLE (?:ONLY )?.+ ALTER COLUMN .+ SET \()([^()]*)(\);)$")


def portable_sql(lines: Iterable[str]) -> Iterator[str]:
    """A restore script's lines without the column options PostgreSQL does not define (see the module doc)."""
    for line in lines:
        found = _COLUMN_OPTIONS.match(line.rstrip("\n"))
        if found:
            kept = [o for o in found.group(2).split(", ") if o.split("=", 1)[0].strip() in POSTGRES_COLUMN_OPTIONS]
            if not kept:
                continue
            line = f"{found.group(1)}{', '.join(kept)}{found.group(3)}\n"
        yield line


def _restore_script(dump: Path, target_url: str, options: list[str]) -> None:
    """``pg_restore`` of ``dump`` with ``options`` as SQL, made portable, run by psql (stops at the first error)."""
    source = subprocess.Popen(
        [pg_program("pg_restore"), "--no-owner", "--no-privileges", *options, "--file", "-", str(dump)],
        stdout=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    )
    sink = subprocess.Popen(
        [pg_program("psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "--dbname", database_name(target_url)],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        encoding="utf-8",
        env=pg_env(target_url),
    )
    assert source.stdout is not None and sink.stdin is not None  # noqa: S101 - both are pipes
    try:
        for line in portable_sql(source.stdout):
            sink.stdin.write(line)
    except BrokenPipeError:
        pass  # psql stopped at an error: its exit status says so below
    finally:
        with contextlib.suppress(BrokenPipeError):
            sink.stdin.close()
    codes = source.wait(), sink.wait()
    if codes != (0, 0):
        raise subprocess.CalledProcessError(codes[0] or codes[1], ["pg_restore", *options, "|", "psql"])


def restore(backup_dir: Path, target_url: str, media_root: Path | None, *, force: bool = False, jobs: int = 2) -> float:
    """Load the backup; return the seconds it took. Refuses a target with tables (or files) unless forced."""
    started = time.monotonic()
    if not (backup_dir / MANIFEST).is_file():
        raise RefusedError(f"{backup_dir} is not a backup (no {MANIFEST})")
    created = create_database(target_url)
    if not created and _target_has_tables(target_url) and not force:
        raise RefusedError(f"database {database_name(target_url)} is not empty: restore into a new one, or --force")
    if media_root is not None and media_root.is_dir() and any(media_root.iterdir()) and not force:
        raise RefusedError(f"{media_root} is not empty: restore into an empty directory, or --force")
    dump = backup_dir / DUMP
    if force and not created:
        # Dropping what the dump holds first runs in dependency order over all sections: one script.
        _restore_script(dump, target_url, ["--clean", "--if-exists", "--exit-on-error"])
    else:
        _restore_script(dump, target_url, ["--section=pre-data"])
        subprocess.run(
            [pg_program("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error", f"--jobs={jobs}",
             "--section=data", "--section=post-data", "--dbname", database_name(target_url), str(dump)],
            env=pg_env(target_url),
            check=True,
        )  # fmt: skip
    if media_root is not None:
        if force and media_root.is_dir():
            shutil.rmtree(media_root)
        media_root.mkdir(parents=True, exist_ok=True)
        with tarfile.open(backup_dir / MEDIA, "r:gz") as tar:
            tar.extractall(media_root, filter="data")
    return time.monotonic() - started


def compare(expected: dict[str, Any], url: str, media_root: Path | None) -> list[tuple[str, str, str, str]]:
    """Rows (kind, name, expected, found) for the whole manifest; a row differs when expected != found."""
    found_db = database_manifest(url, manifest_format=int(expected.get("format", 1)))
    rows: list[tuple[str, str, str, str]] = []
    exp_tables, got_tables = expected["database"]["tables"], found_db["tables"]
    for name in sorted(set(exp_tables) | set(got_tables)):
        exp, got = exp_tables.get(name), got_tables.get(name)
        rows.append(
            (
                "table",
                name,
                f"{exp['rows']} rows {exp['checksum'][:10]}" if exp else "(missing)",
                f"{got['rows']} rows {got['checksum'][:10]}" if got else "(missing)",
            )
        )
    exp_seq, got_seq = expected["database"]["sequences"], found_db["sequences"]
    for name in sorted(set(exp_seq) | set(got_seq)):
        rows.append(("sequence", name, str(exp_seq.get(name, "(missing)")), str(got_seq.get(name, "(missing)"))))
    if media_root is not None:
        exp_media, got_media = expected["media"], media_manifest(media_root)
        for name in sorted(set(exp_media) | set(got_media)):
            exp, got = exp_media.get(name), got_media.get(name)
            rows.append(
                (
                    "file",
                    name,
                    f"{exp['bytes']} B {exp['sha256'][:10]}" if exp else "(missing)",
                    f"{got['bytes']} B {got['sha256'][:10]}" if got else "(missing)",
                )
            )
    return rows


def report(rows: list[tuple[str, str, str, str]], *, all_rows: bool = False) -> int:
    """Print the comparison (every row, or only the differences); return the number of differences."""
    differences = [row for row in rows if row[2] != row[3]]
    shown = rows if all_rows else differences
    if shown:
        width = max(len(row[1]) for row in shown)
        print(f"{'kind':8}  {'name':{width}}  {'backup':28}  {'restored':28}  ")
        for kind, name, exp, got in shown:
            print(f"{kind:8}  {name:{width}}  {exp:28}  {got:28}  {'DIFFERS' if exp != got else 'ok'}")
    counts: dict[str, int] = {}
    for row in rows:
        counts[row[0]] = counts.get(row[0], 0) + 1
    summary = ", ".join(f"{n} {kind}s" for kind, n in counts.items())
    print(f"compared {summary}: {len(differences)} difference(s)")
    return len(differences)


def verify(backup_dir: Path, target_url: str, media_root: Path | None, *, all_rows: bool = False) -> int:
    manifest = json.loads((backup_dir / MANIFEST).read_text(encoding="utf-8"))
    return report(compare(manifest, target_url, media_root), all_rows=all_rows)


def drill(
    url: str,
    media_root: Path,
    out: Path,
    *,
    keep: bool = False,
    all_rows: bool = False,
    drill_url: str | None = None,
    drill_media: Path | None = None,
) -> int:
    """Back up, restore into a fresh database and media directory, compare; 1 on any difference."""
    backup_dir = backup(url, media_root, out)
    manifest = json.loads((backup_dir / MANIFEST).read_text(encoding="utf-8"))
    drill_url = drill_url or with_database(url, f"{database_name(url)}_drill_{os.getpid()}")
    drill_media = drill_media or Path(tempfile.mkdtemp(prefix="market-drill-media-"))
    drop_database(drill_url)
    try:
        seconds = restore(backup_dir, drill_url, drill_media, force=False)
        differences = report(compare(manifest, drill_url, drill_media), all_rows=all_rows)
        total_rows = sum(t["rows"] for t in manifest["database"]["tables"].values())
        print(
            f"backup {backup_dir}: {manifest['seconds']:.2f} s, dump {manifest['sizes'][DUMP]:,} B, media "
            f"{manifest['sizes'][MEDIA]:,} B ({len(manifest['media'])} files); restore {seconds:.2f} s; "
            f"{len(manifest['database']['tables'])} tables, {total_rows:,} rows"
        )
        if keep:
            print(f"kept: {drill_url.split('@')[-1]} and {drill_media}")
        return 1 if differences else 0
    finally:
        if not keep:
            drop_database(drill_url)
            shutil.rmtree(drill_media, ignore_errors=True)


# --- command line -------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument(
        "--media-root", type=Path, default=Path(os.environ.get("DJANGO_MEDIA_ROOT", ROOT / "var" / "media"))
    )
    parser.add_argument("--out", type=Path, default=Path(os.environ.get("BACKUP_DIR", ROOT / "var" / "backups")))
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("backup", help="dump the database and the uploaded files with a manifest")
    for name in ("restore", "verify"):
        sub = commands.add_parser(name)
        sub.add_argument("backup", type=Path)
        sub.add_argument("--target-url", required=True)
        sub.add_argument("--target-media-root", type=Path, default=None)
        sub.add_argument("--all", action="store_true", help="print every compared item, not only differences")
        if name == "restore":
            sub.add_argument("--force", action="store_true", help="replace what the target holds")
            sub.add_argument("--jobs", type=int, default=2)
    sub = commands.add_parser("drill", help="backup, restore into a fresh database, compare")
    sub.add_argument("--keep", action="store_true", help="keep the drill's database and media directory")
    sub.add_argument("--all", action="store_true", help="print every compared item, not only differences")
    args = parser.parse_args(argv)

    try:
        if args.command == "backup":
            print(backup(args.database_url, args.media_root, args.out))
            return 0
        if args.command == "restore":
            seconds = restore(args.backup, args.target_url, args.target_media_root, force=args.force, jobs=args.jobs)
            print(f"restored {args.backup} in {seconds:.2f} s")
            return 1 if verify(args.backup, args.target_url, args.target_media_root, all_rows=args.all) else 0
        if args.command == "verify":
            return 1 if verify(args.backup, args.target_url, args.target_media_root, all_rows=args.all) else 0
        return drill(args.database_url, args.media_root, args.out, keep=args.keep, all_rows=args.all)
    except RefusedError as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
