"""Strict input fields shared by every app: numbers in ASCII decimal notation, aware datetimes, bounded dates.

DRF's own fields are lenient where this market must not be: ``Decimal("１２３")`` is 123 and ``"1e5"``
is 100000, so full-width digits and exponents were stored as money; a datetime without an offset was
taken as Beijing time where the schema promises an aware one; and a date of 0001-01-01 was stored and
later overflowed date arithmetic. The serializer fields here and the query-parameter filters beside
them refuse those with a 400 and a field code clients can act on.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from apps.core.encoding import ExponentFloat
from apps.core.validators import market_date_problem, validate_market_date

# ASCII only (``[0-9]``, not ``\d``), no exponent, no sign but a leading minus; fullmatch, so no newline.
DECIMAL_NOTATION = re.compile(r"-?[0-9]+(?:\.[0-9]+)?", re.ASCII)
_NOTATION_MESSAGE = _("Write the number in plain decimal notation with ASCII digits, e.g. 1200.50.")


def decimal_notation_ok(data: Any) -> bool:
    """Whether ``data`` is a decimal string (``"1200.50"``) or a JSON number written without an exponent.

    Booleans are not numbers. A JSON number written with an exponent parses to an ExponentFloat
    (apps.core.encoding) and is refused; another float is accepted when Python writes it back in plain
    notation.
    """
    if isinstance(data, bool | ExponentFloat):
        return False
    if isinstance(data, int):
        return True
    if isinstance(data, float | Decimal):
        return DECIMAL_NOTATION.fullmatch(str(data)) is not None
    if isinstance(data, str):
        return DECIMAL_NOTATION.fullmatch(data.strip()) is not None
    return False


class DecimalNumberField(serializers.DecimalField):
    """A DRF DecimalField that reads only plain ASCII decimal notation (no full-width digits, no exponent)."""

    notation_code = "invalid_number"
    default_error_messages = {"invalid_number": _NOTATION_MESSAGE}

    def to_internal_value(self, data: Any) -> Decimal:
        if not decimal_notation_ok(data):
            self.fail(self.notation_code)
        return super().to_internal_value(data)


class MoneyField(DecimalNumberField):
    """An amount of money (yuan): ``"1200.50"`` or ``1200.5``; anything else is 400 ``invalid_money``."""

    notation_code = "invalid_money"
    default_error_messages = {"invalid_money": _NOTATION_MESSAGE}


class AwareDateTimeField(serializers.DateTimeField):
    """A datetime that must carry its offset (``2026-03-01T17:00:00+08:00`` or ``…Z``): 400 ``naive_datetime``.

    Its date must also lie within the market's dates (``date_out_of_range``).
    """

    default_error_messages = {
        "naive_datetime": _("Give the time zone offset, e.g. 2026-03-01T17:00:00+08:00."),
    }

    def to_internal_value(self, value: Any) -> datetime:
        if isinstance(value, str):
            try:
                parsed = parse_datetime(value.strip())
            except ValueError:
                parsed = None
            if parsed is not None:
                if parsed.tzinfo is None:
                    self.fail("naive_datetime")
                problem = market_date_problem(parsed.date())
                if problem:
                    raise serializers.ValidationError(problem, code="date_out_of_range")
        return super().to_internal_value(value)


class MarketDateField(serializers.DateField):
    """A date within settings.MARKET_DATE_MIN and _MAX (1949-10-01 to 2100-12-31), else ``date_out_of_range``."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs["validators"] = [*kwargs.get("validators", []), validate_market_date]
        super().__init__(**kwargs)


# --- Query parameters (django-filter) -------------------------------------------------------------


class MoneyFormField(forms.DecimalField):
    """The form field behind :class:`MoneyFilter`: plain ASCII decimal notation only."""

    def to_python(self, value: Any) -> Any:
        if value in self.empty_values:
            return None
        if not decimal_notation_ok(value):
            raise ValidationError(_NOTATION_MESSAGE, code="invalid_money")
        return super().to_python(value)


class MoneyFilter(django_filters.NumberFilter):
    """``?price_min=1200.50``: an amount of money in a query string."""

    field_class = MoneyFormField


class AwareDateTimeFormField(forms.DateTimeField):
    """The form field behind :class:`AwareDateTimeFilter`: the offset is required (400 ``naive_datetime``)."""

    def to_python(self, value: Any) -> Any:
        if value in self.empty_values:
            return None
        try:
            parsed = parse_datetime(str(value).strip())
        except ValueError:
            parsed = None
        if parsed is None:
            raise ValidationError(_("Give an ISO 8601 date and time, e.g. 2026-03-01T17:00:00+08:00."), code="invalid")
        if parsed.tzinfo is None:
            raise ValidationError(
                _("Give the time zone offset, e.g. 2026-03-01T17:00:00+08:00."), code="naive_datetime"
            )
        problem = market_date_problem(parsed.date())
        if problem:
            raise ValidationError(problem, code="date_out_of_range")
        return parsed


class AwareDateTimeFilter(django_filters.DateTimeFilter):
    """``?updated_since=2026-03-01T17:00:00+08:00``: an aware datetime in a query string."""

    field_class = AwareDateTimeFormField


class MarketDateFormField(forms.DateField):
    default_validators = [validate_market_date]


class MarketDateFilter(django_filters.DateFilter):
    """``?since=2026-01-01``: a date within the market's dates."""

    field_class = MarketDateFormField


__all__ = [
    "AwareDateTimeField",
    "AwareDateTimeFilter",
    "AwareDateTimeFormField",
    "DecimalNumberField",
    "MarketDateField",
    "MarketDateFilter",
    "MoneyField",
    "MoneyFilter",
]
