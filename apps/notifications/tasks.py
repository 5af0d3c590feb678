from __future__ import annotations

from celery import shared_task


@shared_task(name="notifications.send_emails", time_limit=120, soft_time_limit=100)
def send_notification_emails(*, notification_ids: list[int]) -> int:
    from apps.notifications.services import notification_send_emails

    return notification_send_emails(notification_ids=notification_ids)
