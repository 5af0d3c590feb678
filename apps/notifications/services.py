"""Writes for notifications.

``notify`` is the one way features tell people something: in-app always (rows in the caller's
transaction), e-mail through the named effect ``notifications.send_emails`` recorded with them, so a
broker outage delays the e-mail but cannot lose it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.core.effects import effect
from apps.core.errors import ApplicationError, ErrorCode
from apps.notifications.models import Notification, NotificationKind

# Ids per e-mail task: a notice to every member of a large group becomes several short tasks
# rather than one that runs into its time limit.
EMAIL_BATCH_SIZE = 200


def _target_fields(target: Any) -> tuple[str, str]:
    if target is None:
        return "", ""
    return f"{target._meta.app_label}.{target._meta.model_name}", str(target.pk)


@transaction.atomic
def notify(
    *,
    recipients: Iterable[Any],
    kind: NotificationKind | str,
    title: str | Promise,
    body: str | Promise = "",
    target: Any = None,
    email: bool = True,
) -> list[Notification]:
    """Create one notification per distinct active recipient; record the effect that e-mails them.

    Pass ``title`` and ``body`` as lazy translations (``gettext_lazy``/``format_lazy``): each
    recipient's copy is rendered in that recipient's preferred language, not the actor's.
    """
    kind = NotificationKind(kind).value  # a kind not in the one list is a programming error
    target_type, target_id = _target_fields(target)
    seen: set[int] = set()
    rows = []
    for user in recipients:
        if user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        with translation.override(getattr(user, "preferred_language", None) or settings.LANGUAGE_CODE):
            rendered_title, rendered_body = str(title), str(body)
        rows.append(
            Notification(
                recipient=user,
                kind=kind,
                title=rendered_title[:200],
                body=rendered_body,
                target_type=target_type,
                target_id=target_id,
            )
        )
    created = Notification.objects.bulk_create(rows)
    if email and created:
        ids = [n.pk for n in created]
        for start in range(0, len(ids), EMAIL_BATCH_SIZE):
            effect("notifications.send_emails", notification_ids=ids[start : start + EMAIL_BATCH_SIZE])
    return created


def notification_send_emails(*, notification_ids: Sequence[int]) -> int:
    """E-mail the given notifications that have not been e-mailed yet; return how many were sent.

    Safe to run twice, and to run again after a sender died: each row is claimed with a lease
    (``email_claimed_until``) by a conditional UPDATE before its e-mail goes out, and marked
    ``emailed_at`` once the server took it. A concurrent run skips a row under lease; a run after a
    sender was killed mid-send (lease expired, never marked) sends it. The one window left is a sender
    killed after the server accepted the message and before the mark: that e-mail goes out twice,
    which is the side to err on (SMTP gives no exactly-once). Not atomic on purpose: each claim and mark
    must be committed, visible to other runs, around the send.
    """
    pending = list(
        Notification.objects.filter(pk__in=notification_ids, emailed_at__isnull=True)
        .filter(recipient__is_service_account=False)
        .exclude(recipient__email="")
        .select_related("recipient")
        .order_by("pk")
    )
    if not pending:
        return 0
    sent = 0
    # One connection (one SMTP session) for the whole batch.
    with get_connection() as connection:
        for notification in pending:
            now = timezone.now()
            claimed = (
                Notification.objects.filter(pk=notification.pk, emailed_at__isnull=True)
                .filter(Q(email_claimed_until__isnull=True) | Q(email_claimed_until__lte=now))
                .update(email_claimed_until=now + timedelta(seconds=settings.NOTIFICATION_EMAIL_LEASE_SECONDS))
            )
            if not claimed:
                continue
            message = EmailMessage(
                # A header cannot hold line breaks; titles are one line for the reader anyway.
                subject=" ".join(notification.title.split()),
                body=notification.body or notification.title,
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[notification.recipient.email],
                connection=connection,
            )
            try:
                message.send()
            except Exception:
                Notification.objects.filter(pk=notification.pk).update(email_claimed_until=None)
                raise
            Notification.objects.filter(pk=notification.pk).update(emailed_at=timezone.now(), email_claimed_until=None)
            sent += 1
    return sent


def _check_recipient(*, actor: User, notification: Notification) -> None:
    # Callers pass notifications from access_notification; this guards against a caller that does not.
    # A 404 like the selector's, so a notification's existence never leaks to someone else.
    if notification.recipient_id != actor.pk:
        raise ApplicationError(_("Not found."), code=ErrorCode.NOT_FOUND, status=404)


@transaction.atomic
def notification_mark_read(*, actor: User, notification: Notification) -> Notification:
    """Mark one of the actor's notifications read. Reading it again keeps the first reading time."""
    _check_recipient(actor=actor, notification=notification)
    now = timezone.now()
    marked = Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now, updated_at=now)
    if marked:
        notification.read_at = now
        notification.updated_at = now
    else:
        notification.refresh_from_db(fields=["read_at", "updated_at"])
    return notification


@transaction.atomic
def notification_mark_all_read(*, actor: User) -> int:
    """Mark every unread notification of the actor read in one UPDATE; return how many changed."""
    now = timezone.now()
    return Notification.objects.filter(recipient=actor, read_at__isnull=True).update(read_at=now, updated_at=now)
