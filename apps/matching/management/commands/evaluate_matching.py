"""``manage.py evaluate_matching PATH [--k 10]``: offline quality of the matching engine on a judged set.

Reads the JSON Lines set (format: ``shared/data/README.md``), builds the production engine in memory
(nothing is read from or written to the database), and prints one line of JSON: nDCG@k, recall@k and
MRR for the engine and for a plain Okapi BM25 baseline over the same tokens
(``apps.matching.engine.evaluation.BM25Baseline``), the p50 milliseconds per engine query, the number
of judged queries and k.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.matching.engine.evaluation import SetFormatError, evaluate, load_set


class Command(BaseCommand):
    help = "Evaluate the matching engine against a judged JSON Lines set (no database access)."
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="JSON Lines file of achievements, demands and judgements")
        parser.add_argument("--k", type=int, default=10, help="cut-off rank for the metrics (default 10)")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        k: int = options["k"]
        if k < 1:
            raise CommandError("--k must be at least 1")
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        try:
            judged = load_set(path)
        except SetFormatError as exc:
            raise CommandError(str(exc)) from exc
        except UnicodeDecodeError as exc:
            raise CommandError(f"{path}: not UTF-8 text") from exc
        if not judged.achievements:
            raise CommandError(f"{path}: the set has no achievements")
        if not judged.judged_demands():
            raise CommandError(f"{path}: no demand has a judgement of grade > 0")
        self.stdout.write(json.dumps(evaluate(judged, k=k), ensure_ascii=False))
