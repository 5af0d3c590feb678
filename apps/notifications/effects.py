"""Effects owned by notifications (see apps.core.effects)."""

from __future__ import annotations

from django.utils import timezone

from apps.core.effects import effect_handler
from apps.notifications.models import Notification
from apps.notifications.services import notification_send_emails


class EmailsStillClaimedError(RuntimeError):
    """Some e-mails are under another sender's lease: the effect is retried once the lease can expire."""


# Not atomic: each notification's claim is committed before its e-mail goes out, and a failed send
# releases its claim. A run that finds e-mails still under another sender's lease (a sender that died
# mid-send, its lease not yet expired) must not be marked done, or those e-mails would never go out:
# it raises, and the effect is retried with backoff until the lease has expired and they are sent.
@effect_handler("notifications.send_emails", atomic=False)
def send_emails(*, notification_ids: list[int]) -> None:
    notification_send_emails(notification_ids=notification_ids)
    held = list(
        Notification.objects.filter(
            pk__in=notification_ids,
            emailed_at__isnull=True,
            email_claimed_until__gt=timezone.now(),
            recipient__is_service_account=False,
        )
        .exclude(recipient__email="")
        .values_list("pk", flat=True)
    )
    if held:
        raise EmailsStillClaimedError(f"notifications {held} are claimed by another sender; retried after the lease")
