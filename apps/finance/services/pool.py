"""The risk compensation pool (风险补偿资金池): capital, enrolment of disbursed loans, default compensation
and recoveries, each a balanced ledger posting (rules in :mod:`apps.finance.ledger`)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts.models import User
from apps.core.errors import ApplicationError
from apps.finance import ledger
from apps.finance.models import (
    ApplicationStatus,
    EnrolmentStatus,
    FinancingApplication,
    LedgerAccount,
    LedgerEntry,
    LedgerPosting,
    PoolEnrolment,
    PostingKind,
    RiskPool,
)
from apps.finance.services.errors import FinanceError
from apps.notifications.services import notify
from apps.organizations.access import is_operator, operator_users, organization_ids, require_operator
from apps.organizations.models import Organization, OrganizationType, VerificationStatus
from apps.reference.models import Region


def _post(
    *,
    pool: RiskPool,
    kind: str,
    amount: Decimal,
    entries: list[ledger.Entry],
    posted_on: date,
    actor: User | None,
    enrolment: PoolEnrolment | None = None,
    memo: str = "",
) -> LedgerPosting:
    # A posting that does not balance is a programming error, never stored.
    assert ledger.is_balanced(entries), entries  # noqa: S101
    posting = LedgerPosting.objects.create(
        pool=pool, kind=kind, amount=amount, enrolment=enrolment, memo=memo, posted_on=posted_on, created_by=actor
    )
    LedgerEntry.objects.bulk_create(
        LedgerEntry(posting=posting, account=account, debit=debit, credit=credit) for account, debit, credit in entries
    )
    return posting


def pool_cash(pool: RiskPool) -> Decimal:
    totals = LedgerEntry.objects.filter(posting__pool=pool, account=LedgerAccount.POOL_CASH).aggregate(
        debit=Sum("debit"), credit=Sum("credit")
    )
    return (totals["debit"] or ledger.ZERO) - (totals["credit"] or ledger.ZERO)


@transaction.atomic
def pool_create(
    *,
    actor: User,
    name: str,
    region_code: str,
    pool_share: Decimal,
    bank_share: Decimal,
    guarantor_share: Decimal,
) -> RiskPool:
    require_operator(actor, _("Only the market operator manages risk compensation pools."))
    if pool_share + bank_share + guarantor_share != ledger.HUNDRED:
        raise ApplicationError(
            _("The pool's, bank's and guarantor's shares must add up to 100%."),
            code=FinanceError.SHARES,
            field_errors={"pool_share": _("Shares must sum to 100.")},
        )
    region = Region.objects.filter(pk=region_code).first()
    if region is None:
        raise ApplicationError(
            _("Unknown region code %(code)s.") % {"code": region_code},
            code=FinanceError.BAD_RANGE,
            field_errors={"region_code": _("Unknown region code.")},
        )
    return RiskPool.objects.create(
        name=name,
        region=region,
        pool_share=pool_share,
        bank_share=bank_share,
        guarantor_share=guarantor_share,
        created_by=actor,
    )


@transaction.atomic
def pool_contribute(*, actor: User, pool: RiskPool, amount: Decimal, posted_on: date, memo: str = "") -> LedgerPosting:
    """Capital paid into the pool (财政资金注入)."""
    require_operator(actor, _("Only the market operator manages risk compensation pools."))
    RiskPool.objects.select_for_update().filter(pk=pool.pk).first()
    return _post(
        pool=pool,
        kind=PostingKind.CAPITAL,
        amount=amount,
        entries=ledger.capital_entries(amount),
        posted_on=posted_on,
        actor=actor,
        memo=memo,
    )


def _institution_members(organization_id: int) -> list[User]:
    return list(User.objects.filter(memberships__organization_id=organization_id, is_active=True))


@transaction.atomic
def enrolment_request(
    *, actor: User, application: FinancingApplication, pool: RiskPool, guarantor_id: int | None = None
) -> PoolEnrolment:
    """The lending institution (or the operator) asks to enrol a disbursed loan in the pool."""
    if application.institution_id not in organization_ids(actor) and not is_operator(actor):
        raise ApplicationError(
            _("Only the lender or the operator enrols a loan."), code=FinanceError.NOT_INSTITUTION_MEMBER, status=403
        )
    if not pool.active:
        raise ApplicationError(_("This pool takes no new loans."), code=FinanceError.POOL_INACTIVE, status=409)
    application = FinancingApplication.objects.select_for_update().select_related("product").get(pk=application.pk)
    if application.status != ApplicationStatus.DISBURSED or application.product.kind == "equity_investment":
        raise ApplicationError(
            _("Only a disbursed loan can be enrolled."), code=FinanceError.ENROLMENT_STATE, status=409
        )
    if PoolEnrolment.objects.filter(application=application).exists():
        raise ApplicationError(
            _("This loan is already enrolled or awaiting enrolment."), code=FinanceError.ENROLMENT_STATE, status=409
        )
    guarantor = None
    if guarantor_id is not None:
        guarantor = Organization.objects.filter(
            pk=guarantor_id, type=OrganizationType.GUARANTEE_COMPANY, verification_status=VerificationStatus.VERIFIED
        ).first()
        if guarantor is None:
            raise ApplicationError(
                _("The guarantor must be a verified financing guarantee company."),
                code=FinanceError.NOT_GUARANTOR,
                field_errors={"guarantor_id": _("Not a verified guarantee company.")},
            )
    enrolment = PoolEnrolment.objects.create(
        pool=pool,
        application=application,
        guarantor=guarantor,
        covered_amount=application.disbursed_amount or ledger.ZERO,
        requested_by=actor,
    )
    notify(
        recipients=list(operator_users()),
        kind="finance.pool_enrolment",
        title=format_lazy(gettext_lazy("Loan awaiting enrolment in {pool}"), pool=pool.name),
        body=format_lazy(
            gettext_lazy("¥{amount} disbursed by {bank}."),
            amount=enrolment.covered_amount,
            bank=application.institution.name,
        ),
        target=enrolment,
    )
    return enrolment


@transaction.atomic
def enrolment_decide(*, actor: User, enrolment: PoolEnrolment, approve: bool, note: str = "") -> PoolEnrolment:
    require_operator(actor, _("Only the market operator decides pool enrolments."))
    updated = PoolEnrolment.objects.filter(pk=enrolment.pk, status=EnrolmentStatus.REQUESTED).update(
        status=EnrolmentStatus.APPROVED if approve else EnrolmentStatus.REJECTED,
        decided_by=actor,
        decided_at=timezone.now(),
        decision_note=note,
        updated_at=timezone.now(),
    )
    if not updated:
        raise ApplicationError(
            _("This enrolment has been decided already."), code=FinanceError.ENROLMENT_DECIDED, status=409
        )
    enrolment.refresh_from_db()
    notify(
        recipients=_institution_members(enrolment.application.institution_id),
        kind="finance.pool_enrolment",
        title=format_lazy(gettext_lazy("Pool enrolment {outcome}"), outcome=EnrolmentStatus(enrolment.status).label),
        body=note,
        target=enrolment,
    )
    return enrolment


def _loss_split(enrolment: PoolEnrolment) -> ledger.Split | None:
    """The split posted when the enrolled loan defaulted, read back from its compensation posting."""
    posting = enrolment.postings.filter(kind=PostingKind.COMPENSATION).first()
    if posting is None:
        return None
    debits = dict(posting.entries.filter(debit__gt=0).values_list("account", "debit"))
    return ledger.Split(
        pool=debits.get(LedgerAccount.COMPENSATION_PAID, ledger.ZERO),
        bank=debits.get(LedgerAccount.BANK_LOSS, ledger.ZERO),
        guarantor=debits.get(LedgerAccount.GUARANTOR_LOSS, ledger.ZERO),
    )


def compensate_default(*, actor: User, application: FinancingApplication, loss: Decimal, on: date) -> None:
    """Called inside the default's transaction: an enrolled loan's loss is shared and posted."""
    enrolment = (
        PoolEnrolment.objects.select_related("pool")
        .filter(application=application, status=EnrolmentStatus.APPROVED)
        .first()
    )
    if enrolment is None or loss <= 0:
        return
    pool = RiskPool.objects.select_for_update().get(pk=enrolment.pool_id)
    split = ledger.split_loss(
        loss,
        pool_share=pool.pool_share,
        guarantor_share=pool.guarantor_share,
        has_guarantor=enrolment.guarantor_id is not None,
        pool_cash=pool_cash(pool),
    )
    _post(
        pool=pool,
        kind=PostingKind.COMPENSATION,
        amount=loss,
        entries=ledger.compensation_entries(split),
        posted_on=on,
        actor=actor,
        enrolment=enrolment,
        memo=str(application.pk),
    )


@transaction.atomic
def recovery_record(*, actor: User, enrolment: PoolEnrolment, amount: Decimal, posted_on: date) -> LedgerPosting:
    """Money recovered on a defaulted, compensated loan, returned to the parties in their loss proportions."""
    if enrolment.application.institution_id not in organization_ids(actor) and not is_operator(actor):
        raise ApplicationError(
            _("Only the lender or the operator records a recovery."),
            code=FinanceError.NOT_INSTITUTION_MEMBER,
            status=403,
        )
    pool = RiskPool.objects.select_for_update().get(pk=enrolment.pool_id)
    loss = _loss_split(enrolment)
    if loss is None:
        raise ApplicationError(
            _("Only a compensated default can have recoveries."), code=FinanceError.RECOVERY, status=409
        )
    before = enrolment.postings.filter(kind=PostingKind.RECOVERY).aggregate(total=Sum("amount"))["total"] or ledger.ZERO
    if amount <= 0 or before + amount > loss.total:
        raise ApplicationError(
            _("Recoveries cannot exceed the loss (¥%(left)s left).") % {"left": f"{loss.total - before:.2f}"},
            code=FinanceError.RECOVERY,
            field_errors={"amount": _("More than the loss not yet recovered.")},
        )
    split = ledger.split_recovery(amount, recovered_before=before, loss=loss)
    return _post(
        pool=pool,
        kind=PostingKind.RECOVERY,
        amount=amount,
        entries=ledger.recovery_entries(split),
        posted_on=posted_on,
        actor=actor,
        enrolment=enrolment,
    )


__all__ = [
    "compensate_default",
    "enrolment_decide",
    "enrolment_request",
    "pool_cash",
    "pool_contribute",
    "pool_create",
    "recovery_record",
]
