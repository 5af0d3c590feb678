"""Effects owned by notifications (see apps.core.effects)."""

from __future__ import annotations

from apps.core.effects import effect_handler
from apps.notifications.services import notification_send_emails


# Not atomic: each notification's claim is committed before its e-mail goes out (a crash between the
# two loses at most that one e-mail instead of sending it twice), and a failed send releases its claim.
@effect_handler("notifications.send_emails", atomic=False)
def send_emails(*, notification_ids: list[int]) -> None:
    notification_send_emails(notification_ids=notification_ids)
