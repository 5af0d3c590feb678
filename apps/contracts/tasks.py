from __future__ import annotations

from celery import shared_task


@shared_task(name="contracts.check_bypass", time_limit=120, soft_time_limit=100)
def contract_check_bypass_task(*, contract_id: int) -> int:
    """Alert brokers whose introduction was bypassed (idempotent). New contracts record the effect
    ``contracts.check_bypass`` instead; the task stays for messages queued before it."""
    from apps.contracts.services import contract_check_bypass

    return len(contract_check_bypass(contract_id=contract_id))


@shared_task(name="contracts.recompute_deadlines", time_limit=300, soft_time_limit=270)
def registration_recompute_deadlines_task() -> int:
    """Recount pending deadlines (idempotent). A calendar edit records the effect
    ``contracts.recompute_deadlines`` instead; the task stays for messages queued before it."""
    from apps.contracts.services import registration_recompute_deadlines

    return registration_recompute_deadlines()


@shared_task(name="contracts.notify_overdue_registrations", time_limit=600, soft_time_limit=540)
def registrations_notify_overdue_task() -> int:
    """Daily: tell the operator about applications past their deadline (each once; idempotent)."""
    from apps.contracts.services import registrations_notify_overdue

    return registrations_notify_overdue()
