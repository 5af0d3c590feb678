"""Registration numbers of organisations outside China, per country (pure: no database)."""

from __future__ import annotations

import pytest

from apps.organizations.registration_ids import normalise_registration_id, registration_id_problem


@pytest.mark.parametrize(
    ("country", "typed", "stored"),
    [
        ("SG", "53012345B", "53012345B"),  # business (ROB), check letter
        ("SG", "201234567r", "201234567R"),  # local company (ROC)
        ("SG", "T09LL0001D", "T09LL0001D"),  # others: T, year 09, LL (limited liability partnership)
        ("VN", "0109998883", "0109998883"),
        ("VN", "0109998883 002", "0109998883-002"),  # a branch
        ("TH", "0-10-5-599-88877-0", "0105599888770"),
        ("MY", "201901000005", "201901000005"),
        ("ID", "9120001234567", "9120001234567"),
        ("PH", "CS201912345", "CS201912345"),
        ("KH", "00012345", "00012345"),
        ("LA", "01-000123/ERO", "01-000123/ERO"),
    ],
)
def test_valid_numbers_are_kept_in_their_canonical_form(country, typed, stored):
    assert normalise_registration_id(country, typed) == stored
    assert registration_id_problem(country, stored) is None


@pytest.mark.parametrize(
    ("country", "typed"),
    [
        ("SG", "53012345A"),  # wrong check letter
        ("SG", "T09ZZ0001D"),  # no such entity type
        ("VN", "0109998880"),  # wrong check digit
        ("VN", "010023348"),  # nine digits
        ("TH", "0105599888771"),  # wrong check digit
        ("TH", "1105599888770"),  # a juristic person number starts with 0
        ("MY", "201907000005"),  # entity type 07 does not exist
        ("MY", "20190100000"),  # eleven digits
        ("ID", "91200012345"),  # NIB has 13 digits
        ("PH", "CS-2019-12"),
        ("MM", "?"),
        ("BN", ""),
    ],
)
def test_invalid_numbers_are_refused_with_a_reason(country, typed):
    problem = registration_id_problem(country, normalise_registration_id(country, typed))
    assert problem
