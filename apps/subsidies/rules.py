"""Post-subsidy (后补助) rules as data, and the computation of a claim: pure, no ORM.

A policy's ``rules`` (JSON, validated by :func:`parse_rules`)::

    {
      "claimant_role": "buyer",                  # who claims: the buyer (技术吸纳) or the seller (技术输出)
      "shares": {"transfer": "0.10", "development": "0.05"},   # share of the paid technology amount, by type
      "min_paid_technology_amount": "300000.00", # a contract below this paid amount is not eligible
      "cap_per_contract": "500000.00",           # null: no cap
      "cap_per_enterprise_year": "1000000.00",   # null: no cap; counted over the policy's claims of that year
      "require_registered": true,                # only contracts registered (认定登记) count
      "claimant_region_prefixes": ["4502"],      # GB/T 2260 prefixes the claimant must be in; [] = anywhere
      "counterparty_location": "any",            # "any" | "in_city" | "out_of_city" (relative to city_region_prefix)
      "city_region_prefix": "4502",
      "max_contracts_per_claim": 1,              # null: any number (Nanning's pattern: one contract per claim)
      "cap_by_new_sales_revenue": true           # the claim ≤ the claimant's declared new sales revenue that year
    }

The computation (:func:`compute_claim`), in this order:

1. eligibility of each contract, every failed condition listed as a reason: registered; its type has a
   share; the claimant's region; the other party's location; something paid; the paid technology amount
   at least the threshold;
2. the base: the paid technology amount (paid × technology amount / contract amount, see
   :func:`apps.contracts.amounts.paid_technology_amount`), supplied by the caller;
3. raw amount = base × share, half up to the fen;
4. the cap per contract: min(raw, cap_per_contract);
5. the cap per enterprise per year: what the enterprise already holds under the policy that year is taken
   off the cap; the rest goes to the eligible contracts in the order given (the caller passes them by
   signing date, then id) until it is used up;
6. the cap by new sales revenue (when the policy asks for it): the claimant declares its new sales revenue
   of the year the technology brought (audited later by the operator); the lines, in the same order, take
   from it until it is used up, so the claim is never above it;
7. the total is the sum of the lines.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

FEN = Decimal("0.01")
ZERO = Decimal("0.00")
CONTRACT_TYPES = ("development", "transfer", "licence", "consulting", "service")
CLAIMANT_ROLES = ("buyer", "seller")
LOCATIONS = ("any", "in_city", "out_of_city")
CHINA = "156"


class RulesError(ValueError):
    """Rules that cannot be applied; ``field`` names the key at fault."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class PolicyRules:
    claimant_role: str
    shares: Mapping[str, Decimal]
    min_paid_technology_amount: Decimal
    cap_per_contract: Decimal | None
    cap_per_enterprise_year: Decimal | None
    require_registered: bool
    claimant_region_prefixes: tuple[str, ...]
    counterparty_location: str
    city_region_prefix: str
    max_contracts_per_claim: int | None = None
    cap_by_new_sales_revenue: bool = False

    def as_data(self) -> dict[str, Any]:
        def money(value: Decimal | None) -> str | None:
            return None if value is None else f"{value:.2f}"

        return {
            "claimant_role": self.claimant_role,
            "shares": {k: f"{v:.4f}".rstrip("0").rstrip(".") for k, v in self.shares.items()},
            "min_paid_technology_amount": money(self.min_paid_technology_amount),
            "cap_per_contract": money(self.cap_per_contract),
            "cap_per_enterprise_year": money(self.cap_per_enterprise_year),
            "require_registered": self.require_registered,
            "claimant_region_prefixes": list(self.claimant_region_prefixes),
            "counterparty_location": self.counterparty_location,
            "city_region_prefix": self.city_region_prefix,
            "max_contracts_per_claim": self.max_contracts_per_claim,
            "cap_by_new_sales_revenue": self.cap_by_new_sales_revenue,
        }


def _decimal(value: Any, *, field: str, allow_none: bool = False) -> Decimal | None:
    if value is None and allow_none:
        return None
    if isinstance(value, float | bool):
        raise RulesError(_("Give amounts and shares as strings or integers, not floats."), field=field)
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise RulesError(_("Not a number."), field=field) from None
    if not number.is_finite() or number < 0:
        raise RulesError(_("Must be a number of zero or more."), field=field)
    return number


