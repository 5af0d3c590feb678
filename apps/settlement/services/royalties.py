"""Running royalties (提成): the term, the licensee's sales reports, the licensor's answer, the payments.

The arithmetic is :mod:`apps.settlement.royalty`; here are the rules around it: periods are reported in
order (the minimum annual royalty of a year's last period needs the year's earlier periods), a period
is reported once it has ended, and payments against a report (contract payments, so the contract's
paid amount and statistics include them) never exceed its amount due.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import DecimalField, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts.models import User
from apps.contracts.catalogue import ContractType
from apps.contracts.models import Contract
from apps.contracts.selectors import market_today
from apps.contracts.services import payment_create
from apps.core.errors import ApplicationError
from apps.core.lifecycle import Lifecycle, Transition
from apps.settlement import royalty
from apps.settlement.models import (
    RoyaltyPayment,
    RoyaltyReport,
    RoyaltyReportStatus,
    RoyaltyTerm,
)
from apps.settlement.services.access import is_buyer, is_party_or_operator, is_seller
from apps.settlement.services.errors import SettlementError, bad_input, not_allowed
from apps.settlement.services.revenue import income_allocate

R = RoyaltyReportStatus
ROYALTY_CONTRACT_TYPES = (ContractType.LICENCE, ContractType.TRANSFER)

ROYALTY_REPORT_LIFECYCLE = Lifecycle(
    transitions={
        "acknowledge": Transition(sources=(R.SUBMITTED, R.DISPUTED), target=R.ACKNOWLEDGED),
        "dispute": Transition(sources=(R.SUBMITTED,), target=R.DISPUTED),
        "correct": Transition(sources=(R.DISPUTED,), target=R.SUBMITTED),
    },
    error_code=SettlementError.ROYALTY_BAD_TRANSITION,
    message=gettext_lazy("A royalty report that is %(status)s cannot be moved this way."),
    labels=R,
)

_MONEY = DecimalField(max_digits=16, decimal_places=2)


@transaction.atomic
def royalty_term_create(
    *,
    actor: User,
    contract: Contract,
    period: str,
    starts_on: date,
    rate_percent: Decimal = Decimal("0"),
    per_unit_fee: Decimal = Decimal("0"),
    minimum_annual: Decimal = Decimal("0"),
    due_days: int = 30,
) -> RoyaltyTerm:
    if not is_party_or_operator(actor, contract):
        raise not_allowed(_("Only the parties or the operator record the royalty terms."))
    if contract.type not in ROYALTY_CONTRACT_TYPES:
        raise bad_input(
            _("Running royalties belong to licence and transfer contracts."),
            code=SettlementError.ROYALTY_CONTRACT_TYPE,
            field="contract",
        )
    Contract.objects.select_for_update().filter(pk=contract.pk).get()
    if RoyaltyTerm.objects.filter(contract=contract).exists():
        raise ApplicationError(
            _("The contract already has royalty terms."), code=SettlementError.ROYALTY_EXISTS, status=409
        )
    if not Decimal(0) <= rate_percent <= Decimal(100):
        raise bad_input(
            _("The rate is between 0% and 100%."), code=SettlementError.ROYALTY_BAD_TERM, field="rate_percent"
        )
    if per_unit_fee < 0 or minimum_annual < 0:
        raise bad_input(_("Amounts are not negative."), code=SettlementError.ROYALTY_BAD_TERM, field="per_unit_fee")
    if rate_percent == 0 and per_unit_fee == 0:
        raise bad_input(
            _("Give a rate of net sales, a fee per unit, or both."),
            code=SettlementError.ROYALTY_BAD_TERM,
            field="rate_percent",
        )
    return RoyaltyTerm.objects.create(
        contract=contract,
        period=period,
        starts_on=starts_on,
        rate_percent=rate_percent,
        per_unit_fee=per_unit_fee,
        minimum_annual=minimum_annual,
        due_days=due_days,
        created_by=actor,
    )


def _due(*, term: RoyaltyTerm, period_index: int, net_sales: Decimal, units_sold: int) -> royalty.Due:
    year = royalty.year_periods(period=term.period, index=period_index)
    earlier = RoyaltyReport.objects.filter(term=term, period_index__gte=year.start, period_index__lt=period_index)
    earlier_running = Decimal(
        earlier.aggregate(s=Coalesce(Sum("running_amount"), Value(Decimal("0.00")), output_field=_MONEY))["s"]
    )
    return royalty.amount_due(
        net_sales=net_sales,
        units=units_sold,
        rate_percent=term.rate_percent,
        per_unit_fee=term.per_unit_fee,
        minimum_annual=term.minimum_annual,
        period=term.period,
        index=period_index,
        earlier_running_this_year=earlier_running,
    )


@transaction.atomic
def royalty_report_submit(
    *, actor: User, term: RoyaltyTerm, period_index: int, net_sales: Decimal, units_sold: int = 0
) -> RoyaltyReport:
    """The licensee (buyer) reports a period's net sales; the amount due is computed, never entered."""
    term = RoyaltyTerm.objects.select_for_update().select_related("contract").get(pk=term.pk)
    if not is_buyer(actor, term.contract):
        raise not_allowed(_("Only the licensee reports its sales."))
    reported = RoyaltyReport.objects.filter(term=term).count()
    if period_index != reported + 1:
        raise bad_input(
            _("Report period %(next)s next: periods are reported in order.") % {"next": reported + 1},
            code=SettlementError.ROYALTY_PERIOD_ORDER,
            field="period_index",
        )
    if net_sales < 0 or units_sold < 0:
        raise bad_input(_("Sales are not negative."), code=SettlementError.BAD_AMOUNT, field="net_sales")
    start, end = royalty.period_bounds(starts_on=term.starts_on, period=term.period, index=period_index)
    if end >= market_today():
        raise bad_input(
            _("The period ends on %(end)s: report it after that day.") % {"end": end},
            code=SettlementError.ROYALTY_PERIOD_OPEN,
            field="period_index",
        )
    due = _due(term=term, period_index=period_index, net_sales=net_sales, units_sold=units_sold)
    return RoyaltyReport.objects.create(
        term=term,
        contract=term.contract,
        period_index=period_index,
        period_start=start,
        period_end=end,
        net_sales=net_sales,
        units_sold=units_sold,
        running_amount=due.running,
        minimum_top_up=due.top_up,
        amount_due=due.total,
        due_on=end + timedelta(days=term.due_days),
        reported_by=actor,
    )


