"""Settlement through the market's escrow account: milestones, deposits, acceptance, disputes, refunds.

Every money movement is one :class:`Posting` with balanced lines (:mod:`apps.settlement.ledger`),
written under the milestone's row lock, so two concurrent deposits or a release racing a refund cannot
together move more than the milestone holds. A release to the seller records the contract payment it
makes (:func:`apps.contracts.services.payment_create`, against the milestone's payment milestone), so
the contract's paid amount and the statistics of paid amounts count it exactly once; a deposit is not
a payment to the seller and is not counted there.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Case, DecimalField, F, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts.models import User
from apps.contracts.models import Contract
from apps.contracts.selectors import market_today
from apps.contracts.services import milestone_create, payment_create
from apps.core.errors import ApplicationError
from apps.core.evidence import record_evidence
from apps.core.lifecycle import Lifecycle, Transition
from apps.organizations.access import is_operator, require_operator
from apps.settlement import ledger
from apps.settlement.models import EscrowMilestone, EscrowStatus, Posting, PostingKind, PostingLine
from apps.settlement.services.access import is_buyer, is_party_or_operator, is_seller
from apps.settlement.services.errors import SettlementError, bad_input, not_allowed
from apps.settlement.services.revenue import income_allocate

S = EscrowStatus

ESCROW_LIFECYCLE = Lifecycle(
    transitions={
        "fund": Transition(sources=(S.AWAITING_FUNDS,), target=S.FUNDED),
        "dispute": Transition(sources=(S.AWAITING_FUNDS, S.FUNDED), target=S.DISPUTED),
        "release": Transition(sources=(S.FUNDED, S.DISPUTED), target=S.RELEASED),
        "refund": Transition(sources=(S.AWAITING_FUNDS, S.FUNDED, S.DISPUTED), target=S.REFUNDED),
    },
    error_code=SettlementError.BAD_TRANSITION,
    message=gettext_lazy("An escrow milestone that is %(status)s cannot be moved this way."),
    labels=S,
)

_MONEY = DecimalField(max_digits=16, decimal_places=2)


def milestone_held(milestone_id: int) -> Decimal:
    """Deposits − releases − refunds of one milestone (from the ledger)."""
    signed = Case(
        When(kind=PostingKind.DEPOSIT, then=F("amount")),
        default=-F("amount"),
        output_field=_MONEY,
    )
    total = Posting.objects.filter(milestone_id=milestone_id).aggregate(
        held=Coalesce(Sum(signed), Value(Decimal("0.00")), output_field=_MONEY)
    )["held"]
    return Decimal(total)


def _deposited(milestone_id: int) -> Decimal:
    total = Posting.objects.filter(milestone_id=milestone_id, kind=PostingKind.DEPOSIT).aggregate(
        s=Coalesce(Sum("amount"), Value(Decimal("0.00")), output_field=_MONEY)
    )["s"]
    return Decimal(total)


def _post(
    *,
    actor: User,
    milestone: EscrowMilestone,
    kind: str,
    amount: Decimal,
    external_reference: str = "",
    note: str = "",
    payment_id: int | None = None,
) -> Posting:
    posting = Posting.objects.create(
        contract_id=milestone.contract_id,
        milestone=milestone,
        kind=kind,
        amount=amount,
        external_reference=external_reference,
        note=note,
        payment_id=payment_id,
        created_by=actor,
    )
    lines = ledger.lines_for(kind, amount)
    assert ledger.is_balanced(lines)  # noqa: S101 - the ledger's own rule; a failure is a programming error
    PostingLine.objects.bulk_create(
        PostingLine(posting=posting, account=line.account, debit=line.debit, credit=line.credit) for line in lines
    )
    return posting


def _attest(*, actor: User, milestone: EscrowMilestone, event: str, posting: Posting | None, **extra: object) -> None:
    """The settlement event in the evidence chain, last in the transaction (the chain head's lock comes
    after every row lock the change took, as apps.core.evidence asks)."""
    payload: dict[str, object] = {"contract_id": milestone.contract_id, "milestone_id": milestone.pk, **extra}
    if posting is not None:
        payload.update(
            posting_id=posting.pk,
            kind=posting.kind,
            amount=posting.amount,
            external_reference=posting.external_reference,
            payment_id=posting.payment_id,
        )
    record_evidence(
        stream="settlements",
        subject_type="escrow_milestone",
        subject_id=milestone.pk,
        event=event,
        payload=payload,
        actor_id=actor.pk,
    )


def _locked(milestone: EscrowMilestone) -> EscrowMilestone:
    return EscrowMilestone.objects.select_for_update().select_related("contract").get(pk=milestone.pk)


@transaction.atomic
def escrow_milestone_create(
    *, actor: User, contract: Contract, title: str, amount: Decimal, due_on: date, acceptance_criteria: str
) -> EscrowMilestone:
    """A milestone of the settlement plan (the parties or the operator); it is also the contract's payment
    milestone, so the schedule and its limit (all milestones ≤ the contract amount) stay the contracts'."""
    if not is_party_or_operator(actor, contract):
        raise not_allowed(_("Only the parties or the operator plan the settlement."))
    scheduled = milestone_create(actor=actor, contract=contract, title=title, due_on=due_on, amount=amount)
    return EscrowMilestone.objects.create(
        contract=contract,
        payment_milestone=scheduled,
        title=title,
        amount=amount,
        due_on=due_on,
        acceptance_criteria=acceptance_criteria,
    )


