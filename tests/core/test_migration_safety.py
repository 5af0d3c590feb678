"""manage.py check_migrations_safety: unsafe operations in new migrations are flagged, safe ones and reviewed
exemptions pass, the baseline is not checked again. The migrations under test are written to a temporary
package (the demo app, which has none of its own, is pointed at it), never into the work tree."""

from __future__ import annotations

import sys
import textwrap
import uuid
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from apps.core.migration_safety import CONFIG_PATH, Config, check_project

INITIAL = """
from django.db import migrations, models

class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [
        migrations.CreateModel(
            name="Gadget",
            fields=[
                ("id", models.BigAutoField(primary_key=True)),
                ("title", models.CharField(max_length=20)),
                ("size", models.IntegerField(null=True)),
                ("old_name", models.CharField(max_length=20, blank=True)),
            ],
        ),
        migrations.AddIndex("gadget", models.Index(fields=["title"], name="gadget_title_new_table")),
    ]
"""

UNSAFE = """
from django.db import migrations, models

def forwards(apps, schema_editor):
    pass

class Migration(migrations.Migration):
    dependencies = [("demo", "0001_initial")]
    operations = [
        migrations.AddField("gadget", "colour", models.CharField(max_length=10, default="red")),
        migrations.AlterField("gadget", "title", models.IntegerField()),
        migrations.AlterField("gadget", "size", models.IntegerField()),
        migrations.RemoveField("gadget", "old_name"),
        migrations.RenameField("gadget", "colour", "color"),
        migrations.AddIndex("gadget", models.Index(fields=["size"], name="gadget_size")),
        migrations.AddConstraint(
            "gadget", models.CheckConstraint(condition=models.Q(size__gte=0), name="gadget_size_positive")
        ),
        migrations.RunPython(forwards),
        migrations.RunSQL("CREATE INDEX gadget_raw ON demo_gadget (size)", reverse_sql="DROP INDEX gadget_raw"),
    ]
"""

SAFE = """
from django.contrib.postgres.operations import AddConstraintNotValid, AddIndexConcurrently
from django.db import migrations, models

class Migration(migrations.Migration):
    atomic = False
    dependencies = [("demo", "0002_unsafe")]
    operations = [
        migrations.AddField("gadget", "weight", models.IntegerField(db_default=0)),
        migrations.AddField("gadget", "note", models.TextField(null=True)),
        migrations.AlterField("gadget", "old_title", models.CharField(max_length=40, null=True)),
        AddIndexConcurrently("gadget", models.Index(fields=["weight"], name="gadget_weight")),
        AddConstraintNotValid(
            "gadget", models.CheckConstraint(condition=models.Q(weight__gte=0), name="gadget_weight_ok")
        ),
        migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop),
        migrations.RunSQL(
            "CREATE INDEX CONCURRENTLY gadget_raw2 ON demo_gadget (weight)", reverse_sql="DROP INDEX gadget_raw2"
        ),
    ]
"""

EXEMPTED = """
from django.db import migrations

# migration-safety: allow remove-column -- unused since release 2026.11 (no reads left), reviewed by Li Na
# migration-safety: allow delete-table
class Migration(migrations.Migration):
    dependencies = [("demo", "0003_safe")]
    operations = [migrations.RemoveField("gadget", "note"), migrations.DeleteModel("gadget")]
"""


@pytest.fixture
def temporary_migrations(tmp_path: Path, settings):
    package = f"obs_migrations_{uuid.uuid4().hex}"
    root = tmp_path / package
    root.mkdir()
    (root / "__init__.py").write_text("")
    (root / "0001_initial.py").write_text(textwrap.dedent(INITIAL))
    (root / "0002_unsafe.py").write_text(textwrap.dedent(UNSAFE))
    # old_title: a varchar(20) widened to varchar(40) (no rewrite in PostgreSQL)
    (root / "0003_safe.py").write_text(
        textwrap.dedent(SAFE).replace(
            'migrations.AddField("gadget", "weight"',
            'migrations.AddField("gadget", "old_title", models.CharField(max_length=20, null=True)),\n'
            '        migrations.AddField("gadget", "weight"',
        )
    )
    (root / "0004_exempted.py").write_text(textwrap.dedent(EXEMPTED))
    sys.path.insert(0, str(tmp_path))
    settings.MIGRATION_MODULES = {"demo": package}
    try:
        yield
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m.startswith(package)]:
            del sys.modules[name]


def findings_by_migration(config: Config) -> dict[str, list[str]]:
    findings, _checked = check_project(config)
    result: dict[str, list[str]] = {}
    for finding in findings:
        result.setdefault(finding.migration, []).append(finding.code)
    return result


def test_unsafe_operations_are_flagged_safe_ones_pass(temporary_migrations):
    real = Config.load()
    config = Config(big_tables=real.big_tables | {"demo_gadget"}, baseline=real.baseline)
    found = findings_by_migration(config)

    assert sorted(found["demo.0002_unsafe"]) == sorted(
        [
            "add-not-null",  # a Python default is not a database default: the old code's inserts fail
            "alter-type",  # varchar → integer
            "set-not-null",  # size loses NULL
            "remove-column",
            "rename",
            "index-not-concurrent",  # AddIndex on a big table
            "constraint-validating",  # CHECK validated at once on a big table
            "irreversible",  # RunPython without reverse
            "index-not-concurrent",  # RunSQL CREATE INDEX without CONCURRENTLY
        ]
    )
    assert "demo.0001_initial" not in found  # a new table: anything goes
    assert "demo.0003_safe" not in found
    # the reviewed exemption (with a reason) holds; the bare one does not
    assert found["demo.0004_exempted"] == ["delete-table"]


def test_a_small_table_may_take_a_plain_index_and_the_baseline_is_skipped(temporary_migrations):
    real = Config.load()
    config = Config(big_tables=real.big_tables, baseline=real.baseline | {"demo.0002_unsafe", "demo.0004_exempted"})
    assert findings_by_migration(config) == {}
    findings, _ = check_project(Config(big_tables=set(), baseline=real.baseline))
    assert "index-not-concurrent" not in {f.code for f in findings if f.migration == "demo.0002_unsafe"}


def test_the_command_fails_on_findings_and_passes_on_the_project(temporary_migrations, tmp_path, capsys):
    with pytest.raises(CommandError, match="unsafe operation"):
        call_command("check_migrations_safety")
    assert "[add-not-null] demo_gadget.colour" in capsys.readouterr().err


def test_every_existing_migration_is_in_the_baseline_and_the_project_passes(capsys):
    call_command("check_migrations_safety")
    assert "none unsafe" in capsys.readouterr().out
    call_command("check_migrations_safety", "--list-baseline")
    listed = {line.strip().strip('",') for line in capsys.readouterr().out.splitlines()}
    assert listed <= Config.load(CONFIG_PATH).baseline | _new_safe_migrations()


def _new_safe_migrations() -> set[str]:
    """Migrations added after the baseline that pass the check (they need no baseline entry)."""
    findings, checked = check_project(Config.load())
    assert findings == []
    return set(checked)
