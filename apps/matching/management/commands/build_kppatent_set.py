"""``manage.py build_kppatent_set SOURCE [--out PATH]``: assemble the ``kppatent-zh`` judged set.

SOURCE is ``data/keyphrase_prediction/data4open_source_llms/test_data_TAC.json`` of the KPPatent-ZH
repository at the commit ``apps/matching/data/evalsets/kppatent-zh.source.json`` names (its sha256 is
checked). The set — the manifest's patents as achievements, then this repository's demands and
judgements — is written to PATH (default ``var/evalsets/kppatent-zh.jsonl``), ready for
``evaluate_matching``. Nothing is read from or written to the database.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.matching.engine.evalsets import KPPATENT_DEMANDS, KPPATENT_MANIFEST, assemble_kppatent
from apps.matching.engine.evaluation import SetFormatError


class Command(BaseCommand):
    help = "Assemble the kppatent-zh judged set from the upstream KPPatent-ZH file (no database access)."
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", type=Path, help="test_data_TAC.json of KPPatent-ZH")
        parser.add_argument("--out", type=Path, default=None, help="where to write the set")
        parser.add_argument("--manifest", type=Path, default=KPPATENT_MANIFEST, help=KPPATENT_MANIFEST.name)
        parser.add_argument("--demands", type=Path, default=KPPATENT_DEMANDS, help=KPPATENT_DEMANDS.name)

    def handle(self, *args: Any, **options: Any) -> None:
        source: Path = options["source"]
        if not source.is_file():
            raise CommandError(f"no such file: {source}")
        try:
            lines = assemble_kppatent(source, options["manifest"], options["demands"])
        except (SetFormatError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        out: Path = options["out"] or Path(settings.BASE_DIR) / "var" / "evalsets" / "kppatent-zh.jsonl"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
        self.stdout.write(f"{out}: {len(lines)} lines")
