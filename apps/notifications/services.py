"""``notify``: the one way features tell people something. In-app always, e-mail after commit."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from apps.notifications.models import Notification


def _target_fields(target: Any) -> tuple[str, str]:
    if target is None:
        return "", ""
    return f"{target._meta.app_label}.{target._meta.model_name}", str(target.pk)


@transaction.atomic
def notify(
    *,
    recipients: Iterable[Any],
    kind: str,
    title: str,
    body: str = "",
    target: Any = None,
    email: bool = True,
) -> list[Notification]:
    """Create one notification per distinct recipient; queue their e-mails once the transaction commits."""
    from apps.notifications.tasks import send_notification_emails

    target_type, target_id = _target_fields(target)
    seen: set[int] = set()
    rows = []
    for user in recipients:
        if user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        rows.append(
            Notification(
                recipient=user, kind=kind, title=title[:200], body=body, target_type=target_type, target_id=target_id
            )
        )
    created = Notification.objects.bulk_create(rows)
    if email and created:
        send_notification_emails.delay_on_commit(notification_ids=[n.pk for n in created])
    return created


def notification_send_emails(*, notification_ids: list[int]) -> int:
    """E-mail the given notifications. Safe to run twice: each row is claimed by a conditional UPDATE."""
    from django.conf import settings
    from django.core.mail import send_mail
    from django.utils import timezone

    sent = 0
    for notification in Notification.objects.filter(pk__in=notification_ids, emailed_at__isnull=True).select_related(
        "recipient"
    ):
        if not notification.recipient.email or notification.recipient.is_service_account:
            continue
        claimed = Notification.objects.filter(pk=notification.pk, emailed_at__isnull=True).update(
            emailed_at=timezone.now()
        )
        if not claimed:
            continue
        try:
            send_mail(
                subject=notification.title,
                message=notification.body or notification.title,
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=[notification.recipient.email],
            )
        except Exception:
            # Release the claim so a retry can send it; the task's caller sees the failure.
            Notification.objects.filter(pk=notification.pk).update(emailed_at=None)
            raise
        sent += 1
    return sent
