"""Effects owned by stats (see apps.core.effects)."""

from __future__ import annotations

from apps.core.effects import effect_handler
from apps.stats.services import stats_fold_contract


# Recorded by the contracts services with every payment and every registration event with amounts.
# Idempotent: the fold brings the contract's share of the cells to what its sources say now.
@effect_handler("stats.fold_contract")
def fold_contract(*, contract_id: int) -> None:
    stats_fold_contract(contract_id=contract_id)
