"""Effects owned by deals (see apps.core.effects)."""

from __future__ import annotations

from apps.core.effects import effect_handler
from apps.deals.services import deal_sync_from_contract


# Recorded by the contracts services when a deal's contract is signed or registered. Idempotent: the
# stage guard in deal_sync_from_contract leaves a deal already at or past ``stage`` (or closed) alone.
@effect_handler("deals.sync_from_contract")
def sync_from_contract(*, deal_id: int, stage: str) -> None:
    deal_sync_from_contract(deal_id=deal_id, stage=stage)
