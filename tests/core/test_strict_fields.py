"""The strict input fields of apps.core.fields, and the UTF-8 JSON parser, on their own (issue 16).

Each app's tests drive them over HTTP; these pin down the notation rules in one place.
"""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from rest_framework import serializers
from rest_framework.exceptions import ParseError, UnsupportedMediaType

from apps.core.encoding import ExponentFloat, UTF8JSONParser
from apps.core.fields import AwareDateTimeField, MarketDateField, MoneyField, decimal_notation_ok


@pytest.mark.parametrize("value", ["0", "-12", "1200.50", " 1200.50 ", 0, 1200, 2.5, Decimal("1200.50"), 100000.0])
def test_plain_decimal_notation(value):
    assert decimal_notation_ok(value)


@pytest.mark.parametrize(
    "value",
    ["１２３", "1e5", "1E5", "+1", ".5", "5.", "1_000", "1,000", "٣", "NaN", "Infinity", "0x1F", "", "1\n2",
     True, False, None, 1e20, ExponentFloat("1e5"), [], {}],
)  # fmt: skip
def test_not_plain_decimal_notation(value):
    assert not decimal_notation_ok(value)


def _errors(field: serializers.Field, value: object) -> list[str]:
    with pytest.raises(serializers.ValidationError) as caught:
        field.run_validation(value)
    return [d.code for d in caught.value.detail]  # type: ignore[union-attr]


def test_money_field_codes():
    field = MoneyField(max_digits=16, decimal_places=2)
    assert field.run_validation("1200.50") == Decimal("1200.50")
    assert _errors(field, "１２３") == ["invalid_money"]
    assert _errors(field, "1.001") == ["max_decimal_places"]


def test_aware_datetime_field():
    field = AwareDateTimeField()
    assert field.run_validation("2030-03-01T17:00:00+08:00").utcoffset() is not None
    assert _errors(field, "2030-03-01T17:00:00") == ["naive_datetime"]
    assert _errors(field, "0001-01-01T00:00:00Z") == ["date_out_of_range"]
    assert _errors(field, "not a time") == ["invalid"]


def test_market_date_field_bounds(settings):
    field = MarketDateField()
    assert field.run_validation("1949-10-01").isoformat() == "1949-10-01"
    assert field.run_validation("2100-12-31").isoformat() == "2100-12-31"
    assert _errors(field, "1949-09-30") == ["date_out_of_range"]
    assert _errors(field, "2101-01-01") == ["date_out_of_range"]
    settings.MARKET_DATE_MAX = "2200-12-31"
    assert field.run_validation("2101-01-01").year == 2101


def test_the_parser_marks_exponents_and_refuses_other_charsets():
    parser = UTF8JSONParser()
    data = parser.parse(io.BytesIO('{"a": 1e5, "b": 2.5, "c": "齿轮"}'.encode()), "application/json")
    assert isinstance(data["a"], ExponentFloat) and data["a"] == 100000
    assert type(data["b"]) is float
    assert data["c"] == "齿轮"
    with pytest.raises(UnsupportedMediaType):
        parser.parse(io.BytesIO(b"{}"), "application/json; charset=latin-1")
    with pytest.raises(ParseError):
        parser.parse(io.BytesIO('{"c": "齿轮"}'.encode("gbk")), "application/json; charset=utf-8")
