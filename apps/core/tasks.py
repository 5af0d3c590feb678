from __future__ import annotations

from celery import shared_task

from apps.core.effects import purge_done_effects, run_effect_task, sweep_effects

__all__ = [
    "purge_changes_task",
    "purge_done_effects_task",
    "purge_idempotency_keys",
    "run_effect_task",
    "sweep_effects_task",
]


@shared_task(name="core.idempotency_purge", time_limit=300, soft_time_limit=240)
def purge_idempotency_keys() -> int:
    """Hourly: delete Idempotency-Keys past IDEMPOTENCY_KEY_TTL_HOURS (idempotent; batches)."""
    from apps.core.idempotency import purge_expired_keys

    return purge_expired_keys()


@shared_task(name="core.effects_sweep", time_limit=120, soft_time_limit=100)
def sweep_effects_task() -> int:
    """Every minute: hand over again the effects that are due (lost on the way, or waiting to retry)."""
    return sweep_effects()


@shared_task(name="core.effects_purge", time_limit=600, soft_time_limit=540)
def purge_done_effects_task() -> int:
    """Nightly: delete done effects past EFFECTS_RETENTION_DAYS."""
    return purge_done_effects()


@shared_task(name="core.changes_purge", time_limit=600, soft_time_limit=540)
def purge_changes_task() -> int:
    """Nightly: delete changes-feed entries past CHANGES_RETENTION_DAYS (their cursors then get 410)."""
    from apps.core.changes import purge_changes

    return purge_changes()
