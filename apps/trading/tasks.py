from __future__ import annotations

from celery import shared_task


@shared_task(name="trading.close_auctions", time_limit=300, soft_time_limit=270)
def auctions_close_due_task() -> int:
    """Every minute: close the auctions past their end (each in its own transaction; idempotent)."""
    from apps.trading.services import auctions_close_due

    return auctions_close_due()