def _required(value: Any, *, field: str) -> Decimal:
    number = _decimal(value, field=field)
    if number is None:
        raise RulesError(_("Not a number."), field=field)
    return number


def parse_rules(data: Mapping[str, Any]) -> PolicyRules:
    """Validate a policy's rules; :class:`RulesError` names the first key at fault."""
    if not isinstance(data, Mapping):
        raise RulesError(_("The rules must be an object."), field="rules")
    known = {
        "claimant_role",
        "shares",
        "min_paid_technology_amount",
        "cap_per_contract",
        "cap_per_enterprise_year",
        "require_registered",
        "claimant_region_prefixes",
        "counterparty_location",
        "city_region_prefix",
        "max_contracts_per_claim",
        "cap_by_new_sales_revenue",
    }
    unknown = sorted(set(data) - known)
    if unknown:
        raise RulesError(_("Unknown key: %(key)s.") % {"key": unknown[0]}, field=unknown[0])
    role = data.get("claimant_role", "buyer")
    if role not in CLAIMANT_ROLES:
        raise RulesError(_("One of: buyer, seller."), field="claimant_role")
    shares_in = data.get("shares")
    if not isinstance(shares_in, Mapping) or not shares_in:
        raise RulesError(_("Give at least one contract type with its share."), field="shares")
    shares: dict[str, Decimal] = {}
    for contract_type, share in shares_in.items():
        if contract_type not in CONTRACT_TYPES:
            raise RulesError(_("Unknown contract type: %(type)s.") % {"type": contract_type}, field="shares")
        number = _required(share, field="shares")
        if number <= 0 or number > 1:
            raise RulesError(_("A share is more than 0 and at most 1 (e.g. 0.10 for 10%)."), field="shares")
        shares[contract_type] = number
    threshold = _required(data.get("min_paid_technology_amount", 0), field="min_paid_technology_amount")
    cap_contract = _decimal(data.get("cap_per_contract"), field="cap_per_contract", allow_none=True)
    cap_year = _decimal(data.get("cap_per_enterprise_year"), field="cap_per_enterprise_year", allow_none=True)
    registered = data.get("require_registered", True)
    if not isinstance(registered, bool):
        raise RulesError(_("true or false."), field="require_registered")
    prefixes = data.get("claimant_region_prefixes", [])
    if not isinstance(prefixes, list) or not all(
        isinstance(p, str) and p.isdigit() and 2 <= len(p) <= 6 for p in prefixes
    ):
        raise RulesError(_("A list of 2–6 digit region code prefixes."), field="claimant_region_prefixes")
    location = data.get("counterparty_location", "any")
    if location not in LOCATIONS:
        raise RulesError(_("One of: any, in_city, out_of_city."), field="counterparty_location")
    city = data.get("city_region_prefix", "4502")
    if not isinstance(city, str) or not city.isdigit() or not 2 <= len(city) <= 6:
        raise RulesError(_("A 2–6 digit region code prefix."), field="city_region_prefix")
    max_contracts = data.get("max_contracts_per_claim")
    if max_contracts is not None and (
        isinstance(max_contracts, bool) or not isinstance(max_contracts, int) or max_contracts < 1
    ):
        raise RulesError(_("A whole number of at least 1, or null."), field="max_contracts_per_claim")
    by_revenue = data.get("cap_by_new_sales_revenue", False)
    if not isinstance(by_revenue, bool):
        raise RulesError(_("true or false."), field="cap_by_new_sales_revenue")
    return PolicyRules(
        max_contracts_per_claim=max_contracts,
        cap_by_new_sales_revenue=by_revenue,
        claimant_role=role,
        shares=shares,
        min_paid_technology_amount=threshold,
        cap_per_contract=cap_contract,
        cap_per_enterprise_year=cap_year,
        require_registered=registered,
        claimant_region_prefixes=tuple(prefixes),
        counterparty_location=location,
        city_region_prefix=city,
    )


@dataclass(frozen=True)
class ContractFacts:
    """What the computation needs of one contract, gathered by the caller."""

    contract_id: int
    contract_type: str
    registered: bool
    paid_technology_amount: Decimal
    claimant_region: str | None
    counterparty_region: str | None
    counterparty_country: str


