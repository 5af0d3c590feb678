"""Matching a financing request against published products: hard rules, then the fit score."""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet

from apps.finance.eligibility import Match, Terms, Wanted, match
from apps.finance.models import FinancialProduct, FinancingRequest, ProductStatus
from apps.finance.selectors.profile import rule_profile
from apps.organizations.selectors import active_qualification_kinds


def _terms(product: FinancialProduct) -> Terms:
    return Terms(
        kind=product.kind,
        min_amount=product.min_amount,
        max_amount=product.max_amount,
        min_term_months=product.min_term_months,
        max_term_months=product.max_term_months,
        min_rate=product.min_rate,
        rules=product.eligibility_rules,
    )


def _wanted(request: FinancingRequest) -> Wanted:
    return Wanted(amount=request.amount, term_months=request.term_months, kind=request.kind)


def match_product(*, request: FinancingRequest, product: FinancialProduct, on: date) -> Match:
    """One product against the request; qualifications are read as of ``on`` (a tag may have expired since)."""
    profile = rule_profile(request.profile, qualifications=active_qualification_kinds(request.enterprise_id, on))
    return match(_terms(product), _wanted(request), profile)


def published_products() -> QuerySet[FinancialProduct]:
    return FinancialProduct.objects.filter(
        status=ProductStatus.PUBLISHED, institution__verification_status="verified"
    ).select_related("institution")


def match_request(*, request: FinancingRequest, on: date) -> list[tuple[FinancialProduct, Match]]:
    """Every published product, eligible ones first, then by fit score (best first)."""
    profile = rule_profile(request.profile, qualifications=active_qualification_kinds(request.enterprise_id, on))
    wanted = _wanted(request)
    results = [(product, match(_terms(product), wanted, profile)) for product in published_products()]
    results.sort(key=lambda pm: (not pm[1].eligible, -pm[1].score, pm[0].pk))
    return results
