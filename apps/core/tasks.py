from __future__ import annotations

from celery import shared_task


@shared_task(name="core.idempotency_purge", time_limit=300, soft_time_limit=240)
def purge_idempotency_keys() -> int:
    """Hourly: delete Idempotency-Keys past IDEMPOTENCY_KEY_TTL_HOURS (idempotent; batches)."""
    from apps.core.idempotency import purge_expired_keys

    return purge_expired_keys()
