import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from apps.core.validators import credit_code_problem, validate_credit_code


def test_domain_example_is_valid():
    assert credit_code_problem("91350100M000100Y43") is None
    validate_credit_code("91350100M000100Y43")


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("91350100M000100Y44", "check character"),  # wrong check character
        ("91350100M000100Y4", "18 characters"),  # too short
        ("91350100M000100Y433", "18 characters"),  # too long
        ("", "18 characters"),
        ("91350100m000100y43", "upper case"),  # lower case
        ("91350100I000100Y43", "cannot contain I"),  # forbidden letter I
        ("91350100O000100Y43", "cannot contain O"),
        ("9135010SZ000100V43", "cannot contain S, V, Z"),
    ],
)
def test_invalid_codes_are_refused_with_a_reason(value, fragment):
    with translation.override("en"):
        problem = credit_code_problem(value)
    assert problem is not None and fragment in problem
    with pytest.raises(ValidationError) as info:
        validate_credit_code(value)
    assert info.value.code == "invalid_credit_code"


def test_a_single_changed_character_is_always_caught():
    # The weights are distinct and non-zero mod 31 (a prime), so any single substitution changes the check.
    from apps.core.validators import CREDIT_CODE_ALPHABET

    valid = "91350100M000100Y43"
    for position in range(17):
        for replacement in CREDIT_CODE_ALPHABET:
            if replacement == valid[position]:
                continue
            mutated = valid[:position] + replacement + valid[position + 1 :]
            assert credit_code_problem(mutated) is not None, mutated


def test_reasons_are_in_chinese_by_default():
    assert credit_code_problem("91350100M000100Y4") == "统一社会信用代码应为 18 位，当前为 17 位。"
