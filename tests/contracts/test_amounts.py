"""Money rules as pure functions: technology amount, paid technology share, commission."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from apps.brokers.commission import CommissionTerms, commission_due
from apps.contracts import amounts
from apps.contracts.amounts import AmountError, paid_technology_amount
from apps.contracts.catalogue import SUBTYPES_BY_TYPE, ContractSubtype, ContractType, legacy_class_for, subtype_fits

D = Decimal


def test_technology_amount_is_contract_amount_minus_deductions():
    assert amounts.technology_amount(D("1000000.00"), [D("200000.00"), D("50000.50")]) == D("749999.50")
    assert amounts.technology_amount(D("300.00"), []) == D("300.00")
    # Deductions may take everything (a pure equipment sale is still a contract; its technology amount is 0).
    assert amounts.technology_amount(D("300.00"), [D("300.00")]) == D("0.00")


@pytest.mark.parametrize(
    ("contract_amount", "deductions", "field"),
    [
        (D("0"), [], "contract_amount"),
        (D("-1.00"), [], "contract_amount"),
        (D("100.00"), [D("0")], "deductions"),
        (D("100.00"), [D("-5")], "deductions"),
        (D("100.00"), [D("60"), D("40.01")], "deductions"),
        (D("100000000000000.00"), [], "contract_amount"),
    ],
)
def test_impossible_amounts_are_refused_with_the_field(contract_amount, deductions, field):
    with pytest.raises(AmountError) as excinfo:
        amounts.technology_amount(contract_amount, deductions)
    assert excinfo.value.field == field


def test_paid_technology_amount_is_pro_rata_half_up():
    # 1/3 of 100.00 paid on a contract whose technology share is 80 %.
    assert paid_technology_amount(paid=D("33.33"), contract_amount=D("100.00"), technology_amount=D("80.00")) == D(
        "26.66"
    )
    # 0.005 rounds up to the fen.
    assert paid_technology_amount(paid=D("0.01"), contract_amount=D("2.00"), technology_amount=D("1.00")) == D("0.01")
    assert paid_technology_amount(paid=D("0"), contract_amount=D("2.00"), technology_amount=D("1.00")) == D("0.00")
    assert paid_technology_amount(paid=D("2.00"), contract_amount=D("2.00"), technology_amount=D("1.00")) == D("1.00")


def test_commission_rate_fixed_and_cap():
    terms = CommissionTerms(rate=D("0.0300"), fixed=D("2000.00"), cap=D("20000.00"))
    assert commission_due(terms=terms, paid_technology=D("0")) == D("0.00")  # nothing paid, nothing due
    assert commission_due(terms=terms, paid_technology=D("100000.00")) == D("5000.00")  # 3000 + 2000
    assert commission_due(terms=terms, paid_technology=D("1000000.00")) == D("20000.00")  # capped
    # rate × amount rounds half up to the fen before the fixed fee is added.
    assert commission_due(terms=CommissionTerms(rate=D("0.0125")), paid_technology=D("0.60")) == D("0.01")
    assert commission_due(terms=CommissionTerms(rate=D("0.0125")), paid_technology=D("0.20")) == D("0.00")
    assert commission_due(terms=CommissionTerms(rate=D("0"), fixed=D("500")), paid_technology=D("0.01")) == D("500.00")


@given(
    paid=st.decimals(min_value=D("0.01"), max_value=D("10000000"), places=2),
    rate=st.decimals(min_value=D("0"), max_value=D("1"), places=4),
    fixed=st.decimals(min_value=D("0"), max_value=D("100000"), places=2),
    cap=st.none() | st.decimals(min_value=D("0"), max_value=D("1000000"), places=2),
)
def test_commission_is_exact_bounded_and_monotonic(paid, rate, fixed, cap):
    terms = CommissionTerms(rate=rate, fixed=fixed, cap=cap)
    due = commission_due(terms=terms, paid_technology=paid)
    assert due == due.quantize(D("0.01"))
    assert due >= 0
    if cap is not None:
        assert due <= cap
    more = commission_due(terms=terms, paid_technology=paid + D("1000.00"))
    assert more >= due


def test_catalogue_legacy_class_and_subtypes():
    assert legacy_class_for(ContractType.LICENCE) == "transfer"
    assert legacy_class_for(ContractType.TRANSFER) == "transfer"
    assert legacy_class_for(ContractType.SERVICE) == "service"
    assert subtype_fits("service", "training") and subtype_fits("service", "brokerage")
    assert subtype_fits("licence", "exclusive_patent_licence")
    assert not subtype_fits("transfer", "exclusive_patent_licence")
    # Every subtype belongs to exactly one type.
    listed = [s for subtypes in SUBTYPES_BY_TYPE.values() for s in subtypes]
    assert sorted(listed) == sorted(ContractSubtype.values)


@given(
    contract_amount=st.decimals(min_value=D("0.01"), max_value=D("1000000000"), places=2),
    deductions=st.lists(st.decimals(min_value=D("0.01"), max_value=D("500000000"), places=2), max_size=8),
)
def test_technology_amount_never_negative_nor_above_the_contract_amount(contract_amount, deductions):
    try:
        technology = amounts.technology_amount(contract_amount, deductions)
    except AmountError as problem:
        assert problem.exceeds and sum(deductions) > contract_amount
        return
    assert D("0") <= technology <= contract_amount
    assert technology + sum(deductions, D("0")) == contract_amount
