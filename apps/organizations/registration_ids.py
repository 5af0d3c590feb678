"""Registration identifiers of organisations outside China, validated per country. Pure Python, no ORM.

China keeps the unified social credit code (:func:`apps.core.validators.credit_code_problem`). For the
ASEAN countries the rule applied here is the strongest one publicly documented (sources in
``docs/asean.md``):

- SG, Unique Entity Number (ACRA): ``nnnnnnnnX`` (business), ``yyyynnnnnX`` (local company),
  ``TyyPQnnnnX`` (others; R/S/T for the century, PQ an entity-type code): format, year and check letter
  (python-stdnum ``stdnum.sg.uen``).
- VN, enterprise code (mã số doanh nghiệp = tax code): 10 digits, or 13 for a branch written
  ``nnnnnnnnnn-nnn``; the 10th digit is a check digit (``stdnum.vn.mst``).
- TH, juristic person number (Department of Business Development): 13 digits starting with 0, the last
  a mod-11 check digit (``stdnum.th.moa``).
- MY, SSM company number, new format since 2019: 12 digits ``yyyyTTnnnnnn`` (TT the entity type:
  01 local company, 02 foreign company, 03 business, 04 local LLP, 05 foreign LLP, 06 professional LLP).
  Format and year only: SSM publishes no check digit.
- ID, business identification number (NIB, OSS): 13 digits. Format only.
- PH, SEC registration number: a letter prefix and digits (``CS201912345``) or, since 2020, digits only.
  Format only.
- KH, LA, MM, BN: no public format found; 3 to 30 letters, digits, ``-`` and ``/``. The operator checks
  the documents.
"""

from __future__ import annotations

import re

from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.sg import uen
from stdnum.th import moa
from stdnum.vn import mst

_MY_TYPES = frozenset({"01", "02", "03", "04", "05", "06"})
_GENERIC = re.compile(r"[A-Z0-9][A-Z0-9/\-]{1,28}[A-Z0-9]", re.ASCII)


def normalise_registration_id(country: str, value: str) -> str:
    """Upper case, outer spaces gone; Vietnam and Thailand also drop the grouping spaces and dashes."""
    value = value.strip().upper()
    if country == "VN":
        digits = value.replace(" ", "").replace("-", "")
        return f"{digits[:10]}-{digits[10:]}" if len(digits) == 13 else digits
    if country in {"TH", "SG", "MY", "ID"}:
        return value.replace(" ", "").replace("-", "")
    return value


def _sg(value: str) -> str | None:
    try:
        uen.validate(value)
    except StdnumError:
        return _(
            "A Singapore UEN is nnnnnnnnX, yyyynnnnnX or TyyPQnnnnX with a valid check letter "
            "(e.g. 53012345B, 201234567R)."
        )
    return None


def _vn(value: str) -> str | None:
    try:
        mst.validate(value)
    except StdnumError:
        return _(
            "A Vietnamese enterprise code has 10 digits (13 for a branch: nnnnnnnnnn-nnn) with a valid check digit."
        )
    return None


def _th(value: str) -> str | None:
    try:
        moa.validate(value)
    except StdnumError:
        return _("A Thai juristic person number has 13 digits starting with 0, the last a check digit.")
    return None


def _my(value: str) -> str | None:
    if not re.fullmatch(r"\d{12}", value, re.ASCII):
        return _("A Malaysian SSM number has 12 digits: year, entity type and serial (yyyyTTnnnnnn).")
    year, kind = int(value[:4]), value[4:6]
    if not 1900 <= year <= timezone.localdate().year or kind not in _MY_TYPES:
        return _("A Malaysian SSM number starts with the year of registration and an entity type 01 to 06.")
    return None


def _id(value: str) -> str | None:
    if not re.fullmatch(r"\d{13}", value, re.ASCII):
        return _("An Indonesian business identification number (NIB) has 13 digits.")
    return None


def _ph(value: str) -> str | None:
    if not re.fullmatch(r"(?:[A-Z]{1,3}\d{6,12}|\d{6,15})", value, re.ASCII):
        return _("A Philippine SEC registration number is letters and digits (e.g. CS201912345) or digits only.")
    return None


def _generic(value: str) -> str | None:
    if not _GENERIC.fullmatch(value):
        return _("A registration number has 3 to 30 letters, digits, '-' or '/'.")
    return None


_CHECKS = {"SG": _sg, "VN": _vn, "TH": _th, "MY": _my, "ID": _id, "PH": _ph}
# Countries whose identifier is checked beyond its format (a check digit or check letter).
CHECKSUM_COUNTRIES = frozenset({"SG", "VN", "TH"})


def registration_id_problem(country: str, value: str) -> str | None:
    """Why ``value`` (normalised) is not a valid registration identifier in ``country`` (alpha-2), or None."""
    if not value:
        return _("Give the organisation's registration number in its country.")
    return _CHECKS.get(country, _generic)(value)
