from __future__ import annotations

from celery import shared_task


@shared_task(name="listings.expire", time_limit=600, soft_time_limit=540)
def expire_listings() -> dict[str, int]:
    """Daily: published listings past their expiry date or deadline become expired (idempotent)."""
    from apps.listings.services import listings_expire

    return listings_expire()
