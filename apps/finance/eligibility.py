"""Eligibility rules of a finance product and the fit of a request, as pure functions (no ORM).

A product's ``eligibility_rules`` is a list of rule objects; every rule is a hard condition on the
enterprise's financing profile (:class:`Profile`), and each result carries a sentence saying why:

- ``qualification`` (``kind``: high_tech_enterprise, tech_sme, gazelle, listing_incubation): the
  enterprise holds a verified qualification of that kind valid today;
- ``granted_patents_min`` (``count``): it owns at least ``count`` granted patents in force;
- ``registered_contracts_amount_min`` (``amount``, yuan as a string): the recognised technology amounts
  of its registered contracts (as seller or buyer) add up to at least ``amount``;
- ``region_in`` (``codes``: 6-digit region codes; a prefecture covers its districts, a province its
  prefectures): its region is in one of them;
- ``pledgeable_asset_required``: the request offers at least one pledgeable asset as collateral.

The fit score (0–100) ranks eligible products: amount within the product's range (40), term within
its range (30), kind fitting the request (20: an IP pledge loan needs pledgeable collateral, a wanted
kind must match), and the rate (10, the lower the product's minimum rate the better).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from apps.organizations.models import QualificationKind

QUALIFICATION_KINDS = ("high_tech_enterprise", "tech_sme", "gazelle", "listing_incubation")
RULES = (
    "qualification",
    "granted_patents_min",
    "registered_contracts_amount_min",
    "region_in",
    "pledgeable_asset_required",
)
MAX_RULES = 20


class RuleError(ValueError):
    """A rule list that cannot be checked; ``index`` is the rule at fault."""

    def __init__(self, message: str, index: int | None = None) -> None:
        super().__init__(message)
        self.index = index


@dataclass(frozen=True)
class Profile:
    """What the rules look at; built by the finance selectors from the market's records."""

    qualifications: frozenset[str] = frozenset()
    granted_patents: int = 0
    registered_contracts_amount: Decimal = Decimal("0.00")
    region_code: str = ""
    pledgeable_collateral: int = 0


@dataclass(frozen=True)
class Terms:
    """A product's ranges and kind, as matching reads them."""

    kind: str
    min_amount: Decimal
    max_amount: Decimal
    min_term_months: int
    max_term_months: int
    min_rate: Decimal
    rules: Sequence[Mapping[str, Any]] = field(default_factory=tuple)


@dataclass(frozen=True)
class Wanted:
    amount: Decimal
    term_months: int
    kind: str = ""


@dataclass(frozen=True)
class RuleResult:
    rule: str
    passed: bool
    reason: str


@dataclass(frozen=True)
class FitReason:
    criterion: str
    points: int
    reason: str


@dataclass(frozen=True)
class Match:
    eligible: bool
    rules: list[RuleResult]
    score: int
    fit: list[FitReason]


def _amount(value: Any, index: int) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise RuleError(_("Rule %(n)d: the amount is not a number.") % {"n": index + 1}, index) from None
    if not amount.is_finite() or amount < 0 or amount.as_tuple().exponent < -2:  # type: ignore[operator]
        raise RuleError(_("Rule %(n)d: the amount must be yuan with at most two decimals.") % {"n": index + 1}, index)
    return amount


def validate_rules(rules: Any) -> list[dict[str, Any]]:
    """The rules in their stored form, or :class:`RuleError` naming the first bad one."""
    if not isinstance(rules, list):
        raise RuleError(_("Eligibility rules are a list of rule objects."))
    if len(rules) > MAX_RULES:
        raise RuleError(_("At most %(n)d eligibility rules.") % {"n": MAX_RULES})
    cleaned: list[dict[str, Any]] = []
    for i, rule in enumerate(rules):
        if not isinstance(rule, dict) or rule.get("rule") not in RULES:
            raise RuleError(
                _("Rule %(n)d: unknown rule; known rules: %(rules)s.") % {"n": i + 1, "rules": ", ".join(RULES)}, i
            )
        name = rule["rule"]
        expected = {
            "qualification": {"rule", "kind"},
            "granted_patents_min": {"rule", "count"},
            "registered_contracts_amount_min": {"rule", "amount"},
            "region_in": {"rule", "codes"},
            "pledgeable_asset_required": {"rule"},
        }[name]
        if set(rule) != expected:
            raise RuleError(
                _("Rule %(n)d (%(rule)s) takes exactly: %(keys)s.")
                % {"n": i + 1, "rule": name, "keys": ", ".join(sorted(expected))},
                i,
            )
        if name == "qualification":
            if rule["kind"] not in QUALIFICATION_KINDS:
                raise RuleError(_("Rule %(n)d: unknown qualification kind.") % {"n": i + 1}, i)
            cleaned.append({"rule": name, "kind": rule["kind"]})
        elif name == "granted_patents_min":
            count = rule["count"]
            if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= 10_000:
                raise RuleError(_("Rule %(n)d: count is a whole number from 1.") % {"n": i + 1}, i)
            cleaned.append({"rule": name, "count": count})
        elif name == "registered_contracts_amount_min":
            cleaned.append({"rule": name, "amount": f"{_amount(rule['amount'], i):.2f}"})
        elif name == "region_in":
            codes = rule["codes"]
            if (
                not isinstance(codes, list)
                or not 1 <= len(codes) <= 50
                or not all(isinstance(c, str) and len(c) == 6 and c.isdigit() for c in codes)
            ):
                raise RuleError(_("Rule %(n)d: codes is a list of 6-digit region codes.") % {"n": i + 1}, i)
            cleaned.append({"rule": name, "codes": sorted(set(codes))})
        else:
            cleaned.append({"rule": name})
    return cleaned


