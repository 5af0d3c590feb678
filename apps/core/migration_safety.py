"""Flags migrations that are unsafe to apply while the previous release serves traffic (docs/migrations.md).

Every deploy runs ``migrate`` before the new code replaces the old: for a while the OLD code runs against
the NEW schema, on tables that are being written to. A migration is unsafe when it

- breaks the old code: a NOT NULL column without a database default (the old code's inserts fail), a
  column or table dropped or renamed while the old code still reads it, a changed column type;
- locks a busy table for long: ``CREATE INDEX`` without ``CONCURRENTLY``, a constraint validated under
  ``ACCESS EXCLUSIVE`` (add it ``NOT VALID``, validate in a later migration), ``SET NOT NULL`` (a full scan);
- cannot be undone: ``RunPython``/``RunSQL`` without a reverse.

Migrations that already ran in production are listed in the baseline (``deploy/migration-safety.toml``);
every other one must pass, or carry a reviewed exemption in its file::

    # migration-safety: allow remove-column -- unused since release 2027.03 (#123), reviewed by <name>

naming the finding's code and a reason after ``--``.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.apps import apps as global_apps
from django.contrib.postgres.operations import AddConstraintNotValid, AddIndexConcurrently
from django.db import connection, models
from django.db.migrations import operations as ops
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.migration import Migration
from django.db.migrations.state import ProjectState
from django.db.models.fields import NOT_PROVIDED

CONFIG_PATH = Path(__file__).resolve().parents[2] / "deploy" / "migration-safety.toml"
EXEMPTION = re.compile(r"#\s*migration-safety:\s*allow\s+([a-z,\s-]+?)\s+--\s*(\S.*)$", re.MULTILINE)
CODES = {
    "add-not-null": "adds a NOT NULL column without a database default (db_default): the old code's inserts fail",
    "alter-type": "changes a column's type (rewrites the table under ACCESS EXCLUSIVE; the old code may break)",
    "set-not-null": "sets NOT NULL on an existing column (scans the table under ACCESS EXCLUSIVE; old inserts fail)",
    "remove-column": "drops a column the previous release may still read (deprecate it first: stop using it)",
    "delete-table": "drops a table the previous release may still read (deprecate it first: stop using it)",
    "rename": "renames a column or table the previous release still uses (add, copy, switch, drop instead)",
    "index-not-concurrent": "creates an index on a big table without CONCURRENTLY (blocks writes while it builds)",
    "constraint-validating": (
        "adds a constraint on a big table validated at once (CHECK, foreign key: add it NOT VALID and validate in a "
        "later migration; UNIQUE: build the index CONCURRENTLY, then ADD CONSTRAINT … USING INDEX)"
    ),
    "irreversible": "RunPython/RunSQL without a reverse (the migration cannot be rolled back)",
}


@dataclass(frozen=True)
class Finding:
    migration: str  # app_label.name
    code: str
    detail: str

    def __str__(self) -> str:
        return f"{self.migration}: [{self.code}] {self.detail}: {CODES[self.code]}"


@dataclass
class Config:
    big_tables: set[str]
    baseline: set[str]

    @classmethod
    def load(cls, path: Path = CONFIG_PATH) -> Config:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        return cls(big_tables=set(data.get("big_tables", [])), baseline=set(data.get("baseline", [])))


def exemptions(migration: Migration) -> set[str]:
    """Codes the migration's file allows, each with a reason after ``--``."""
    import sys

    module = sys.modules.get(type(migration).__module__)
    path = getattr(module, "__file__", None)
    if not path:
        return set()
    text = Path(path).read_text(encoding="utf-8")
    allowed: set[str] = set()
    for codes, _reason in EXEMPTION.findall(text):
        allowed.update(code.strip() for code in codes.split(",") if code.strip())
    return allowed


def _table(state: ProjectState, app_label: str, model_name: str) -> str:
    model_state = state.models[app_label, model_name.lower()]
    return str(model_state.options.get("db_table") or f"{app_label}_{model_state.name_lower}")


def _db_type(field: models.Field[Any, Any]) -> str | None:
    return field.db_type(connection)


def _field_from_state(state: ProjectState, app_label: str, model_name: str, name: str) -> models.Field[Any, Any]:
    model = state.apps.get_model(app_label, model_name)
    return model._meta.get_field(name)


def _indexed(field: models.Field[Any, Any]) -> bool:
    return bool(getattr(field, "db_index", False))


def _sql_findings(sql: str, big_tables: set[str]) -> list[tuple[str, str]]:
    found = []
    text = " ".join(sql.split()).lower()
    for match in re.finditer(r"create (unique )?index (?!concurrently)[^;]*? on (?:only )?\"?([a-z0-9_]+)\"?", text):
        if match.group(2) in big_tables:
            found.append(("index-not-concurrent", f"RunSQL CREATE INDEX on {match.group(2)}"))
    for match in re.finditer(r"alter table (?:only )?\"?([a-z0-9_]+)\"? add constraint [^;]*", text):
        if match.group(1) in big_tables and "not valid" not in match.group(0):
            found.append(("constraint-validating", f"RunSQL ADD CONSTRAINT on {match.group(1)}"))
    return found


VARCHAR = re.compile(r"^varchar\((\d+)\)$")


