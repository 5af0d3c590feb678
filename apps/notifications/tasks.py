from __future__ import annotations

from celery import shared_task


@shared_task(
    name="notifications.send_emails",
    time_limit=120,
    soft_time_limit=100,
    # SMTP errors are OSErrors. A retry resends only what is still unsent: sent rows keep their claim.
    autoretry_for=(OSError,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=5,
)
def send_notification_emails(*, notification_ids: list[int]) -> int:
    # Imported here because the services module imports this one to queue the task.
    from apps.notifications.services import notification_send_emails

    return notification_send_emails(notification_ids=notification_ids)
