"""Figures of technology finance: the risk pool's report and the financing volume (融资额)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, FilteredRelation, Q, Sum
from django.db.models.functions import TruncMonth

from apps.finance.ledger import ZERO
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
from apps.organizations.models import QualificationStatus

# Money counted as financed: disbursed, whatever happened after.
FINANCED_STATUSES = (ApplicationStatus.DISBURSED, ApplicationStatus.REPAID, ApplicationStatus.DEFAULTED)
VOLUME_DIMS = ("month", "kind", "institution_type", "qualification")
# The cut by qualification: the borrower's verified tags valid on the disbursement day (高新技术企业,
# 科技型中小企业 …), "none" without one. A borrower holding two kinds counts under both, so these rows may
# add up to more than the total; the total counts each disbursement once.
NO_QUALIFICATION = "none"


def pool_report(pool: RiskPool) -> dict[str, Any]:
    """Balances per account, the pool's cash and the check that the ledger balances."""
    by_account = {
        row["account"]: (row["debit"] or ZERO) - (row["credit"] or ZERO)
        for row in LedgerEntry.objects.filter(posting__pool=pool)
        .values("account")
        .annotate(debit=Sum("debit"), credit=Sum("credit"))
    }
    totals = LedgerEntry.objects.filter(posting__pool=pool).aggregate(debit=Sum("debit"), credit=Sum("credit"))
    debits, credits = totals["debit"] or ZERO, totals["credit"] or ZERO
    kinds = {
        row["kind"]: row["total"]
        for row in LedgerPosting.objects.filter(pool=pool).values("kind").annotate(total=Sum("amount"))
    }
    enrolments = PoolEnrolment.objects.filter(pool=pool, status=EnrolmentStatus.APPROVED).aggregate(
        count=Count("pk"),
        amount=Sum("covered_amount"),
        defaulted=Count("pk", filter=Q(application__status=ApplicationStatus.DEFAULTED)),
    )

    def balance(account: str) -> Decimal:
        return by_account.get(account, ZERO)

    return {
        "pool_id": pool.pk,
        "capital_paid_in": kinds.get(PostingKind.CAPITAL, ZERO),
        "compensation_paid": balance(LedgerAccount.COMPENSATION_PAID),
        "recoveries_returned": -balance(LedgerAccount.RECOVERIES),
        "pool_balance": balance(LedgerAccount.POOL_CASH),
        "bank_loss": balance(LedgerAccount.BANK_LOSS),
        "guarantor_loss": balance(LedgerAccount.GUARANTOR_LOSS),
        "losses_total": kinds.get(PostingKind.COMPENSATION, ZERO),
        "enrolled_loans": enrolments["count"],
        "enrolled_amount": enrolments["amount"] or ZERO,
        "defaulted_loans": enrolments["defaulted"],
        "total_debits": debits,
        "total_credits": credits,
        "balanced": debits == credits,
    }


@dataclass
class VolumeReport:
    date_from: date | None
    date_to: date | None
    by: list[str]
    rows: list[dict[str, Any]] = field(default_factory=list)
    total_count: int = 0
    total_amount: Decimal = ZERO


def financing_volume(*, date_from: date | None, date_to: date | None, by: list[str]) -> VolumeReport:
    """Disbursed finance (loans and investments) by month of disbursement, product kind and institution type.

    ``date_from``/``date_to`` bound the disbursement day (inclusive); ``by`` is a subset of
    :data:`VOLUME_DIMS`; with none, one total row.
    """
    qs = FinancingApplication.objects.filter(status__in=FINANCED_STATUSES, disbursed_on__isnull=False)
    if date_from:
        qs = qs.filter(disbursed_on__gte=date_from)
    if date_to:
        qs = qs.filter(disbursed_on__lte=date_to)
    columns = {
        "month": "month",
        "kind": "product__kind",
        "institution_type": "institution__type",
        "qualification": "valid_tag__kind",
    }
    keys = [columns[d] for d in by]
    grouped = qs.annotate(month=TruncMonth("disbursed_on")) if "month" in by else qs
    if "qualification" in by:
        tags = "enterprise__qualification_tags"
        grouped = grouped.annotate(
            valid_tag=FilteredRelation(
                tags,
                condition=Q(
                    **{
                        f"{tags}__status": QualificationStatus.VERIFIED,
                        f"{tags}__valid_from__lte": F("disbursed_on"),
                        f"{tags}__valid_until__gte": F("disbursed_on"),
                    }
                ),
            )
        )
    rows = []
    for row in grouped.values(*keys).annotate(count=Count("pk"), amount=Sum("disbursed_amount")).order_by(*keys):
        item: dict[str, Any] = {}
        for dim in by:
            value = row[columns[dim]]
            if dim == "month":
                value = f"{value:%Y-%m}"
            elif dim == "qualification" and value is None:
                value = NO_QUALIFICATION
            item[dim] = value
        item["count"] = row["count"]
        item["amount"] = row["amount"] or ZERO
        rows.append(item)
    totals = qs.aggregate(count=Count("pk"), amount=Sum("disbursed_amount"))
    return VolumeReport(
        date_from=date_from,
        date_to=date_to,
        by=by,
        rows=rows if by else [],
        total_count=totals["count"],
        total_amount=totals["amount"] or ZERO,
    )
