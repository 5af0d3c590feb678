"""Effects owned by contracts (see apps.core.effects)."""

from __future__ import annotations

from apps.contracts.bulk import import_report
from apps.contracts.services import contract_check_bypass, registration_recompute_deadlines
from apps.core.effects import effect_handler
from apps.core.import_jobs import run_import_job


# Recorded with every new contract. Idempotent: one alert per (contract, introduction).
@effect_handler("contracts.check_bypass")
def check_bypass(*, contract_id: int) -> None:
    contract_check_bypass(contract_id=contract_id)


# Recorded when the operator edits the working-day calendar in the admin. Idempotent: each pending
# deadline is recounted from its start and working days.
@effect_handler("contracts.recompute_deadlines")
def recompute_deadlines() -> None:
    registration_recompute_deadlines()


# Recorded with a background import job. Atomic: the contracts, their effects and the job's report commit
# together, and a finished job is skipped (its status is the guard).
@effect_handler("contracts.run_import")
def run_import(*, job_id: int) -> None:
    run_import_job(job_id, import_report)
