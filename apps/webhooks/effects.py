"""Effects owned by webhooks (see apps.core.effects)."""

from __future__ import annotations

from apps.core.effects import effect_handler
from apps.webhooks.delivery import delivery_attempt


# Not atomic: the claim on the delivery is committed before the request goes out, and no row lock is
# held while waiting for a receiver. The effect is done once the first attempt is recorded, whatever
# the receiver answered: retries follow the delivery's own schedule (webhooks.attempt_delivery).
@effect_handler("webhooks.deliver", atomic=False)
def deliver(*, delivery_id: int) -> None:
    delivery_attempt(delivery_id=delivery_id)
