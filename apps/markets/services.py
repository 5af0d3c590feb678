"""Writes of the market network: markets and their operators (the global operator and market managers)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.core.errors import ApplicationError
from apps.markets.access import forget_market_roles, operated_market_codes
from apps.markets.models import Market, MarketLevel, MarketOperator, MarketOperatorRole
from apps.organizations.access import AccessError, Actor, require_operator
from apps.reference.models import Region


class MarketError(StrEnum):
    DUPLICATE_CODE = "duplicate_market_code"
    UNKNOWN_PARENT = "unknown_parent_market"
    BAD_LEVEL = "bad_market_level"
    UNKNOWN_REGION = "unknown_region"
    UNKNOWN_USER = "unknown_user"


def _check_regions(codes: list[str]) -> list[str]:
    codes = list(dict.fromkeys(codes))
    known = set(Region.objects.filter(code__in=codes).values_list("code", flat=True))
    unknown = [code for code in codes if code not in known]
    if unknown:
        raise ApplicationError(
            _("Unknown region codes: %(codes)s.") % {"codes": ", ".join(unknown)},
            code=MarketError.UNKNOWN_REGION,
            field_errors={"region_codes": _("Use GB/T 2260 codes from the reference regions.")},
        )
    return codes


@transaction.atomic
def market_create(
    *, actor: Actor, code: str, name_zh: str, name_en: str = "", level: str, parent_code: str, region_codes: list[str]
) -> Market:
    """A city market or a county station below ``parent_code`` (the global operator only)."""
    require_operator(actor)
    if level == MarketLevel.MAIN:
        raise ApplicationError(
            _("The network has one main market; add city markets and county stations."),
            code=MarketError.BAD_LEVEL,
            field_errors={"level": _("city or county.")},
        )
    parent = Market.objects.filter(pk=parent_code).first()
    if parent is None:
        raise ApplicationError(
            _("Unknown parent market."),
            code=MarketError.UNKNOWN_PARENT,
            field_errors={"parent_code": _("Unknown code.")},
        )
    if level == MarketLevel.CITY and parent.level != MarketLevel.MAIN:
        raise ApplicationError(
            _("A city market sits below the main market."),
            code=MarketError.BAD_LEVEL,
            field_errors={"parent_code": _("Must be the main market.")},
        )
    if level == MarketLevel.COUNTY and parent.level == MarketLevel.COUNTY:
        raise ApplicationError(
            _("A county station sits below the main market or a city market."),
            code=MarketError.BAD_LEVEL,
            field_errors={"parent_code": _("Not a county station.")},
        )
    if Market.objects.filter(pk=code).exists():
        raise ApplicationError(
            _("A market with this code exists."), code=MarketError.DUPLICATE_CODE, status=409,
            field_errors={"code": _("Taken.")},
        )  # fmt: skip
    return Market.objects.create(
        code=code, name_zh=name_zh, name_en=name_en, level=level, parent=parent,
        region_codes=_check_regions(region_codes),
    )  # fmt: skip


@transaction.atomic
def market_update(*, actor: Actor, market: Market, **changes: Any) -> Market:
    """Names, served regions and whether it is active (the global operator only)."""
    require_operator(actor)
    if "region_codes" in changes:
        changes["region_codes"] = _check_regions(changes["region_codes"])
    for name, value in changes.items():
        setattr(market, name, value)
    market.save()
    return market


def _require_manager(actor: Actor, market: Market) -> None:
    """The global operator, or a manager of this market or of a market above it."""
    codes = operated_market_codes(actor)
    if codes is None:
        return
    mine = MarketOperator.objects.filter(user_id=getattr(actor, "pk", None) or 0, role=MarketOperatorRole.MANAGER)
    managed = set(mine.values_list("market_id", flat=True))
    chain: set[str] = set()
    code: str | None = market.code
    parents = dict(Market.objects.values_list("code", "parent_id"))
    while code and code not in chain:
        chain.add(code)
        code = parents.get(code)
    if not managed & chain:
        raise ApplicationError(
            _("Only the global operator or a manager of this market may change its operators."),
            code=AccessError.OPERATOR_ONLY,
            status=403,
        )


@transaction.atomic
def market_operator_add(*, actor: Actor, market: Market, user_id: int, role: str) -> MarketOperator:
    _require_manager(actor, market)
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        raise ApplicationError(
            _("Unknown user."), code=MarketError.UNKNOWN_USER, field_errors={"user_id": _("Unknown id.")}
        )
    try:
        with transaction.atomic():
            row, _created = MarketOperator.objects.update_or_create(user=user, market=market, defaults={"role": role})
    except IntegrityError:  # a concurrent add of the same person: the other one stands
        row = MarketOperator.objects.get(user=user, market=market)
    forget_market_roles(user)
    return row


@transaction.atomic
def market_operator_remove(*, actor: Actor, market: Market, user_id: int) -> None:
    _require_manager(actor, market)
    MarketOperator.objects.filter(market=market, user_id=user_id).delete()