@dataclass
class ClaimLine:
    contract_id: int
    eligible: bool
    reasons: list[str] = field(default_factory=list)
    base: Decimal = ZERO
    share: Decimal = ZERO
    raw: Decimal = ZERO
    after_contract_cap: Decimal = ZERO
    amount: Decimal = ZERO

    def as_data(self) -> dict[str, Any]:
        return {
            "contract_id": self.contract_id,
            "eligible": self.eligible,
            "reasons": list(self.reasons),
            "base": f"{self.base:.2f}",
            "share": str(self.share),
            "raw": f"{self.raw:.2f}",
            "after_contract_cap": f"{self.after_contract_cap:.2f}",
            "amount": f"{self.amount:.2f}",
        }


@dataclass
class ClaimComputation:
    lines: list[ClaimLine]
    total: Decimal
    enterprise_cap_remaining_before: Decimal | None


# Reason codes (stable, shown to the claimant with a translated text by the API).
NOT_REGISTERED = "not_registered"
TYPE_NOT_COVERED = "contract_type_not_covered"
CLAIMANT_REGION = "claimant_region_not_covered"
COUNTERPARTY_LOCATION = "counterparty_location_not_covered"
NOT_PAID = "nothing_paid"
BELOW_THRESHOLD = "below_threshold"
ENTERPRISE_CAP = "enterprise_year_cap_reached"
NEW_REVENUE_CAP = "new_sales_revenue_cap_reached"


def _in_city(region: str | None, country: str, city: str) -> bool:
    return country == CHINA and region is not None and region.startswith(city)


def _reasons(rules: PolicyRules, facts: ContractFacts) -> list[str]:
    reasons = []
    if rules.require_registered and not facts.registered:
        reasons.append(NOT_REGISTERED)
    if facts.contract_type not in rules.shares:
        reasons.append(TYPE_NOT_COVERED)
    if rules.claimant_region_prefixes and not any(
        (facts.claimant_region or "").startswith(p) for p in rules.claimant_region_prefixes
    ):
        reasons.append(CLAIMANT_REGION)
    if rules.counterparty_location != "any":
        inside = _in_city(facts.counterparty_region, facts.counterparty_country, rules.city_region_prefix)
        if inside != (rules.counterparty_location == "in_city"):
            reasons.append(COUNTERPARTY_LOCATION)
    if facts.paid_technology_amount <= 0:
        reasons.append(NOT_PAID)
    elif facts.paid_technology_amount < rules.min_paid_technology_amount:
        reasons.append(BELOW_THRESHOLD)
    return reasons


def compute_claim(
    rules: PolicyRules,
    contracts: Sequence[ContractFacts],
    *,
    already_granted_this_year: Decimal = ZERO,
    new_sales_revenue: Decimal | None = None,
) -> ClaimComputation:
    """The claim's lines and total, the caps applied in the documented order (module docstring).
    ``new_sales_revenue`` is the claimant's declaration, needed when the policy caps by it."""
    revenue_left = new_sales_revenue if rules.cap_by_new_sales_revenue else None
    lines: list[ClaimLine] = []
    remaining = (
        None
        if rules.cap_per_enterprise_year is None
        else max(rules.cap_per_enterprise_year - already_granted_this_year, ZERO)
    )
    remaining_before = remaining
    for facts in contracts:
        reasons = _reasons(rules, facts)
        line = ClaimLine(contract_id=facts.contract_id, eligible=not reasons, reasons=reasons)
        if reasons:
            lines.append(line)
            continue
        line.base = facts.paid_technology_amount
        line.share = rules.shares[facts.contract_type]
        line.raw = (line.base * line.share).quantize(FEN, rounding=ROUND_HALF_UP)
        capped = line.raw if rules.cap_per_contract is None else min(line.raw, rules.cap_per_contract)
        line.after_contract_cap = capped
        if remaining is not None:
            capped = min(capped, remaining)
            remaining -= capped
            if capped < line.after_contract_cap:
                line.reasons.append(ENTERPRISE_CAP)
        if revenue_left is not None:
            before_revenue = capped
            capped = min(capped, max(revenue_left, ZERO))
            revenue_left -= capped
            if capped < before_revenue:
                line.reasons.append(NEW_REVENUE_CAP)
        line.amount = capped
        lines.append(line)
    total = sum((line.amount for line in lines), ZERO)
    return ClaimComputation(lines=lines, total=total, enterprise_cap_remaining_before=remaining_before)
