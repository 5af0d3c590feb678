"""The post-subsidy rules on their own: validation of the policy data and the computation order."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.subsidies.rules import (
    BELOW_THRESHOLD,
    COUNTERPARTY_LOCATION,
    ENTERPRISE_CAP,
    NEW_REVENUE_CAP,
    ContractFacts,
    RulesError,
    compute_claim,
    parse_rules,
)

RULES = {
    "shares": {"transfer": "0.10"},
    "min_paid_technology_amount": "300000",
    "cap_per_contract": "50000",
    "cap_per_enterprise_year": "60000",
    "counterparty_location": "out_of_city",
}


def _facts(pk, paid, region="450202"):
    return ContractFacts(
        contract_id=pk,
        contract_type="transfer",
        registered=True,
        paid_technology_amount=Decimal(paid),
        claimant_region="450203",
        counterparty_region=region,
        counterparty_country="156",
    )


def test_caps_apply_per_contract_then_per_enterprise_year_in_order():
    rules = parse_rules(RULES)
    result = compute_claim(
        rules,
        [_facts(1, "700000.00", "110108"), _facts(2, "400000.00", "440305"), _facts(3, "500000.00", "450204")],
        already_granted_this_year=Decimal("5000.00"),
    )
    first, second, third = result.lines
    # 700,000 × 10% = 70,000 → contract cap 50,000; the year cap leaves 55,000, so 50,000 then 5,000.
    assert (first.raw, first.after_contract_cap, first.amount) == (Decimal("70000.00"), Decimal("50000"), 50000)
    assert (second.raw, second.after_contract_cap, second.amount) == (Decimal("40000.00"), 40000, Decimal("5000"))
    assert second.reasons == [ENTERPRISE_CAP]
    # The third's seller is in Liuzhou, and the policy pays for technology brought in from outside only.
    assert (third.eligible, third.reasons, third.amount) == (False, [COUNTERPARTY_LOCATION], 0)
    assert result.total == Decimal("55000")


def test_threshold_and_rounding_half_up_to_the_fen():
    rules = parse_rules(
        {**RULES, "cap_per_contract": None, "cap_per_enterprise_year": None, "shares": {"transfer": "0.0333"}}
    )
    [line] = compute_claim(rules, [_facts(1, "300000.15", "110108")]).lines
    assert line.amount == Decimal("9990.00")  # 300,000.15 × 0.0333 = 9,990.004995 → 9,990.00
    [below] = compute_claim(rules, [_facts(2, "299999.99", "110108")]).lines
    assert below.reasons == [BELOW_THRESHOLD]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"shares": {}}, "shares"),
        ({"shares": {"transfer": "1.5"}}, "shares"),
        ({"shares": {"barter": "0.1"}}, "shares"),
        ({"shares": {"transfer": 0.1}}, "shares"),
        ({"cap_per_contract": "-1"}, "cap_per_contract"),
        ({"claimant_role": "broker"}, "claimant_role"),
        ({"counterparty_location": "moon"}, "counterparty_location"),
        ({"claimant_region_prefixes": ["abc"]}, "claimant_region_prefixes"),
        ({"surprise": True}, "surprise"),
        ({"max_contracts_per_claim": 0}, "max_contracts_per_claim"),
        ({"max_contracts_per_claim": True}, "max_contracts_per_claim"),
        ({"cap_by_new_sales_revenue": "yes"}, "cap_by_new_sales_revenue"),
    ],
)
def test_bad_rules_name_the_key(change, field):
    with pytest.raises(RulesError) as caught:
        parse_rules({**RULES, **change})
    assert caught.value.field == field


def test_the_new_sales_revenue_caps_last_across_the_lines_in_order():
    rules = parse_rules({**RULES, "cap_by_new_sales_revenue": True})
    result = compute_claim(
        rules,
        [_facts(1, "400000.00", "110108"), _facts(2, "300000.00", "440305")],
        new_sales_revenue=Decimal("45000.00"),
    )
    first, second = result.lines
    # 40,000 then 30,000 after the contract cap; the year cap (60,000) leaves 20,000 for the second, and the
    # declared revenue (45,000) leaves it 5,000.
    assert (first.amount, first.reasons) == (Decimal("40000.00"), [])
    assert (second.amount, second.reasons) == (Decimal("5000.00"), [ENTERPRISE_CAP, NEW_REVENUE_CAP])
    assert result.total == Decimal("45000.00")
    # Without the rule the declaration changes nothing.
    plain = compute_claim(parse_rules(RULES), [_facts(1, "400000.00", "110108")], new_sales_revenue=Decimal("1"))
    assert plain.total == Decimal("40000.00")
