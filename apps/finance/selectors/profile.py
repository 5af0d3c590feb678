"""An enterprise's financing profile, built from what the market knows of it (read-only)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Sum

from apps.contracts.models import Contract, Payment, Registration, RegistrationStatus
from apps.custody.annuity import AnnuityError, term_end
from apps.custody.models import CustodyAsset, Pledge, PledgeStatus
from apps.finance.eligibility import Profile
from apps.ip.models import PATENT_KINDS, IPAsset, LegalStatus
from apps.listings.models import Achievement, Demand, ListingStatus
from apps.organizations.models import Organization
from apps.organizations.selectors import active_qualification_kinds

ZERO = Decimal("0.00")
# A pledge must outlive the loan: an asset with less than a year left is not pledgeable.
MIN_REMAINING_MONTHS = 12


def _months_between(start: date, end: date) -> int:
    months = (end.year - start.year) * 12 + end.month - start.month
    if end.day < start.day:
        months -= 1
    return max(months, 0)


def asset_rows(enterprise: Organization, *, on: date) -> list[dict[str, Any]]:
    """The enterprise's IP assets with what a lender checks: grant, annuities, pledges, remaining term."""
    assets = list(IPAsset.objects.filter(owner=enterprise).order_by("id"))
    ids = [a.pk for a in assets]
    custody = {row.asset_id: row for row in CustodyAsset.objects.filter(asset_id__in=ids, active=True)}
    pledged = set(
        Pledge.objects.filter(asset_id__in=ids, status=PledgeStatus.ACTIVE).values_list("asset_id", flat=True)
    )
    rows = []
    for asset in assets:
        granted = asset.legal_status == LegalStatus.GRANTED
        ends: date | None = None
        if asset.kind in PATENT_KINDS and asset.filing_date is not None:
            try:
                ends = term_end(asset.kind, asset.filing_date)
            except AnnuityError:
                ends = None
        remaining = _months_between(on, ends) if ends is not None else None
        held = custody.get(asset.pk)
        overdue = bool(held is not None and held.next_due_date is not None and held.next_due_date < on)
        pledgeable = (
            granted
            and asset.kind in PATENT_KINDS
            and asset.pk not in pledged
            and remaining is not None
            and remaining >= MIN_REMAINING_MONTHS
            and not overdue
        )
        rows.append(
            {
                "id": asset.pk,
                "kind": asset.kind,
                "title": asset.title,
                "patent_number": asset.patent_number,
                "legal_status": asset.legal_status,
                "granted": granted,
                "in_custody": held is not None,
                "paid_through_year": held.paid_through_year if held is not None else None,
                "next_annuity_due": held.next_due_date.isoformat() if held and held.next_due_date else None,
                "annuity_overdue": overdue,
                "pledged": asset.pk in pledged,
                "term_end": ends.isoformat() if ends else None,
                "remaining_months": remaining,
                "pledgeable": pledgeable,
            }
        )
    return rows


def contract_totals(enterprise: Organization) -> dict[str, Any]:
    """Registered contracts where the enterprise is seller or buyer, with their recognised amounts and payments."""
    registrations = Registration.objects.filter(status=RegistrationStatus.REGISTERED).filter(
        contract__seller=enterprise
    ) | Registration.objects.filter(status=RegistrationStatus.REGISTERED, contract__buyer=enterprise)
    totals = registrations.aggregate(
        contract_amount=Sum("recognised_contract_amount"), technology_amount=Sum("recognised_technology_amount")
    )
    contract_ids = list(registrations.values_list("contract_id", flat=True))
    paid = Payment.objects.filter(contract_id__in=contract_ids).aggregate(total=Sum("amount"))["total"]
    sold = Contract.objects.filter(pk__in=contract_ids, seller=enterprise).count()
    return {
        "registered_count": len(set(contract_ids)),
        "as_seller": sold,
        "contract_amount": f"{totals['contract_amount'] or ZERO:.2f}",
        "technology_amount": f"{totals['technology_amount'] or ZERO:.2f}",
        "paid_amount": f"{paid or ZERO:.2f}",
    }


def build_profile(*, enterprise: Organization, collateral_ids: list[int], on: date) -> dict[str, Any]:
    """The snapshot stored on a financing request (JSON; amounts as strings)."""
    assets = asset_rows(enterprise, on=on)
    chosen = set(collateral_ids)
    return {
        "on": on.isoformat(),
        "region_code": enterprise.region_id,
        "qualifications": sorted(active_qualification_kinds(enterprise.pk, on)),
        "ip_assets": assets,
        "granted_patents": sum(1 for a in assets if a["granted"] and a["term_end"] is not None),
        "collateral": [a["id"] for a in assets if a["id"] in chosen],
        "pledgeable_collateral": sum(1 for a in assets if a["id"] in chosen and a["pledgeable"]),
        "contracts": contract_totals(enterprise),
        "listings": {
            "achievements_published": Achievement.objects.filter(
                owner=enterprise, status=ListingStatus.PUBLISHED
            ).count(),
            "demands_published": Demand.objects.filter(owner=enterprise, status=ListingStatus.PUBLISHED).count(),
        },
    }


def rule_profile(snapshot: dict[str, Any], *, qualifications: set[str] | None = None) -> Profile:
    """The eligibility rules' view of a stored snapshot; ``qualifications`` (today's) override the stored ones."""
    return Profile(
        qualifications=frozenset(qualifications if qualifications is not None else snapshot.get("qualifications", [])),
        granted_patents=int(snapshot.get("granted_patents", 0)),
        registered_contracts_amount=Decimal(snapshot.get("contracts", {}).get("technology_amount", "0")),
        region_code=str(snapshot.get("region_code", "")),
        pledgeable_collateral=int(snapshot.get("pledgeable_collateral", 0)),
    )
