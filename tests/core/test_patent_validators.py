"""Chinese patent application numbers, patent numbers and IPC symbols (DOMAIN.md, "Validators")."""

from __future__ import annotations

import pytest
from django.utils import translation

from apps.core.validators import (
    PATENT_CHECK_WEIGHTS,
    ipc_problem,
    normalize_ipc,
    patent_application_number_problem,
    patent_check_character,
    patent_number_problem,
    patent_type_digit,
)


def _problem(value: str) -> str | None:
    with translation.override("en"):
        return patent_application_number_problem(value)


# --- application numbers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "201710601862.3",  # DOMAIN.md, 12-digit form
        "97101765.4",  # DOMAIN.md, 8-digit form before 2003
        "202010123456.2",  # the DOMAIN.md invalid example with its correct check
        "201910123417.X",  # check 10 is written X (12-digit form)
        "98100007.X",  # … and in the 8-digit form
        "202020123406.X",  # utility model
        "201830123402.X",  # design
        "202181012303.X",  # PCT invention
        "201991012317.X",  # PCT utility model
        "200310000001.8",  # first year of the 12-digit form
        "03100001.0",  # last year of the 8-digit form
        "85100001.0",  # first year of the patent office
    ],
)
def test_valid_application_numbers(value):
    assert _problem(value) is None


def test_domain_invalid_example_names_the_right_check():
    assert _problem("202010123456.7") == "The check character is wrong: expected 2."


def test_check_character_is_the_weighted_sum_mod_11():
    # 2·2+0·3+1·4+7·5+1·6+0·7+6·8+0·9+1·2+8·3+6·4+2·5 = 157 = 14·11 + 3
    assert patent_check_character("201710601862") == "3"
    # 9·2+7·3+1·4+0·5+1·6+7·7+6·8+5·9 = 191 = 17·11 + 4
    assert patent_check_character("97101765") == "4"
    assert patent_check_character("201910123417") == "X"
    assert patent_check_character("98100007") == "X"


def test_lower_case_x_is_not_a_check_character():
    assert _problem("201910123417.x") is not None


@pytest.mark.parametrize("valid", ["201710601862.3", "97101765.4", "201910123417.X"])
def test_every_single_character_substitution_is_caught(valid):
    # Each weight is 2…9 and each digit change is ±1…9: neither is a multiple of 11 (a prime), so their
    # product never is either and every substituted digit changes the sum mod 11. A substitution can
    # also be caught earlier (a year before 2003, a type digit that does not exist); it is never missed.
    assert len(valid.split(".")[0]) <= len(PATENT_CHECK_WEIGHTS)
    for position, original in enumerate(valid):
        if original == ".":
            continue
        for replacement in "0123456789X":
            if replacement == original:
                continue
            mutated = valid[:position] + replacement + valid[position + 1 :]
            assert _problem(mutated) is not None, mutated


def test_swapped_neighbours_are_caught_when_they_differ():
    # Adjacent weights differ (by 1, or 9 - 2 = 7 at the wrap), so a swap of two different digits
    # changes the sum by (a - b)(w1 - w2), which 11 never divides.
    valid = "201710601862.3"
    digits = valid.split(".")[0]
    for i in range(len(digits) - 1):
        if digits[i] == digits[i + 1]:
            continue
        swapped = digits[:i] + digits[i + 1] + digits[i] + digits[i + 2 :]
        assert _problem(f"{swapped}.3") is not None, swapped


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("2017106018623", "12 digits"),  # dot missing
        ("201710601862,3", "12 digits"),  # comma instead of dot
        ("20171060186.3", "12 digits"),  # 11 digits
        ("2017106018621.3", "12 digits"),  # 13 digits
        ("9710176.4", "12 digits"),  # 7 digits
        ("201710601862.", "12 digits"),  # no check character
        ("201710601862.33", "12 digits"),  # two check characters
        ("", "12 digits"),
        (" 201710601862.3", "12 digits"),  # spaces are not trimmed by the validator
        ("201710601862.3\n", "12 digits"),  # a trailing newline is not a valid end
        ("CN201710601862.3", "12 digits"),  # country prefix
        ("２０１７１０６０１８６２.3", "12 digits"),  # full-width digits
        ("2017106O1862.3", "12 digits"),  # letter O for zero
        ("200210601862.7", "from 2003 on"),  # 12-digit form before 2003
        ("199910601862.3", "from 2003 on"),
        ("17101765.4", "from 85 (1985) to 03 (2003)"),  # 8-digit form after 2003
        ("84101765.4", "from 85 (1985) to 03 (2003)"),  # before the patent office opened
        ("201740601862.3", "type digit"),
        ("201750601862.3", "type digit"),
        ("201700601862.3", "type digit"),
        ("97401765.4", "type digit"),
        ("201710601862.4", "expected 3"),
        ("97101765.X", "expected 4"),
    ],
)
def test_invalid_application_numbers_are_refused_with_a_reason(value, fragment):
    problem = _problem(value)
    assert problem is not None and fragment in problem, problem


