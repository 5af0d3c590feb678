import pytest
from django.core.exceptions import ValidationError

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
    problem = credit_code_problem(value)
    assert problem is not None and fragment in problem
    with pytest.raises(ValidationError) as info:
        validate_credit_code(value)
    assert info.value.code == "invalid_credit_code"


def test_every_check_character_is_computed():
    # Changing any one of the first 17 characters must change the expected check character.
    from apps.core.validators import CREDIT_CODE_ALPHABET, credit_code_check_character

    base = "91350100M000100Y4"
    for i in range(17):
        replaced = base[:i] + ("1" if base[i] != "1" else "2") + base[i + 1 :]
        assert credit_code_check_character(replaced) != "3" or CREDIT_CODE_ALPHABET.index(
            replaced[i]
        ) == CREDIT_CODE_ALPHABET.index(base[i])
