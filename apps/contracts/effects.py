"""Effects owned by contracts (see apps.core.effects)."""

from __future__ import annotations

from apps.contracts.services import contract_check_bypass, registration_recompute_deadlines
from apps.core.effects import effect_handler


# Recorded with every new contract. Idempotent: one alert per (contract, introduction).
@effect_handler("contracts.check_bypass")
def check_bypass(*, contract_id: int) -> None:
    contract_check_bypass(contract_id=contract_id)


# Recorded when the operator edits the working-day calendar in the admin. Idempotent: each pending
# deadline is recounted from its start and working days.
@effect_handler("contracts.recompute_deadlines")
def recompute_deadlines() -> None:
    registration_recompute_deadlines()
