from __future__ import annotations

from celery import shared_task


@shared_task(name="custody.remind_annuities", time_limit=1800, soft_time_limit=1740)
def remind_annuities() -> dict[str, int]:
    """Daily: annuity reminders due today to owners and custodians (safe to re-run or to run twice at once)."""
    from apps.custody.services import annuity_reminders_send

    return annuity_reminders_send()


@shared_task(name="custody.expire_agreements", time_limit=600, soft_time_limit=540)
def expire_agreements() -> int:
    """Daily: agreements past their end date end, and their assets leave custody (idempotent)."""
    from apps.custody.services import agreements_expire

    return agreements_expire()
