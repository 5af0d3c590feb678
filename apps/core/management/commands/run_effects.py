"""Run the pending named effects in this process (after an outage, or where no worker runs)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from apps.core.effects import run_pending_effects, sweep_effects


class Command(BaseCommand):
    help = "Run every pending effect here (--name to limit), or with --sweep hand the due ones to the workers."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", action="append", help="only effects of this name (repeatable)")
        parser.add_argument("--sweep", action="store_true", help="hand due effects to the workers instead")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["sweep"]:
            self.stdout.write(f"handed over: {sweep_effects()}")
            return
        self.stdout.write(f"ran: {run_pending_effects(names=options['name'])}")
