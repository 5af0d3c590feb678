"""``manage.py evaluate_matching PATH [PATH ...] [--k 10] [--ablation] [--train-ranker OUT]``: offline quality
of the matching engine on judged sets.

Reads each JSON Lines set (format: ``shared/data/README.md``), builds the production engine in memory
(nothing is read from or written to the database), and prints one line of JSON per set: nDCG@k,
recall@k and MRR for the engine and for a plain Okapi BM25 baseline over the same tokens
(``apps.matching.engine.evaluation.BM25Baseline``), the same for the set's development and held-out
halves (``parts``), the recall@k of relevant achievements in the other language (``cross_lingual``),
nDCG@k per demand language (``by_language``: zh, en), the p50 milliseconds per engine query, the number
of judged queries and k.

``--ablation``: one line per set and variant instead — every component on, each one off, all off.
``--train-ranker OUT``: fit the learned ranker on the development halves of the sets, write it to OUT
(``apps/matching/data/ranker.json`` is the one the engine ships), then evaluate.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.matching.engine.evaluation import (
    JudgedSet,
    SetFormatError,
    ablation,
    evaluate,
    load_set,
    train_ranker,
)
from apps.matching.engine.ranker import default_ranker, save_ranker


class Command(BaseCommand):
    help = "Evaluate the matching engine against judged JSON Lines sets (no database access)."
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", type=Path, help="JSON Lines files of achievements, demands, judgements")
        parser.add_argument("--k", type=int, default=10, help="cut-off rank for the metrics (default 10)")
        parser.add_argument("--ablation", action="store_true", help="each component off in turn")
        parser.add_argument("--train-ranker", type=Path, default=None, help="fit the learned ranker, write it here")

    def handle(self, *args: Any, **options: Any) -> None:
        k: int = options["k"]
        if k < 1:
            raise CommandError("--k must be at least 1")
        sets = [(path, self._load(path)) for path in options["paths"]]
        out: Path | None = options["train_ranker"]
        if out is not None:
            ranker, queries = train_ranker([judged for _, judged in sets])
            save_ranker(
                ranker,
                out,
                trained_on=[f"{path.name} (dev half)" for path, _ in sets],
                pairs_note=f"pairwise logistic regression over the candidates of {queries} dev demands",
            )
            default_ranker.cache_clear()
            self.stderr.write(f"ranker written to {out}: weights {list(ranker.weights)}")
        for path, judged in sets:
            if options["ablation"]:
                for row in ablation(judged, k=k):
                    self.stdout.write(json.dumps({"set": path.name, **row}, ensure_ascii=False))
            else:
                self.stdout.write(json.dumps(evaluate(judged, k=k), ensure_ascii=False))

    @staticmethod
    def _load(path: Path) -> JudgedSet:
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
        return judged
