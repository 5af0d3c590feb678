"""Effects owned by alerts (see apps.core.effects)."""

from __future__ import annotations

from apps.alerts.services import saved_search_send_digest
from apps.core.effects import effect_handler


# Atomic: the digest, its items, the saved search's next date, the notification and its e-mail effect
# commit with the done mark, or not at all. The due date is the guard against a second run.
@effect_handler("alerts.send_digest")
def send_digest(*, saved_search_id: int) -> None:
    saved_search_send_digest(saved_search_id=saved_search_id)
