"""Writes of a contract's payment milestones and the payments received."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.contracts.models import Contract, Payment, PaymentMilestone
from apps.contracts.selectors import is_contract_party, market_today
from apps.contracts.services.contracts import sum_amounts
from apps.contracts.services.errors import ContractError
from apps.contracts.services.errors import bad_input as _bad
from apps.contracts.services.evidence import evidence_payment
from apps.contracts.services.webhooks import publish_payment
from apps.core.effects import effect
from apps.core.errors import ApplicationError
from apps.organizations.access import is_operator


def check_payment_writer(*, actor: User, contract: Contract) -> None:
    """Money received is recorded by the parties' members or the operator."""
    if is_operator(actor) or is_contract_party(actor=actor, contract=contract):
        return
    raise ApplicationError(
        _("Only the parties or the operator record payments."), code=ContractError.NOT_ALLOWED, status=403
    )


@transaction.atomic
def milestone_create(*, actor: User, contract: Contract, title: str, due_on: date, amount: Decimal) -> PaymentMilestone:
    check_payment_writer(actor=actor, contract=contract)
    locked = Contract.objects.select_for_update().get(pk=contract.pk)
    if amount <= 0:
        raise _bad(_("The amount must be more than zero."), code=ContractError.BAD_AMOUNT, field="amount")
    if sum_amounts(PaymentMilestone.objects.filter(contract=locked)) + amount > locked.contract_amount:
        raise _bad(
            _("The payment milestones would exceed the contract amount."),
            code=ContractError.MILESTONES_EXCEED,
            field="amount",
        )
    return PaymentMilestone.objects.create(contract=locked, title=title, due_on=due_on, amount=amount)


@transaction.atomic
def payment_create(
    *,
    actor: User,
    contract: Contract,
    amount: Decimal,
    paid_on: date,
    reference: str = "",
    note: str = "",
    milestone_id: int | None = None,
) -> Payment:
    """Record money received. The contract row is locked so two payments cannot together pass its amount."""
    check_payment_writer(actor=actor, contract=contract)
    locked = Contract.objects.select_for_update().get(pk=contract.pk)
    if amount <= 0:
        raise _bad(_("The amount must be more than zero."), code=ContractError.BAD_AMOUNT, field="amount")
    if paid_on > market_today():
        raise _bad(_("The payment date cannot be in the future."), code=ContractError.PAID_IN_FUTURE, field="paid_on")
    milestone = None
    if milestone_id is not None:
        milestone = PaymentMilestone.objects.filter(pk=milestone_id, contract=locked).first()
        if milestone is None:
            raise _bad(
                _("No such milestone on this contract."), code=ContractError.UNKNOWN_MILESTONE, field="milestone_id"
            )
    already = sum_amounts(Payment.objects.filter(contract=locked))
    if already + amount > locked.contract_amount:
        raise ApplicationError(
            _("Payments would exceed the contract amount (%(paid)s of %(total)s yuan already paid).")
            % {"paid": already, "total": locked.contract_amount},
            code=ContractError.PAYMENTS_EXCEED,
            status=400,
            field_errors={"amount": _("Beyond the contract amount.")},
            extra={"paid_amount": str(already), "contract_amount": str(locked.contract_amount)},
        )
    payment = Payment.objects.create(
        contract=locked,
        milestone=milestone,
        amount=amount,
        paid_on=paid_on,
        reference=reference,
        note=note,
        recorded_by=actor,
    )
    effect("stats.fold_contract", contract_id=locked.pk)
    evidence_payment(payment=payment)
    publish_payment(payment)
    return payment
