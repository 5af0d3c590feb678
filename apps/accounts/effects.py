"""Effects owned by accounts (see apps.core.effects)."""

from __future__ import annotations

from apps.accounts.services import user_send_password_reset
from apps.core.effects import effect_handler


# Atomic: the effect row stays locked while the mail goes out and is marked done in the same
# transaction, so no second worker sends it meanwhile; a send that raises rolls back and is retried.
# One reset mail per recorded effect (a worker killed between the send and the commit may send it again).
@effect_handler("accounts.send_password_reset")
def send_password_reset(*, user_id: int) -> None:
    """E-mail the reset link; the token is made here, in the worker, so it is never stored."""
    user_send_password_reset(user_id=user_id)
