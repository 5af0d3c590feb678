"""Patent offices and the form of their application numbers. Pure Python, no ORM.

Each office's numbers are checked as far as the office publishes a rule (sources in ``docs/asean.md``):

- CNIPA: ``YYYYTNNNNNNN.C`` with its mod-11 check digit (:mod:`apps.core.validators`).
- WIPO (PCT international applications): ``PCT/CCYYYY/NNNNNN`` (receiving office, year, serial), the form
  used since 2004.
- EPO: ``EPYYNNNNNN`` with an optional ``.C`` check digit (filed since 2002): digits weighted 1, 2, 1, 2…
  from the left, the digits of the products summed, C = (10 − sum mod 10) mod 10 (EPO OPS support).
- USPTO: a 2-digit series code and a 6-digit serial, ``16/123,456`` or ``16123456``.
- IP Viet Nam: ``K-YYYY-NNNNN``, K 1 invention, 2 utility solution, 3 design.
- DIP Thailand: 10 digits ``YYTTNNNNNN`` (Buddhist-era year, type) — format only.
- MyIPO: ``PI`` (patent) or ``UI`` (utility innovation) + year + 6 digits, ``PI2023001234``.
- IPOS Singapore: ``10YYYYNNNNNX`` (12 characters since 2014, the last a letter or digit) — format only.
- DJKI Indonesia: ``P`` (patent) or ``S`` (simple patent) + ``00`` + year + 5 digits, ``P00202301234``.
- IPOPHL: ``K-YYYY-NNNNNN``, K 1 invention, 2 utility model, 3 design.
- Cambodia, Laos, Myanmar, Brunei: no public format found; 4 to 30 letters, digits, ``/``, ``-``, ``.``.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum

from django.utils.translation import gettext as _

from apps.core.validators import patent_application_number_problem


class Office(StrEnum):
    """Codes as WIPO ST.3 (WO for PCT); labels in :class:`apps.ip.models.PatentOffice`."""

    CNIPA = "CN"
    WIPO = "WO"
    EPO = "EP"
    USPTO = "US"
    VIETNAM = "VN"
    THAILAND = "TH"
    MALAYSIA = "MY"
    SINGAPORE = "SG"
    INDONESIA = "ID"
    PHILIPPINES = "PH"
    CAMBODIA = "KH"
    LAOS = "LA"
    MYANMAR = "MM"
    BRUNEI = "BN"


_YEAR = r"(?:19|20)\d{2}"
_FORMS: dict[Office, tuple[re.Pattern[str], str]] = {
    Office.WIPO: (re.compile(rf"PCT/[A-Z]{{2}}{_YEAR}/\d{{6}}", re.ASCII), "PCT/CN2023/123456"),
    Office.EPO: (re.compile(r"EP\d{8}(?:\.\d)?", re.ASCII), "EP23123456 or EP23123456.7"),
    Office.USPTO: (re.compile(r"\d{2}/\d{3},\d{3}|\d{8}", re.ASCII), "16/123,456 or 16123456"),
    Office.VIETNAM: (re.compile(rf"[123]-{_YEAR}-\d{{5}}", re.ASCII), "1-2023-01234"),
    Office.THAILAND: (re.compile(r"\d{10}", re.ASCII), "2301001234"),
    Office.MALAYSIA: (re.compile(rf"[PU]I{_YEAR}\d{{6}}", re.ASCII), "PI2023001234"),
    Office.SINGAPORE: (re.compile(rf"10{_YEAR}\d{{5}}[0-9A-Z]", re.ASCII), "10202301234X"),
    Office.INDONESIA: (re.compile(rf"[PS]00{_YEAR}\d{{5}}", re.ASCII), "P00202301234"),
    Office.PHILIPPINES: (re.compile(rf"[123]-{_YEAR}-\d{{6}}", re.ASCII), "1-2023-012345"),
}
_GENERIC = re.compile(r"[A-Z0-9][A-Z0-9/.\-]{2,28}[A-Z0-9]", re.ASCII)


def epo_check_digit(digits: str) -> str:
    """The check digit of an 8-digit EP application number (filed since 2002)."""
    total = 0
    for position, digit in enumerate(digits):
        product = int(digit) * (2 if position % 2 else 1)
        total += product // 10 + product % 10
    return str((10 - total % 10) % 10)


def normalise_application_number(office: str, value: str) -> str:
    """Upper case without outer spaces; USPTO numbers are also kept in their 8-digit form."""
    value = value.strip().upper()
    if office == Office.USPTO:
        return value.replace("/", "").replace(",", "") if re.fullmatch(r"\d{2}/\d{3},\d{3}", value) else value
    return value


def application_number_problem(office: str, value: str) -> str | None:
    """Why ``value`` (normalised) is not an application number of ``office``, or None."""
    if office == Office.CNIPA:
        return patent_application_number_problem(value)
    form = _FORMS.get(Office(office))
    if form is None:
        if not _GENERIC.fullmatch(value):
            return _("An application number has 4 to 30 letters, digits, '/', '-' or '.'.")
        return None
    pattern, example = form
    if not pattern.fullmatch(value):
        return _("Not an application number of this office; the form is %(example)s.") % {"example": example}
    if office == Office.EPO and "." in value:
        expected = epo_check_digit(value[2:10])
        if value[-1] != expected:
            return _("The check digit is wrong: expected %(expected)s.") % {"expected": expected}
    return None


# --- priority claims (Paris Convention, Art. 4C) -----------------------------------------------------

# Months a later filing may claim an earlier one's priority: 12 for inventions and utility models, 6 for
# designs.
PRIORITY_MONTHS = {"invention": 12, "utility_model": 12, "design": 6}


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or the month's last day when it has no such day (31 Jan + 1 → 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, candidate)
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover - day 28 exists in every month


def priority_claim_problems(claims: list[dict], *, kind: str, filing_date: date | None) -> list[str]:
    """Why the claims (each ``office``, ``number``, ``date``) cannot stand, in input order; empty when they can."""
    problems: list[str] = []
    if claims and filing_date is None:
        return [_("A priority claim needs the filing date of this application.")]
    months = PRIORITY_MONTHS.get(kind)
    seen: set[tuple[str, str]] = set()
    for position, claim in enumerate(claims, start=1):
        number_problem = application_number_problem(claim["office"], claim["number"])
        if number_problem:
            problems.append(_("Claim %(n)d: %(problem)s") % {"n": position, "problem": number_problem})
        if (claim["office"], claim["number"]) in seen:
            problems.append(_("Claim %(n)d repeats an earlier claim.") % {"n": position})
        seen.add((claim["office"], claim["number"]))
        assert filing_date is not None  # noqa: S101 - returned above
        if claim["date"] > filing_date:
            problems.append(_("Claim %(n)d: the priority date is after the filing date.") % {"n": position})
        elif months is not None and add_months(claim["date"], months) < filing_date:
            problems.append(
                _("Claim %(n)d: filed more than %(months)d months after the priority date (Paris Convention).")
                % {"n": position, "months": months}
            )
    return problems
