from __future__ import annotations

from celery import shared_task


@shared_task(name="alerts.send_digests", time_limit=300, soft_time_limit=240)
def send_digests() -> int:
    """Hourly: record the digest effect of every saved search that is due (idempotent: the effect's
    handler checks the due date under the saved search's lock)."""
    from apps.alerts.services import saved_searches_record_due_digests

    return saved_searches_record_due_digests()
