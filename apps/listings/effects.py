"""Effects owned by listings (see apps.core.effects)."""

from __future__ import annotations

from apps.core.effects import effect_handler
from apps.core.import_jobs import run_import_job
from apps.listings.importing import import_report


# Recorded with a background import job. Atomic: the import and the job's report commit together, and a
# finished job is skipped (its status is the guard), so a second delivery stores nothing twice.
@effect_handler("listings.run_import")
def run_import(*, job_id: int) -> None:
    run_import_job(job_id, import_report)
