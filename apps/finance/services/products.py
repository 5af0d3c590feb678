"""Finance products: an institution drafts, publishes and withdraws them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts.models import User
from apps.core.errors import ApplicationError
from apps.core.lifecycle import Lifecycle, Transition
from apps.finance.eligibility import RuleError, validate_rules
from apps.finance.models import FinancialProduct, ProductStatus
from apps.finance.services.errors import FinanceError
from apps.organizations.access import organization_ids
from apps.organizations.models import FINANCE_ORGANIZATION_TYPES, Organization, VerificationStatus

PRODUCT_LIFECYCLE = Lifecycle(
    transitions={
        "publish": Transition(sources=(ProductStatus.DRAFT, ProductStatus.WITHDRAWN), target=ProductStatus.PUBLISHED),
        "withdraw": Transition(sources=(ProductStatus.PUBLISHED,), target=ProductStatus.WITHDRAWN),
    },
    error_code=FinanceError.BAD_TRANSITION,
    message=gettext_lazy("A product that is %(status)s cannot be moved this way."),
    labels=ProductStatus,
)

EDITABLE_FIELDS = frozenset(
    {
        "name",
        "description",
        "min_amount",
        "max_amount",
        "min_term_months",
        "max_term_months",
        "min_rate",
        "max_rate",
        "eligibility_rules",
    }
)


def check_institution_member(*, actor: User, institution: Organization) -> None:
    """Refuse (403) an actor who does not act for ``institution``; refuse a non-finance organisation."""
    if institution.type not in FINANCE_ORGANIZATION_TYPES:
        raise ApplicationError(
            _("Only banks, guarantee companies and investors offer finance products."),
            code=FinanceError.NOT_INSTITUTION,
            field_errors={"institution_id": _("Not a financial institution.")},
        )
    if institution.pk not in organization_ids(actor):
        raise ApplicationError(
            _("You do not act for this institution."), code=FinanceError.NOT_INSTITUTION_MEMBER, status=403
        )


def _check_product(values: dict[str, Any]) -> None:
    for low, high, field in (
        ("min_amount", "max_amount", "max_amount"),
        ("min_term_months", "max_term_months", "max_term_months"),
        ("min_rate", "max_rate", "max_rate"),
    ):
        if values[high] < values[low]:
            raise ApplicationError(
                _("The maximum is below the minimum."),
                code=FinanceError.BAD_RANGE,
                field_errors={field: _("Below the minimum.")},
            )
    try:
        values["eligibility_rules"] = validate_rules(values["eligibility_rules"])
    except RuleError as exc:
        raise ApplicationError(
            str(exc),
            code=FinanceError.BAD_RULES,
            field_errors={"eligibility_rules": str(exc)},
            extra={"rule_index": exc.index},
        ) from None


@transaction.atomic
def product_create(
    *,
    actor: User,
    institution: Organization,
    name: str,
    kind: str,
    min_amount: Decimal,
    max_amount: Decimal,
    min_term_months: int,
    max_term_months: int,
    min_rate: Decimal,
    max_rate: Decimal,
    eligibility_rules: list[Any],
    description: str = "",
) -> FinancialProduct:
    """A draft product of ``institution``; published separately."""
    check_institution_member(actor=actor, institution=institution)
    values: dict[str, Any] = {
        "name": name,
        "description": description,
        "min_amount": min_amount,
        "max_amount": max_amount,
        "min_term_months": min_term_months,
        "max_term_months": max_term_months,
        "min_rate": min_rate,
        "max_rate": max_rate,
        "eligibility_rules": eligibility_rules,
    }
    _check_product(values)
    return FinancialProduct.objects.create(institution=institution, kind=kind, created_by=actor, **values)


@transaction.atomic
def product_update(*, actor: User, product: FinancialProduct, data: dict[str, Any]) -> FinancialProduct:
    """Change a draft or withdrawn product (a published one is withdrawn first, so applicants see stable terms)."""
    check_institution_member(actor=actor, institution=product.institution)
    product = FinancialProduct.objects.select_for_update().get(pk=product.pk)
    if product.status == ProductStatus.PUBLISHED:
        raise ApplicationError(
            _("Withdraw a published product before changing it."), code=FinanceError.PRODUCT_NOT_EDITABLE, status=409
        )
    values = {f: getattr(product, f) for f in EDITABLE_FIELDS}
    values.update({k: v for k, v in data.items() if k in EDITABLE_FIELDS})
    _check_product(values)
    for field, value in values.items():
        setattr(product, field, value)
    product.save()
    return product


@transaction.atomic
def product_publish(*, actor: User, product: FinancialProduct) -> FinancialProduct:
    check_institution_member(actor=actor, institution=product.institution)
    if product.institution.verification_status != VerificationStatus.VERIFIED:
        raise ApplicationError(
            _("The operator must verify the institution before it publishes products."),
            code=FinanceError.INSTITUTION_NOT_VERIFIED,
            status=409,
        )
    PRODUCT_LIFECYCLE.move(model=FinancialProduct, pk=product.pk, action="publish", published_at=timezone.now())
    return FinancialProduct.objects.select_related("institution").get(pk=product.pk)


@transaction.atomic
def product_withdraw(*, actor: User, product: FinancialProduct) -> FinancialProduct:
    check_institution_member(actor=actor, institution=product.institution)
    PRODUCT_LIFECYCLE.move(model=FinancialProduct, pk=product.pk, action="withdraw")
    return FinancialProduct.objects.select_related("institution").get(pk=product.pk)
