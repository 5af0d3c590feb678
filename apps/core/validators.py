"""Validators for Chinese identifiers (see DOMAIN.md, "Validators"). Pure functions, no ORM."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime

from django.conf import settings
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


# --- Chinese patents (CNIPA) -----------------------------------------------------------------

PATENT_CHECK_WEIGHTS = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)
# The type digit: 1 invention, 2 utility model, 3 design, 8 PCT invention, 9 PCT utility model.
PATENT_TYPE_DIGITS = frozenset("12389")
# ASCII only: Python's \d also matches full-width and other Unicode digits, which int() accepts, so
# "２０１７…" would otherwise pass and be stored as typed. Matched with fullmatch (``$`` allows a
# trailing newline).
_PATENT_APPLICATION_RE = re.compile(r"(?:\d{12}|\d{8})\.[\dX]", re.ASCII)
_IPC_RE = re.compile(r"([A-H])(\d{2})([A-Z])\s*(\d{1,3})/(\d{2,6})", re.ASCII)
# The 8-digit form was used from 1985 until the 12-digit form replaced it in October 2003.
_PATENT_SHORT_FORM_YEARS = frozenset(f"{year % 100:02d}" for year in range(1985, 2004))


def patent_check_character(digits: str) -> str:
    """The check character of a patent application number's 8 or 12 leading digits."""
    total = sum(int(d) * w for d, w in zip(digits, PATENT_CHECK_WEIGHTS, strict=False))
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def patent_type_digit(application_number: str) -> str:
    """1, 2, 3, 8 or 9 (see PATENT_TYPE_DIGITS) of a well-formed application number."""
    digits = application_number.split(".", 1)[0]
    return digits[4] if len(digits) == 12 else digits[2]


def patent_application_number_problem(value: str) -> str | None:
    """Why ``value`` is not a valid Chinese patent application number (专利申请号), or None.

    Since 2003: YYYY + type digit + 7-digit serial + "." + check (201710601862.3); before: YY + type
    digit + 5-digit serial + "." + check (97101765.4). The check is a weighted sum mod 11, 10 as X.
    """
    if not _PATENT_APPLICATION_RE.fullmatch(value):
        return str(
            _(
                "A patent application number is 12 digits (since 2003) or 8 digits (before), a dot and a check "
                "character, e.g. 201710601862.3."
            )
        )
    digits, check = value.split(".")
    if len(digits) == 12 and not 2003 <= int(digits[:4]) <= 2099:
        return str(_("A 12-digit application number starts with a filing year from 2003 on."))
    if len(digits) == 8 and digits[:2] not in _PATENT_SHORT_FORM_YEARS:
        return str(_("An 8-digit application number starts with a filing year from 85 (1985) to 03 (2003)."))
    if patent_type_digit(value) not in PATENT_TYPE_DIGITS:
        return str(_("The patent type digit must be 1, 2, 3, 8 or 9."))
    expected = patent_check_character(digits)
    if check != expected:
        return str(_("The check character is wrong: expected %(expected)s.") % {"expected": expected})
    return None


def patent_number_problem(value: str) -> str | None:
    """A patent number (专利号) is ZL followed by the application number."""
    if not value.startswith("ZL"):
        return str(_("A patent number starts with ZL followed by the application number, e.g. ZL201710601862.3."))
    return patent_application_number_problem(value[2:])


def normalize_ipc(value: str) -> str | None:
    """An IPC symbol in its canonical spacing (``A61K 31/495``), or None when it is not one.

    Full-width input (``Ａ６１Ｋ　３１／４９５``, common with Chinese input methods) is folded to ASCII first.
    """
    match = _IPC_RE.fullmatch(unicodedata.normalize("NFKC", value).strip().upper())
    if not match:
        return None
    section, klass, subclass, group, subgroup = match.groups()
    if klass == "00" or int(group) == 0:
        return None
    return f"{section}{klass}{subclass} {int(group)}/{subgroup}"


def ipc_problem(value: str) -> str | None:
    if normalize_ipc(value) is None:
        return str(
            _(
                "An IPC code is a section A–H, a two-digit class, a subclass letter, a main group, a slash and a "
                "subgroup, e.g. A61K 31/495."
            )
        )
    return None


# --- Dates the market can hold -----------------------------------------------------------------


def market_date_bounds() -> tuple[date, date]:
    """The first and last day a date in this market may name (settings MARKET_DATE_MIN and _MAX).

    Nothing in the market predates 1949-10-01, and dates past 2100 are typing errors; bounding them keeps
    date arithmetic (windows of a year before signing, due dates years ahead) inside Python's range.
    """
    return date.fromisoformat(settings.MARKET_DATE_MIN), date.fromisoformat(settings.MARKET_DATE_MAX)


def market_date_problem(value: date) -> str | None:
    """Why ``value`` is outside the market's dates, or None."""
    first, last = market_date_bounds()
    if isinstance(value, datetime):
        value = value.date()
    if not first <= value <= last:
        return str(
            _("Give a date from %(first)s to %(last)s.") % {"first": first.isoformat(), "last": last.isoformat()}
        )
    return None


def validate_market_date(value: date) -> None:
    problem = market_date_problem(value)
    if problem:
        raise ValidationError(problem, code="date_out_of_range")


EXTERNAL_ID_MAX_LENGTH = 100


def external_id_problem(value: str) -> str | None:
    """What is wrong with an integrator's external id (1–100 printable characters), or None."""
    if not value or not value.strip():
        return str(_("An external id cannot be empty."))
    if len(value) > EXTERNAL_ID_MAX_LENGTH:
        return str(_("An external id has at most %(max)d characters.") % {"max": EXTERNAL_ID_MAX_LENGTH})
    if any(not ch.isprintable() for ch in value):
        return str(_("An external id cannot contain control characters."))
    return None