def region_covers(code: str, region: str) -> bool:
    """Whether region ``code`` (a province 450000, a prefecture 450200 or a district 450202) covers ``region``."""
    if code.endswith("0000"):
        return region[:2] == code[:2]
    if code.endswith("00"):
        return region[:4] == code[:4]
    return region == code


def _check(rule: Mapping[str, Any], profile: Profile) -> RuleResult:
    name = rule["rule"]
    if name == "qualification":
        label = str(QualificationKind(rule["kind"]).label)
        held = rule["kind"] in profile.qualifications
        reason = (
            _("Holds a verified %(kind)s qualification valid today.")
            if held
            else _("No verified %(kind)s qualification valid today.")
        ) % {"kind": label}
        return RuleResult(name, held, reason)
    if name == "granted_patents_min":
        count = rule["count"]
        ok = profile.granted_patents >= count
        return RuleResult(
            name,
            ok,
            _("%(have)d granted patents in force; at least %(need)d required.")
            % {"have": profile.granted_patents, "need": count},
        )
    if name == "registered_contracts_amount_min":
        need = Decimal(rule["amount"])
        have = profile.registered_contracts_amount
        return RuleResult(
            name,
            have >= need,
            _("Registered technology contracts total ¥%(have)s; at least ¥%(need)s required.")
            % {"have": f"{have:,.2f}", "need": f"{need:,.2f}"},
        )
    if name == "region_in":
        ok = any(region_covers(code, profile.region_code) for code in rule["codes"])
        return RuleResult(
            name,
            ok,
            (_("Region %(region)s is served.") if ok else _("Region %(region)s is not served by this product."))
            % {"region": profile.region_code},
        )
    ok = profile.pledgeable_collateral > 0
    return RuleResult(
        name,
        ok,
        _("%(n)d pledgeable assets offered as collateral.") % {"n": profile.pledgeable_collateral}
        if ok
        else _("No pledgeable asset (granted, in force, not pledged, annuities paid) is offered as collateral."),
    )


def check_rules(rules: Sequence[Mapping[str, Any]], profile: Profile) -> list[RuleResult]:
    return [_check(rule, profile) for rule in rules]


def fit(terms: Terms, wanted: Wanted, profile: Profile) -> list[FitReason]:
    reasons: list[FitReason] = []
    if terms.min_amount <= wanted.amount <= terms.max_amount:
        reasons.append(FitReason("amount", 40, _("The amount is within the product's range.")))
    else:
        reasons.append(
            FitReason(
                "amount",
                0,
                _("The amount is outside the product's range ¥%(low)s–¥%(high)s.")
                % {"low": f"{terms.min_amount:,.2f}", "high": f"{terms.max_amount:,.2f}"},
            )
        )
    if terms.min_term_months <= wanted.term_months <= terms.max_term_months:
        reasons.append(FitReason("term", 30, _("The term is within the product's range.")))
    else:
        reasons.append(
            FitReason(
                "term",
                0,
                _("The term is outside the product's range of %(low)d–%(high)d months.")
                % {"low": terms.min_term_months, "high": terms.max_term_months},
            )
        )
    if wanted.kind and wanted.kind != terms.kind:
        reasons.append(FitReason("kind", 0, _("The request asks for another kind of finance.")))
    elif terms.kind == "ip_pledge_loan" and profile.pledgeable_collateral == 0:
        reasons.append(FitReason("kind", 0, _("An IP pledge loan needs pledgeable collateral.")))
    elif terms.kind == "ip_pledge_loan":
        reasons.append(FitReason("kind", 20, _("Pledgeable IP is offered as collateral for this IP pledge loan.")))
    else:
        reasons.append(FitReason("kind", 20, _("The kind of finance fits the request.")))
    # Cheaper money fits better: 10 points at 0 %, none from 10 % up.
    rate_points = max(0, min(10, int(10 - terms.min_rate)))
    reasons.append(
        FitReason("rate", rate_points, _("Annual rate from %(rate)s%%.") % {"rate": f"{terms.min_rate:.2f}"})
    )
    return reasons


def match(terms: Terms, wanted: Wanted, profile: Profile) -> Match:
    """The product against the request: hard rules (all must pass) and the fit score with its reasons."""
    results = check_rules(terms.rules, profile)
    reasons = fit(terms, wanted, profile)
    return Match(
        eligible=all(r.passed for r in results),
        rules=results,
        score=sum(r.points for r in reasons),
        fit=reasons,
    )
