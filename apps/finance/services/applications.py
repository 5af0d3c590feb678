"""Applications of a financing request to a product, and the institution's decisions on them.

submitted → under_review → approved | declined → disbursed → repaid | defaulted; the enterprise may
withdraw before a decision. The institution's members move it; a default of a loan enrolled in the
risk pool shares the loss there (:func:`apps.finance.services.pool.compensate_default`).
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts.models import User
from apps.core.errors import ApplicationError
from apps.core.lifecycle import Lifecycle, Transition
from apps.finance.models import (
    LOAN_KINDS,
    ApplicationEvent,
    ApplicationStatus,
    FinancialProduct,
    FinancingApplication,
    FinancingRequest,
    ProductStatus,
    RequestStatus,
)
from apps.finance.selectors.matching import match_product
from apps.finance.services.errors import FinanceError
from apps.finance.services.pool import compensate_default
from apps.finance.services.requests import check_enterprise_member
from apps.notifications.services import notify
from apps.organizations.access import organization_ids

S = ApplicationStatus
APPLICATION_LIFECYCLE = Lifecycle(
    transitions={
        "review": Transition(sources=(S.SUBMITTED,), target=S.UNDER_REVIEW),
        "approve": Transition(sources=(S.SUBMITTED, S.UNDER_REVIEW), target=S.APPROVED),
        "decline": Transition(sources=(S.SUBMITTED, S.UNDER_REVIEW), target=S.DECLINED),
        "withdraw": Transition(sources=(S.SUBMITTED, S.UNDER_REVIEW), target=S.WITHDRAWN),
        "disburse": Transition(sources=(S.APPROVED,), target=S.DISBURSED),
        "repay": Transition(sources=(S.DISBURSED,), target=S.REPAID),
        "default": Transition(sources=(S.DISBURSED,), target=S.DEFAULTED),
    },
    error_code=FinanceError.BAD_TRANSITION,
    message=gettext_lazy("An application that is %(status)s cannot be moved this way."),
    labels=S,
)


def _members(organization_id: int) -> list[User]:
    return list(User.objects.filter(memberships__organization_id=organization_id, is_active=True))


def _event(application: FinancingApplication, previous: str, actor: User, note: str = "") -> None:
    application.refresh_from_db()
    ApplicationEvent.objects.create(
        application=application, from_status=previous, to_status=application.status, note=note, actor=actor
    )


@transaction.atomic
def application_submit(
    *, actor: User, request: FinancingRequest, product: FinancialProduct, note: str = ""
) -> FinancingApplication:
    """The enterprise applies with its request to a published product whose hard rules it meets."""
    check_enterprise_member(actor=actor, request=request)
    request = FinancingRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != RequestStatus.OPEN:
        raise ApplicationError(_("This request is closed."), code=FinanceError.REQUEST_CLOSED, status=409)
    if product.status != ProductStatus.PUBLISHED:
        raise ApplicationError(
            _("This product is not open for applications."), code=FinanceError.PRODUCT_NOT_PUBLISHED, status=409
        )
    result = match_product(request=request, product=product, on=timezone.localdate())
    if not result.eligible:
        raise ApplicationError(
            _("The request does not meet this product's eligibility rules."),
            code=FinanceError.NOT_ELIGIBLE,
            status=409,
            extra={"rules": [asdict(r) for r in result.rules if not r.passed]},
        )
    try:
        with transaction.atomic():
            application = FinancingApplication.objects.create(
                request=request,
                product=product,
                institution_id=product.institution_id,
                enterprise_id=request.enterprise_id,
                match={
                    "eligible": result.eligible,
                    "score": result.score,
                    "rules": [asdict(r) for r in result.rules],
                    "fit": [asdict(f) for f in result.fit],
                },
                note=note,
                submitted_by=actor,
            )
    except IntegrityError:
        raise ApplicationError(
            _("This request has already been sent to this product."), code=FinanceError.ALREADY_APPLIED, status=409
        ) from None
    ApplicationEvent.objects.create(application=application, to_status=application.status, note=note, actor=actor)
    notify(
        recipients=_members(product.institution_id),
        kind="finance.application_submitted",
        title=format_lazy(gettext_lazy("New application for {product}"), product=product.name),
        body=format_lazy(
            gettext_lazy("{enterprise} asks for ¥{amount} over {months} months."),
            enterprise=request.enterprise.name,
            amount=request.amount,
            months=request.term_months,
        ),
        target=application,
    )
    return application


def _check_institution(actor: User, application: FinancingApplication) -> None:
    if application.institution_id not in organization_ids(actor):
        raise ApplicationError(
            _("Only the institution's members decide on this application."),
            code=FinanceError.NOT_INSTITUTION_MEMBER,
            status=403,
        )


def _tell_enterprise(application: FinancingApplication) -> None:
    notify(
        recipients=_members(application.enterprise_id),
        kind="finance.application_decided",
        title=format_lazy(
            gettext_lazy("{product}: {status}"),
            product=application.product.name,
            status=S(application.status).label,
        ),
        body=application.decision_note,
        target=application,
    )


def _move(actor: User, application: FinancingApplication, action: str, note: str = "", **changes: Any) -> Any:
    previous = APPLICATION_LIFECYCLE.move(model=FinancingApplication, pk=application.pk, action=action, **changes)
    _event(application, previous, actor, note)
    return previous


@transaction.atomic
def application_review(*, actor: User, application: FinancingApplication) -> FinancingApplication:
    _check_institution(actor, application)
    _move(actor, application, "review")
    _tell_enterprise(application)
    return application


@transaction.atomic
def application_approve(
    *,
    actor: User,
    application: FinancingApplication,
    amount: Decimal,
    rate: Decimal,
    term_months: int,
    note: str = "",
) -> FinancingApplication:
    _check_institution(actor, application)
    product = application.product
    problems = {}
    if not product.min_amount <= amount <= product.max_amount:
        problems["amount"] = _("Outside the product's amount range.")
    if not product.min_rate <= rate <= product.max_rate:
        problems["rate"] = _("Outside the product's rate range.")
    if not product.min_term_months <= term_months <= product.max_term_months:
        problems["term_months"] = _("Outside the product's term range.")
    if problems:
        raise ApplicationError(
            _("The approved terms must lie within the product's ranges."),
            code=FinanceError.APPROVAL_TERMS,
            field_errors=problems,
        )
    _move(
        actor,
        application,
        "approve",
        note,
        approved_amount=amount,
        approved_rate=rate,
        approved_term_months=term_months,
        decision_note=note,
        decided_at=timezone.now(),
        decided_by_id=actor.pk,
    )
    _tell_enterprise(application)
    return application


@transaction.atomic
def application_decline(*, actor: User, application: FinancingApplication, note: str) -> FinancingApplication:
    _check_institution(actor, application)
    _move(actor, application, "decline", note, decision_note=note, decided_at=timezone.now(), decided_by_id=actor.pk)
    _tell_enterprise(application)
    return application


@transaction.atomic
def application_withdraw(*, actor: User, application: FinancingApplication, note: str = "") -> FinancingApplication:
    check_enterprise_member(actor=actor, request=application.request)
    _move(actor, application, "withdraw", note)
    return application


def _check_day(day: date, field: str) -> None:
    if day > timezone.localdate():
        raise ApplicationError(
            _("The date cannot be in the future."),
            code=FinanceError.DISBURSEMENT,
            field_errors={field: _("In the future.")},
        )


@transaction.atomic
def application_disburse(
    *, actor: User, application: FinancingApplication, amount: Decimal, disbursed_on: date
) -> FinancingApplication:
    _check_institution(actor, application)
    _check_day(disbursed_on, "disbursed_on")
    if application.approved_amount is not None and amount > application.approved_amount:
        raise ApplicationError(
            _("The disbursed amount exceeds the approved amount."),
            code=FinanceError.DISBURSEMENT,
            field_errors={"amount": _("More than approved.")},
        )
    _move(actor, application, "disburse", disbursed_amount=amount, disbursed_on=disbursed_on)
    _tell_enterprise(application)
    return application


def _check_loan(application: FinancingApplication) -> None:
    if application.product.kind not in LOAN_KINDS:
        raise APPLICATION_LIFECYCLE.refusal(application.status, "repay")


@transaction.atomic
def application_repay(*, actor: User, application: FinancingApplication, closed_on: date) -> FinancingApplication:
    _check_institution(actor, application)
    _check_loan(application)
    _check_day(closed_on, "closed_on")
    _move(actor, application, "repay", closed_on=closed_on)
    _tell_enterprise(application)
    return application


@transaction.atomic
def application_default(
    *, actor: User, application: FinancingApplication, closed_on: date, loss_amount: Decimal
) -> FinancingApplication:
    """The loan defaulted with ``loss_amount`` unrecovered; an enrolled loan's loss is shared by the pool."""
    _check_institution(actor, application)
    _check_loan(application)
    _check_day(closed_on, "closed_on")
    if loss_amount <= 0 or (application.disbursed_amount is not None and loss_amount > application.disbursed_amount):
        raise ApplicationError(
            _("The loss is more than zero and at most the disbursed amount."),
            code=FinanceError.LOSS,
            field_errors={"loss_amount": _("Out of range.")},
        )
    _move(actor, application, "default", closed_on=closed_on, loss_amount=loss_amount)
    compensate_default(actor=actor, application=application, loss=loss_amount, on=closed_on)
    _tell_enterprise(application)
    return application
