"""Validators for Chinese identifiers (see DOMAIN.md, "Validators"). Pure functions, no ORM."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_check_character(first17: str) -> str:
    total = sum(CREDIT_CODE_ALPHABET.index(ch) * w for ch, w in zip(first17, CREDIT_CODE_WEIGHTS, strict=True))
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def credit_code_problem(value: str) -> str | None:
    """Why ``value`` is not a valid unified social credit code (统一社会信用代码), or None."""
    if len(value) != 18:
        return str(_("A unified social credit code has 18 characters; this one has %(n)d.") % {"n": len(value)})
    if value != value.upper():
        return str(_("A unified social credit code is written in upper case."))
    bad = sorted({ch for ch in value if ch not in CREDIT_CODE_ALPHABET})
    if bad:
        return str(
            _("A unified social credit code cannot contain %(chars)s (I, O, S, V and Z are not used).")
            % {"chars": ", ".join(bad)}
        )
    expected = credit_code_check_character(value[:17])
    if value[17] != expected:
        return str(_("The check character is wrong: expected %(expected)s.") % {"expected": expected})
    return None


@deconstructible
class CreditCodeValidator:
    message_code = "invalid_credit_code"

    def __call__(self, value: str) -> None:
        problem = credit_code_problem(value)
        if problem:
            raise ValidationError(problem, code=self.message_code)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CreditCodeValidator)


validate_credit_code = CreditCodeValidator()