@transaction.atomic
def royalty_report_answer(*, actor: User, report: RoyaltyReport, action: str, reason: str = "") -> RoyaltyReport:
    """The licensor (seller) acknowledges or disputes a report."""
    if not is_seller(actor, report.contract):
        raise not_allowed(_("Only the licensor answers a sales report."))
    if action == "dispute" and not reason.strip():
        raise bad_input(_("Say why the report is disputed."), code=SettlementError.BAD_AMOUNT, field="reason")
    changes = {"dispute_reason": reason} if action == "dispute" else {}
    ROYALTY_REPORT_LIFECYCLE.move(model=RoyaltyReport, pk=report.pk, action=action, **changes)
    return RoyaltyReport.objects.get(pk=report.pk)


@transaction.atomic
def royalty_report_correct(
    *, actor: User, report: RoyaltyReport, net_sales: Decimal, units_sold: int = 0
) -> RoyaltyReport:
    """The licensee corrects a disputed report (the latest one only: a later period's minimum top-up was
    computed from it); the amount due is computed again and the report is submitted anew."""
    term = RoyaltyTerm.objects.select_for_update().select_related("contract").get(pk=report.term_id)
    if not is_buyer(actor, term.contract):
        raise not_allowed(_("Only the licensee reports its sales."))
    if net_sales < 0 or units_sold < 0:
        raise bad_input(_("Sales are not negative."), code=SettlementError.BAD_AMOUNT, field="net_sales")
    if RoyaltyReport.objects.filter(term=term, period_index__gt=report.period_index).exists():
        raise ApplicationError(
            _("Only the latest report can be corrected."), code=SettlementError.ROYALTY_BAD_TRANSITION, status=409
        )
    due = _due(term=term, period_index=report.period_index, net_sales=net_sales, units_sold=units_sold)
    ROYALTY_REPORT_LIFECYCLE.move(
        model=RoyaltyReport,
        pk=report.pk,
        action="correct",
        net_sales=net_sales,
        units_sold=units_sold,
        running_amount=due.running,
        minimum_top_up=due.top_up,
        amount_due=due.total,
        dispute_reason="",
    )
    return RoyaltyReport.objects.get(pk=report.pk)


def report_paid(report_id: int) -> Decimal:
    total = RoyaltyPayment.objects.filter(report_id=report_id).aggregate(
        s=Coalesce(Sum("payment__amount"), Value(Decimal("0.00")), output_field=_MONEY)
    )["s"]
    return Decimal(total)


@transaction.atomic
def royalty_payment_record(
    *, actor: User, report: RoyaltyReport, amount: Decimal, paid_on: date, reference: str = ""
) -> RoyaltyPayment:
    """A payment of an acknowledged report (the parties or the operator); it is a contract payment too."""
    locked = RoyaltyReport.objects.select_for_update().select_related("contract").get(pk=report.pk)
    if not is_party_or_operator(actor, locked.contract):
        raise not_allowed(_("Only the parties or the operator record royalty payments."))
    if locked.status != R.ACKNOWLEDGED:
        raise ApplicationError(
            _("Only an acknowledged report is paid against."),
            code=SettlementError.ROYALTY_BAD_TRANSITION,
            status=409,
            extra={"current_status": locked.status},
        )
    if amount <= 0:
        raise bad_input(_("The amount must be more than zero."), code=SettlementError.BAD_AMOUNT, field="amount")
    paid = report_paid(locked.pk)
    if paid + amount > locked.amount_due:
        raise bad_input(
            _("Payments would exceed the amount due (%(paid)s of %(due)s yuan paid).")
            % {"paid": paid, "due": locked.amount_due},
            code=SettlementError.ROYALTY_OVERPAID,
            field="amount",
        )
    payment = payment_create(
        actor=actor,
        contract=locked.contract,
        amount=amount,
        paid_on=paid_on,
        reference=reference,
        note=_("Royalty for period %(index)s") % {"index": locked.period_index},
    )
    record = RoyaltyPayment.objects.create(report=locked, payment=payment)
    income_allocate(payment=payment)
    return record
