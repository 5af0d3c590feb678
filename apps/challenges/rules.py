"""The arithmetic and the input rules of challenges, as plain Python (no ORM), testable on their own.

Each ``check_*`` function returns the cleaned value and a ``{field: message}`` dict of problems (empty
when the input is fine); the services turn problems into one :class:`~apps.core.errors.ApplicationError`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from apps.challenges.models import RACE_TEAMS_MAX, RACE_TEAMS_MIN, ChallengeMode, Comparison
from apps.core.fields import decimal_notation_ok

FEN = Decimal("0.01")
HUNDRED = Decimal("100")
MAX_INDICATORS = 50
MAX_BUDGET_LINES = 200
INDICATOR_KEYS = frozenset({"name", "target", "unit", "comparison"})


def _number(value: Any) -> Decimal | None:
    """A finite number given as int, float or Decimal (not bool, not text), else None."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _money(value: Any) -> Decimal | None:
    """A finite amount given as a number or as a decimal string ("1200.50"), else None.

    Plain ASCII decimal notation only: no full-width digits, no exponent (as every money field).
    """
    if not decimal_notation_ok(value):
        return None
    if isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            return None
        return number if number.is_finite() else None
    return _number(value)


def _json_number(value: Decimal) -> int | float:
    # JSON has one number type; integral targets stay integers so "≥ 95" does not read "≥ 95.0".
    return int(value) if value == value.to_integral_value() else float(value)


def check_indicators(raw: Any) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """At least one ``{name, target, unit, comparison}``; target a number, comparison one of ≥ ≤ =."""
    if not isinstance(raw, list) or not raw:
        return [], {"indicators": _("Give at least one quantified indicator.")}
    if len(raw) > MAX_INDICATORS:
        return [], {"indicators": _("At most %(n)d indicators.") % {"n": MAX_INDICATORS}}
    cleaned: list[dict[str, Any]] = []
    problems: dict[str, str] = {}
    for index, item in enumerate(raw):
        prefix = f"indicators.{index}"
        if not isinstance(item, Mapping):
            problems[prefix] = _("Each indicator is an object with name, target, unit and comparison.")
            continue
        unknown = sorted(set(item) - INDICATOR_KEYS)
        if unknown:
            problems[prefix] = _("Unknown keys: %(keys)s.") % {"keys": ", ".join(map(str, unknown))}
            continue
        name = item.get("name")
        if not isinstance(name, str) or not name.strip() or len(name) > 200:
            problems[f"{prefix}.name"] = _("A name of 1 to 200 characters is required.")
        target = _number(item.get("target"))
        if target is None:
            problems[f"{prefix}.target"] = _("The target must be a number.")
        unit = item.get("unit", "")
        if not isinstance(unit, str) or len(unit) > 32:
            problems[f"{prefix}.unit"] = _("The unit is text of at most 32 characters.")
        comparison = item.get("comparison")
        if comparison not in Comparison.values:
            problems[f"{prefix}.comparison"] = _("The comparison must be one of %(values)s.") % {
                "values": " ".join(Comparison.values)
            }
        if isinstance(name, str) and isinstance(unit, str) and target is not None:
            cleaned.append(
                {"name": name.strip(), "target": _json_number(target), "unit": unit.strip(), "comparison": comparison}
            )
    return cleaned, problems


def check_funding(
    *, reward: Decimal | None, enterprise_funding: Decimal | None, government_funding: Decimal | None
) -> dict[str, str]:
    """The reward is positive and is exactly the enterprise's plus the government's share."""
    problems: dict[str, str] = {}
    if reward is None or reward <= 0:
        problems["reward"] = _("The reward must be more than zero.")
    for field, value in (("enterprise_funding", enterprise_funding), ("government_funding", government_funding)):
        if value is None or value < 0:
            problems[field] = _("A funding share cannot be negative.")
    if (
        not problems
        and enterprise_funding is not None
        and government_funding is not None
        and enterprise_funding + government_funding != reward
    ):
        problems["government_funding"] = _(
            "Enterprise funding (%(enterprise)s) plus government funding (%(government)s) must equal the "
            "reward (%(reward)s)."
        ) % {"enterprise": enterprise_funding, "government": government_funding, "reward": reward}
    return problems