@transaction.atomic
def escrow_deposit(
    *, actor: User, milestone: EscrowMilestone, amount: Decimal, external_reference: str, note: str = ""
) -> tuple[Posting, bool]:
    """The buyer's money arrived in the escrow account (the buyer or the operator records it).

    Idempotent on the bank reference: the same reference with the same milestone and amount returns the
    first posting (``created`` False); with anything else it is refused (409). A milestone is funded
    when its deposits reach its amount; deposits never exceed it.
    """
    locked = _locked(milestone)
    contract = locked.contract
    if not (is_operator(actor) or is_buyer(actor, contract)):
        raise not_allowed(_("Only the buyer or the operator records deposits."))
    existing = Posting.objects.filter(contract=contract, external_reference=external_reference).first()
    if existing is not None:
        if existing.kind == PostingKind.DEPOSIT and existing.milestone_id == locked.pk and existing.amount == amount:
            return existing, False
        raise ApplicationError(
            _("This bank reference was already recorded for another movement."),
            code=SettlementError.REFERENCE_REUSED,
            status=409,
            field_errors={"external_reference": _("Already used on this contract.")},
        )
    if amount <= 0:
        raise bad_input(_("The amount must be more than zero."), code=SettlementError.BAD_AMOUNT, field="amount")
    ESCROW_LIFECYCLE.check(locked.status, "fund")
    deposited = _deposited(locked.pk)
    if deposited + amount > locked.amount:
        raise ApplicationError(
            _("Deposits would exceed the milestone (%(deposited)s of %(amount)s yuan deposited).")
            % {"deposited": deposited, "amount": locked.amount},
            code=SettlementError.DEPOSIT_EXCEEDS,
            status=400,
            field_errors={"amount": _("Beyond the milestone amount.")},
            extra={"deposited": str(deposited), "milestone_amount": str(locked.amount)},
        )
    posting = _post(
        actor=actor,
        milestone=locked,
        kind=PostingKind.DEPOSIT,
        amount=amount,
        external_reference=external_reference,
        note=note,
    )
    if deposited + amount == locked.amount:
        ESCROW_LIFECYCLE.move(model=EscrowMilestone, pk=locked.pk, action="fund")
    _attest(actor=actor, milestone=locked, event="escrow.deposited", posting=posting)
    return posting, True


