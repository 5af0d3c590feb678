"""Technology-finance figures beside the transaction statistics: IP pledge financing (知识产权质押融资额, the
secured amounts of pledges registered in the window, by month of registration and by pledgee) and
post-subsidies paid (后补助兑现, disbursements by month paid and by policy). Read from custody and subsidies
at query time: both tables are small next to the contract cells."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Sum
from django.db.models.functions import Coalesce, TruncMonth

from apps.custody.models import Pledge
from apps.organizations.access import Actor
from apps.stats.selectors.report import check_statistics_access
from apps.subsidies.models import Disbursement

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class FinanceFigures:
    date_from: date
    date_to: date
    pledge_count: int
    pledge_amount: Decimal
    pledges_by_month: list[dict[str, Any]]
    pledges_by_pledgee: list[dict[str, Any]]
    subsidy_count: int
    subsidy_amount: Decimal
    subsidies_by_month: list[dict[str, Any]]
    subsidies_by_policy: list[dict[str, Any]]


def _month_end(month: date) -> date:
    """The first day after ``month`` (a first of month)."""
    return date(month.year + (month.month == 12), month.month % 12 + 1, 1)


def finance_totals(*, date_from: date, date_to: date) -> tuple[int, Decimal, int, Decimal]:
    """Pledge count and amount registered, subsidy disbursements count and amount paid, from the first of
    ``date_from``'s month to the end of ``date_to``'s month (no access check: callers check)."""
    end = _month_end(date_to.replace(day=1))
    start = date_from.replace(day=1)
    pledges = Pledge.objects.filter(registration_date__gte=start, registration_date__lt=end).aggregate(
        n=Count("id"), total=Sum("secured_amount")
    )
    paid = Disbursement.objects.filter(paid_on__gte=start, paid_on__lt=end).aggregate(
        n=Count("id"), total=Sum("amount")
    )
    return pledges["n"], pledges["total"] or ZERO, paid["n"], paid["total"] or ZERO


def finance_figures(*, actor: Actor, date_from: date, date_to: date) -> FinanceFigures:
    """The window's figures (months from ``date_from`` to ``date_to`` inclusive), for those who read statistics."""
    check_statistics_access(actor=actor)
    start, end = date_from.replace(day=1), _month_end(date_to.replace(day=1))
    pledges = Pledge.objects.filter(registration_date__gte=start, registration_date__lt=end)
    disbursements = Disbursement.objects.filter(paid_on__gte=start, paid_on__lt=end)
    pledge_count, pledge_amount, subsidy_count, subsidy_amount = finance_totals(date_from=start, date_to=date_to)
    by_month = (
        pledges.annotate(month=TruncMonth("registration_date"))
        .values("month")
        .annotate(count=Count("id"), amount=Sum("secured_amount"))
        .order_by("month")
    )
    by_pledgee = (
        pledges.annotate(name=Coalesce(F("pledgee_organization__name"), F("pledgee_name")))
        .values("pledgee_organization_id", "name")
        .annotate(count=Count("id"), amount=Sum("secured_amount"))
        .order_by("-amount", "name")
    )
    paid_by_month = (
        disbursements.annotate(month=TruncMonth("paid_on"))
        .values("month")
        .annotate(count=Count("id"), amount=Sum("amount"))
        .order_by("month")
    )
    by_policy = (
        disbursements.values("claim__policy_id", "claim__policy__name", "claim__policy__version")
        .annotate(count=Count("id"), amount=Sum("amount"))
        .order_by("claim__policy__name", "claim__policy__version")
    )
    return FinanceFigures(
        date_from=start,
        date_to=date_to.replace(day=1),
        pledge_count=pledge_count,
        pledge_amount=pledge_amount,
        pledges_by_month=[
            {"month": f"{r['month']:%Y-%m}", "count": r["count"], "amount": r["amount"]} for r in by_month
        ],
        pledges_by_pledgee=[
            {
                "pledgee_organization_id": r["pledgee_organization_id"],
                "pledgee": r["name"],
                "count": r["count"],
                "amount": r["amount"],
            }
            for r in by_pledgee
        ],
        subsidy_count=subsidy_count,
        subsidy_amount=subsidy_amount,
        subsidies_by_month=[
            {"month": f"{r['month']:%Y-%m}", "count": r["count"], "amount": r["amount"]} for r in paid_by_month
        ],
        subsidies_by_policy=[
            {
                "policy_id": r["claim__policy_id"],
                "policy": f"{r['claim__policy__name']} {r['claim__policy__version']}",
                "count": r["count"],
                "amount": r["amount"],
            }
            for r in by_policy
        ],
    )