def test_reasons_are_in_chinese_by_default():
    problem = patent_application_number_problem("201710601862.4")
    assert problem is not None and "3" in problem
    assert problem != _problem("201710601862.4")


@pytest.mark.parametrize(
    ("value", "digit"),
    [("201710601862.3", "1"), ("202020123406.X", "2"), ("201830123402.X", "3"), ("97101765.4", "1")],
)
def test_type_digit(value, digit):
    assert patent_type_digit(value) == digit


# --- patent numbers -----------------------------------------------------------------------------


def test_patent_number_is_zl_and_the_application_number():
    assert patent_number_problem("ZL201710601862.3") is None
    assert patent_number_problem("ZL97101765.4") is None


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("201710601862.3", "starts with ZL"),
        ("zl201710601862.3", "starts with ZL"),
        ("CN201710601862.3", "starts with ZL"),
        ("ZL 201710601862.3", "12 digits"),
        ("ZL201710601862.4", "expected 3"),
        ("ZL200210601862.7", "from 2003 on"),
        ("ZL", "12 digits"),
    ],
)
def test_bad_patent_numbers(value, fragment):
    with translation.override("en"):
        problem = patent_number_problem(value)
    assert problem is not None and fragment in problem, problem


# --- IPC ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "normal"),
    [
        ("A61K 31/495", "A61K 31/495"),
        ("C07D 487/04", "C07D 487/04"),
        ("H01M 10/0525", "H01M 10/0525"),
        ("G06F 16/00", "G06F 16/00"),  # a main group
        ("B60L 53/123456", "B60L 53/123456"),  # 6-digit subgroup
        ("a61k31/495", "A61K 31/495"),  # lower case, no space
        ("  h01m   10/0525 ", "H01M 10/0525"),  # extra spaces
        ("A61K 031/495", "A61K 31/495"),  # zero-padded main group
        ("Ａ６１Ｋ　３１／４９５", "A61K 31/495"),  # full-width input method
    ],
)
def test_ipc_is_normalised(value, normal):
    assert normalize_ipc(value) == normal
    assert ipc_problem(value) is None


@pytest.mark.parametrize(
    "value",
    [
        *[f"{section}61K 31/495" for section in "IJKLMNOPQRSTUVWXYZ"],  # sections are A–H only
        "A00K 31/495",  # class 00
        "A61K 0/495",  # main group 0
        "A61K 31",  # subgroup missing
        "A61K 31/",
        "A61K 31/4",  # 1-digit subgroup
        "A61K 31/1234567",  # 7-digit subgroup
        "A61K 1234/00",  # 4-digit main group
        "A61K",  # subclass only
        "A6K 31/495",  # 1-digit class
        "A611 31/495",  # digit for subclass
        "A61K 31-495",  # dash for slash
        "A61K 31/495 A61P 35/00",  # two codes in one
        "A61K 31/495\nX",
        "A61K ３１/４９5\u0663",  # Arabic-Indic digit
        "",
    ],
)
def test_bad_ipc_codes(value):
    assert normalize_ipc(value) is None
    with translation.override("en"):
        problem = ipc_problem(value)
    assert problem is not None and "section A–H" in problem