def check_race_team_count(*, mode: str, race_team_count: int) -> dict[str, str]:
    if mode == ChallengeMode.SINGLE and race_team_count != 1:
        return {"race_team_count": _("A single-winner challenge funds exactly one team.")}
    if mode == ChallengeMode.RACE and not RACE_TEAMS_MIN <= race_team_count <= RACE_TEAMS_MAX:
        return {
            "race_team_count": _("A race funds %(low)d to %(high)d teams in parallel.")
            % {"low": RACE_TEAMS_MIN, "high": RACE_TEAMS_MAX}
        }
    return {}


def check_budget_lines(raw: Any, *, reward: Decimal) -> tuple[list[dict[str, str]], Decimal, dict[str, str]]:
    """At least one ``{item, amount}`` line, each amount > 0 in fen, the sum not above the reward.

    Amounts are returned as strings ("1200.00") so that the JSON keeps them exact.
    """
    if not isinstance(raw, list) or not raw:
        return [], Decimal("0"), {"budget_lines": _("A budgeted challenge needs a line budget.")}
    if len(raw) > MAX_BUDGET_LINES:
        return [], Decimal("0"), {"budget_lines": _("At most %(n)d budget lines.") % {"n": MAX_BUDGET_LINES}}
    cleaned: list[dict[str, str]] = []
    problems: dict[str, str] = {}
    total = Decimal("0")
    for index, line in enumerate(raw):
        prefix = f"budget_lines.{index}"
        if not isinstance(line, Mapping) or set(line) != {"item", "amount"}:
            problems[prefix] = _("Each budget line is an object with item and amount.")
            continue
        item = line["item"]
        if not isinstance(item, str) or not item.strip() or len(item) > 200:
            problems[f"{prefix}.item"] = _("An item of 1 to 200 characters is required.")
        amount = _money(line["amount"])
        if amount is None or amount <= 0 or amount != amount.quantize(FEN):
            problems[f"{prefix}.amount"] = _("An amount is more than zero, in yuan to the fen.")
            continue
        total += amount
        if isinstance(item, str) and item.strip():
            cleaned.append({"item": item.strip(), "amount": str(amount.quantize(FEN))})
    if not problems and total > reward:
        problems["budget_lines"] = _("The budget lines add up to %(total)s, above the reward of %(reward)s.") % {
            "total": total,
            "reward": reward,
        }
    return cleaned, total, problems


def award_count_problem(*, mode: str, race_team_count: int, count: int) -> str | None:
    """Single mode awards exactly one bid; race mode 2 up to ``race_team_count``."""
    if mode == ChallengeMode.SINGLE:
        if count != 1:
            return _("A single-winner challenge is awarded to exactly one bid.")
        return None
    if not RACE_TEAMS_MIN <= count <= race_team_count:
        return _("This race is awarded to %(low)d to %(high)d bids.") % {"low": RACE_TEAMS_MIN, "high": race_team_count}
    return None


def tranche_total(*, reward: Decimal, share_pct: Decimal) -> Decimal:
    """A milestone's tranche: ``reward × share / 100``, rounded down to the fen (never more than the share)."""
    return (reward * share_pct / HUNDRED).quantize(FEN, rounding=ROUND_DOWN)


def split_equally(total: Decimal, bid_ids: Iterable[int]) -> dict[int, Decimal]:
    """``total`` split equally among the bids, each part rounded down to the fen.

    The fen left over go one by one to the lowest bid id (so at most ``len - 1`` fen to it), which
    makes the parts add up to ``total`` exactly.
    """
    ids = sorted(set(bid_ids))
    if not ids:
        return {}
    part = (total / len(ids)).quantize(FEN, rounding=ROUND_DOWN)
    parts = dict.fromkeys(ids, part)
    parts[ids[0]] += total - part * len(ids)
    return parts
