"""After the deal: the buyer reports how the technology is put to work, stage by stage.

The stages run 小试 (small-scale trial) → 中试 (pilot) → 产业化 (industrialisation), forward only: a
report on a later stage moves the contract there (a stage may be skipped: a technology bought at pilot
scale starts at 中试), a report on an earlier stage than the current one is refused (409).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts.models import User
from apps.contracts.models import Contract
from apps.contracts.selectors import market_today
from apps.core.errors import ApplicationError
from apps.core.lifecycle import Lifecycle, Transition
from apps.settlement.models import Implementation, ImplementationReport, ImplementationStage
from apps.settlement.services.access import is_buyer
from apps.settlement.services.errors import SettlementError, bad_input, not_allowed

St = ImplementationStage
ORDER = [St.NOT_STARTED, St.SMALL_TRIAL, St.PILOT, St.INDUSTRIALISATION]
REACHED_FIELD = {St.SMALL_TRIAL: "small_trial_on", St.PILOT: "pilot_on", St.INDUSTRIALISATION: "industrialisation_on"}

IMPLEMENTATION_LIFECYCLE = Lifecycle(
    transitions={
        str(stage): Transition(sources=tuple(ORDER[: ORDER.index(stage)]), target=stage) for stage in ORDER[1:]
    },
    error_code=SettlementError.STAGE_BEHIND,
    message=gettext_lazy("The technology is already at %(status)s; stages only move forward."),
    labels=St,
    field="stage",
)


@transaction.atomic
def implementation_report_create(
    *,
    actor: User,
    contract: Contract,
    stage: str,
    period_start: date,
    period_end: date,
    revenue: Decimal = Decimal("0"),
    output_value: Decimal = Decimal("0"),
    jobs_created: int = 0,
    units_produced: int = 0,
    note: str = "",
) -> ImplementationReport:
    """The buyer reports a period of ``stage``; a later stage than the current one moves the contract there."""
    if not is_buyer(actor, contract):
        raise not_allowed(_("Only the buyer reports how the technology is put to work."))
    if stage not in REACHED_FIELD:
        raise bad_input(_("Choose a stage that has started."), code=SettlementError.BAD_PERIOD, field="stage")
    if period_end < period_start:
        raise bad_input(_("The period ends before it starts."), code=SettlementError.BAD_PERIOD, field="period_end")
    if period_end > market_today():
        raise bad_input(_("The period has not ended yet."), code=SettlementError.BAD_PERIOD, field="period_end")
    if period_start < contract.signed_on:
        raise bad_input(
            _("The period starts before the contract was signed."),
            code=SettlementError.BAD_PERIOD,
            field="period_start",
        )
    for amount_field, value in (("revenue", revenue), ("output_value", output_value)):
        if value < 0:
            raise bad_input(_("Amounts are not negative."), code=SettlementError.BAD_AMOUNT, field=amount_field)
    # The contract's row lock makes two first reports wait for each other instead of both creating the row.
    Contract.objects.select_for_update().filter(pk=contract.pk).first()
    implementation, _created = Implementation.objects.get_or_create(contract=contract)
    current = ORDER.index(St(implementation.stage))
    wanted = ORDER.index(St(stage))
    if wanted < current:
        raise IMPLEMENTATION_LIFECYCLE.refusal(implementation.stage, stage)
    if wanted > current:
        IMPLEMENTATION_LIFECYCLE.move(
            model=Implementation, pk=implementation.pk, action=stage, **{REACHED_FIELD[St(stage)]: period_start}
        )
    if ImplementationReport.objects.filter(contract=contract, stage=stage, period_start=period_start).exists():
        raise ApplicationError(
            _("This period of the stage was already reported."), code=SettlementError.BAD_PERIOD, status=409
        )
    return ImplementationReport.objects.create(
        contract=contract,
        stage=stage,
        period_start=period_start,
        period_end=period_end,
        revenue=revenue,
        output_value=output_value,
        jobs_created=jobs_created,
        units_produced=units_produced,
        note=note,
        reported_by=actor,
    )