def _release(*, actor: User, milestone: EscrowMilestone, note: str) -> Posting:
    held = milestone_held(milestone.pk)
    if held != milestone.amount:
        raise ApplicationError(_("The milestone is not fully funded yet."), code=SettlementError.NOT_FUNDED, status=409)
    payment = payment_create(
        actor=actor,
        contract=milestone.contract,
        amount=held,
        paid_on=market_today(),
        reference=f"ESCROW-{milestone.pk}",
        note=note or _("Released from escrow: %(title)s") % {"title": milestone.title},
        milestone_id=milestone.payment_milestone_id,
    )
    posting = _post(actor=actor, milestone=milestone, kind=PostingKind.RELEASE, amount=held, payment_id=payment.pk)
    ESCROW_LIFECYCLE.move(model=EscrowMilestone, pk=milestone.pk, action="release", decided_at=timezone.now())
    income_allocate(payment=payment)
    return posting


def _refund(*, actor: User, milestone: EscrowMilestone, note: str) -> Posting | None:
    held = milestone_held(milestone.pk)
    posting = None
    if held > 0:
        posting = _post(actor=actor, milestone=milestone, kind=PostingKind.REFUND, amount=held, note=note)
    ESCROW_LIFECYCLE.move(model=EscrowMilestone, pk=milestone.pk, action="refund", decided_at=timezone.now())
    return posting


@transaction.atomic
def escrow_accept(*, actor: User, milestone: EscrowMilestone, note: str = "") -> EscrowMilestone:
    """The buyer accepts the milestone's work: the held amount is released to the seller."""
    locked = _locked(milestone)
    if not is_buyer(actor, locked.contract):
        raise not_allowed(_("Only the buyer accepts a milestone."))
    ESCROW_LIFECYCLE.check(locked.status, "release")
    if locked.status == S.DISPUTED:
        raise ESCROW_LIFECYCLE.refusal(locked.status, "accept")
    posting = _release(actor=actor, milestone=locked, note=note)
    _attest(actor=actor, milestone=locked, event="escrow.released", posting=posting)
    return EscrowMilestone.objects.get(pk=locked.pk)


@transaction.atomic
def escrow_dispute(*, actor: User, milestone: EscrowMilestone, reason: str) -> EscrowMilestone:
    """Either party stops the milestone; the operator then releases or refunds."""
    locked = _locked(milestone)
    if not (is_buyer(actor, locked.contract) or is_seller(actor, locked.contract)):
        raise not_allowed(_("Only the parties dispute a milestone."))
    ESCROW_LIFECYCLE.move(model=EscrowMilestone, pk=locked.pk, action="dispute", dispute_reason=reason)
    _attest(actor=actor, milestone=locked, event="escrow.disputed", posting=None, reason=reason)
    return EscrowMilestone.objects.get(pk=locked.pk)


@transaction.atomic
def escrow_refund(*, actor: User, milestone: EscrowMilestone, note: str = "") -> EscrowMilestone:
    """The held amount goes back to the buyer: the seller gives the milestone up, or the operator decides."""
    locked = _locked(milestone)
    if not (is_operator(actor) or is_seller(actor, locked.contract)):
        raise not_allowed(_("Only the seller or the operator refunds a milestone."))
    ESCROW_LIFECYCLE.check(locked.status, "refund")
    posting = _refund(actor=actor, milestone=locked, note=note)
    _attest(actor=actor, milestone=locked, event="escrow.refunded", posting=posting)
    return EscrowMilestone.objects.get(pk=locked.pk)


@transaction.atomic
def escrow_resolve(*, actor: User, milestone: EscrowMilestone, outcome: str, note: str = "") -> EscrowMilestone:
    """The operator decides a disputed milestone: ``release`` to the seller or ``refund`` to the buyer."""
    require_operator(actor)
    locked = _locked(milestone)
    if locked.status != S.DISPUTED:
        raise ESCROW_LIFECYCLE.refusal(locked.status, "resolve")
    if outcome == "release":
        posting: Posting | None = _release(actor=actor, milestone=locked, note=note)
        event = "escrow.released"
    else:
        posting = _refund(actor=actor, milestone=locked, note=note)
        event = "escrow.refunded"
    _attest(actor=actor, milestone=locked, event=event, posting=posting, decided_by_operator=True)
    return EscrowMilestone.objects.get(pk=locked.pk)
