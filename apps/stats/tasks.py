"""Statistics tasks: thin, idempotent, named and time-limited; the work is in :mod:`apps.stats.services`.

- ``stats.fold_contract``: the fold as a plain task (for operators and tests); the market itself folds
  through the named effect ``stats.fold_contract`` (apps.stats.effects), recorded by apps.contracts with
  every registration event with amounts and every payment. Replaying it changes nothing.
- ``stats.recompute``: nightly (celery beat), every cell from scratch, compared and repaired.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.db import OperationalError


# A fold waits while the nightly recompute holds the statistics lock, hence the generous limits;
# deadlocks and lost connections are retried (the fold is idempotent).
@shared_task(
    name="stats.fold_contract",
    time_limit=900,
    soft_time_limit=870,
    autoretry_for=(OperationalError,),
    retry_backoff=2,
    retry_backoff_max=60,
    max_retries=8,
)
def fold_contract(*, contract_id: int) -> bool:
    from apps.stats.services import stats_fold_contract

    return stats_fold_contract(contract_id=contract_id)


@shared_task(name="stats.recompute", time_limit=4 * 3600, soft_time_limit=4 * 3600 - 60)
def recompute(*, repair: bool = True) -> dict[str, Any]:
    from apps.stats.services import stats_recompute

    run = stats_recompute(repair=repair)
    return {"run": run.pk, "cells": run.cells, "differences": run.differences, "repaired": run.repaired}