def _type_change_is_safe(old: str | None, new: str | None) -> bool:
    """PostgreSQL changes these without rewriting the table or breaking readers: a longer varchar, varchar → text."""
    if old == new:
        return True
    old_len, new_len = (VARCHAR.match(t or "") for t in (old, new))
    if old_len and new_len:
        return int(new_len.group(1)) >= int(old_len.group(1))
    return bool(old_len) and new == "text"


def check_migration(migration: Migration, before: ProjectState, big_tables: set[str]) -> list[Finding]:
    """The findings of one migration, given the project state before it. An initial migration (a new app's
    tables) adds fields to tables its own set just created: nobody can be using them yet."""
    label = f"{migration.app_label}.{migration.name}"
    if migration.initial:
        return []
    app = migration.app_label
    created = {op.name_lower for op in migration.operations if isinstance(op, ops.CreateModel)}
    found: list[tuple[str, str]] = []
    state = before.clone()
    for op in migration.operations:
        model_name = getattr(op, "model_name", None) or getattr(op, "name", "")
        is_new = str(model_name).lower() in created
        if isinstance(op, ops.AddField) and not is_new:
            table = _table(state, app, op.model_name)
            field = op.field
            if not field.null and field.db_default is NOT_PROVIDED and not field.many_to_many:
                found.append(("add-not-null", f"{table}.{op.name}"))
            foreign_key = field.remote_field is not None and getattr(field, "db_constraint", False)
            if foreign_key and not field.many_to_many and table in big_tables:
                found.append(("constraint-validating", f"foreign key {table}.{op.name}"))
            if (_indexed(field) or field.unique) and table in big_tables:
                found.append(("index-not-concurrent", f"{table}.{op.name}"))
        elif isinstance(op, ops.AlterField) and not is_new:
            table = _table(state, app, op.model_name)
            old = _field_from_state(state, app, op.model_name, op.name)
            # The field as the state after the operation renders it: a relation's target is resolved there.
            after = state.clone()
            op.state_forwards(app, after)
            new = _field_from_state(after, app, op.model_name, op.name)
            if not _type_change_is_safe(_db_type(old), _db_type(new)):
                found.append(("alter-type", f"{table}.{op.name}: {_db_type(old)} → {_db_type(new)}"))
            if old.null and not new.null:
                found.append(("set-not-null", f"{table}.{op.name}"))
            if table in big_tables and ((_indexed(new) and not _indexed(old)) or (new.unique and not old.unique)):
                found.append(("index-not-concurrent", f"{table}.{op.name}"))
        elif isinstance(op, ops.RemoveField):
            found.append(("remove-column", f"{_table(state, app, op.model_name)}.{op.name}"))
        elif isinstance(op, ops.DeleteModel):
            found.append(("delete-table", _table(state, app, op.name)))
        elif isinstance(op, (ops.RenameField, ops.RenameModel)):
            found.append(("rename", f"{type(op).__name__} {model_name}"))
        elif isinstance(op, ops.AddIndex) and not isinstance(op, AddIndexConcurrently) and not is_new:
            table = _table(state, app, op.model_name)
            if table in big_tables:
                found.append(("index-not-concurrent", f"{op.index.name} on {table}"))
        elif isinstance(op, ops.AddConstraint) and not isinstance(op, AddConstraintNotValid) and not is_new:
            table = _table(state, app, op.model_name)
            if table in big_tables:
                found.append(("constraint-validating", f"{op.constraint.name} on {table}"))
        elif isinstance(op, ops.RunPython) and not op.reversible:
            found.append(("irreversible", f"RunPython {getattr(op.code, '__name__', 'code')}"))
        elif isinstance(op, ops.RunSQL):
            if not op.reversible:
                found.append(("irreversible", "RunSQL"))
            statements = op.sql if isinstance(op.sql, (list, tuple)) else [op.sql]
            for statement in statements:
                found.extend(_sql_findings(str(statement if isinstance(statement, str) else statement[0]), big_tables))
        op.state_forwards(app, state)
    allowed = exemptions(migration)
    return [Finding(label, code, detail) for code, detail in found if code not in allowed]


def project_migrations(loader: MigrationLoader) -> list[tuple[str, str]]:
    """The project's own migrations (apps under ``apps.``), in an order that respects dependencies."""
    own = {config.label for config in global_apps.get_app_configs() if config.name.startswith("apps.")}
    plan: list[tuple[str, str]] = []
    for leaf in loader.graph.leaf_nodes():
        for node in loader.graph.forwards_plan(leaf):
            if node[0] in own and node not in plan:
                plan.append(node)
    return plan


def check_project(config: Config, loader: MigrationLoader | None = None) -> tuple[list[Finding], list[str]]:
    """(findings, migrations checked) for every project migration not in the baseline."""
    loader = loader or MigrationLoader(None, ignore_no_migrations=True)
    findings: list[Finding] = []
    checked = []
    for key in project_migrations(loader):
        label = f"{key[0]}.{key[1]}"
        if label in config.baseline:
            continue
        checked.append(label)
        before = loader.project_state(key, at_end=False)
        findings.extend(check_migration(loader.graph.nodes[key], before, config.big_tables))
    return findings, checked
