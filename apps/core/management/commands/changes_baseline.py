from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from apps.core.changes import remember_all


class Command(BaseCommand):
    help = (
        "Remember who sees every mirrored record that has no memory yet (records older than the changes "
        "feed), so their first change reaches everyone who saw them. Idempotent; run once after installing."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"{remember_all()} records remembered.")
