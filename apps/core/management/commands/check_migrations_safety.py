"""``manage.py check_migrations_safety``: fail on migrations unsafe under load (docs/migrations.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.migrations.loader import MigrationLoader

from apps.core.migration_safety import CONFIG_PATH, Config, check_project, project_migrations


class Command(BaseCommand):
    help = (
        "Check the project's migrations not yet in the baseline (deploy/migration-safety.toml) for operations "
        "unsafe while the previous release serves traffic; exit 1 on any finding without a reviewed exemption."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--config", type=Path, default=CONFIG_PATH, help="the big tables and the baseline")
        parser.add_argument(
            "--list-baseline",
            action="store_true",
            help="print every project migration as a baseline entry (after a release reached production)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        loader = MigrationLoader(None, ignore_no_migrations=True)
        if options["list_baseline"]:
            for app_label, name in sorted(project_migrations(loader)):
                self.stdout.write(f'  "{app_label}.{name}",')
            return
        config = Config.load(options["config"])
        findings, checked = check_project(config, loader)
        for finding in findings:
            self.stderr.write(str(finding))
        if findings:
            raise CommandError(
                f"{len(findings)} unsafe operation(s) in {len(checked)} new migration(s); see docs/migrations.md"
            )
        self.stdout.write(
            f"{len(checked)} new migration(s) checked, none unsafe ({len(config.baseline)} in the baseline)."
        )
