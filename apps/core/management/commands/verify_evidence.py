"""Verify the evidence chain: exit 0 when every hash matches, 1 with the first bad entry otherwise."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from apps.core.evidence import verify_chain


class Command(BaseCommand):
    help = "Recompute every evidence entry's hash in order; report the first entry edited, removed or out of place."

    def handle(self, *args: Any, **options: Any) -> None:
        result = verify_chain()
        if result.ok:
            self.stdout.write(f"ok: {result.checked} entries, head {result.head_hash}")
            return
        self.stderr.write(
            f"TAMPERED: entry id={result.first_bad_id} position={result.first_bad_position}: {result.reason} "
            f"({result.checked} entries verified before it)"
        )
        raise SystemExit(1)
