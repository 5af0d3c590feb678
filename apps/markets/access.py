"""Who operates which market: the network's part of the access vocabulary.

- the global operator (:func:`apps.organizations.access.is_operator`, the main market's operators) operates
  every market;
- a market operator (:class:`MarketOperator`) operates its market and the markets below it: a city
  market's operator its county stations, a county station's operator only itself.

:func:`operated_market_codes` is ``None`` for "every market" and a set of codes otherwise; selectors
filter with it (what an operator may not see is a 404), services refuse with
:func:`require_market_operator` (403 ``operator_only``).
"""

from __future__ import annotations

from typing import Any, cast

from django.db.models import Q
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.core.errors import ApplicationError
from apps.markets.models import MAIN_MARKET_CODE, Market, MarketOperator
from apps.organizations.access import AccessError, Actor, is_operator

_ATTR = "_market_operated_codes"


def _descendants(roots: set[str]) -> set[str]:
    children: dict[str, list[str]] = {}
    for code, parent in Market.objects.values_list("code", "parent_id"):
        if parent:
            children.setdefault(parent, []).append(code)
    found, todo = set(roots), list(roots)
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def operated_market_codes(actor: Actor | None) -> frozenset[str] | None:
    """The markets the actor operates (with the ones below them); ``None``: every market (global operator).

    Computed once per user object (so once per request)."""
    if is_operator(actor):
        return None
    if actor is None or not getattr(actor, "is_authenticated", False):
        return frozenset()
    cached: frozenset[str] | None = getattr(actor, _ATTR, None)
    if cached is None:
        roots = set(MarketOperator.objects.filter(user=cast(User, actor)).values_list("market_id", flat=True))
        cached = frozenset(_descendants(roots)) if roots else frozenset()
        setattr(actor, _ATTR, cached)
    return cached


def forget_market_roles(actor: Actor) -> None:
    if hasattr(actor, _ATTR):
        delattr(actor, _ATTR)


def is_network_operator(actor: Actor | None) -> bool:
    """The global operator or the operator of at least one market."""
    codes = operated_market_codes(actor)
    return codes is None or bool(codes)


def operates(actor: Actor | None, market_code: str | None) -> bool:
    """Whether the actor operates ``market_code`` (a record without a market: the global operator only)."""
    codes = operated_market_codes(actor)
    return codes is None or (market_code is not None and market_code in codes)


def market_scope(actor: Actor | None, field: str = "home_market") -> Q:
    """A filter on ``field`` (a market foreign key) to the markets the actor operates; everything for the
    global operator, nothing for anyone else."""
    codes = operated_market_codes(actor)
    if codes is None:
        return Q()
    return Q(**{f"{field}__in": sorted(codes)}) if codes else Q(pk__in=[])


def require_network_operator(actor: Actor | None) -> None:
    if not is_network_operator(actor):
        raise ApplicationError(_("Only the market operator may do this."), code=AccessError.OPERATOR_ONLY, status=403)


def require_market_operator(actor: Actor | None, market_code: str | None) -> None:
    """Refuse (403, ``operator_only``) unless the actor operates ``market_code``."""
    if not operates(actor, market_code):
        raise ApplicationError(
            _("Only the operator of this record's market may do this."), code=AccessError.OPERATOR_ONLY, status=403
        )


def market_operator_users(market_code: str | None) -> list[User]:
    """The market operators who hear of what needs their market (besides the global operators): the
    operators of the market and of the markets above it."""
    if market_code is None:
        return []
    parents = dict(Market.objects.values_list("code", "parent_id"))
    chain: list[str] = []
    code: str | None = market_code
    while code and code not in chain:
        chain.append(code)
        code = parents.get(code)
    return list(User.objects.filter(market_roles__market_id__in=chain, is_active=True).distinct())


def _specificity(served: str, region: str) -> int:
    """How closely a served code covers a region code: 6 exact county, 4 prefecture, 2 province, 0 not."""
    if len(served) != 6 or len(region) != 6:
        return 0
    if served.endswith("0000"):
        return 2 if region[:2] == served[:2] else 0
    if served.endswith("00"):
        return 4 if region[:4] == served[:4] else 0
    return 6 if region == served else 0


def market_for_region(region_code: str | None, markets: list[Market] | None = None) -> Market:
    """The home market of a place: the active market whose served regions cover it most specifically;
    the main market when none does (a region elsewhere, or abroad)."""
    candidates = markets if markets is not None else list(Market.objects.filter(active=True))
    best: tuple[int, Market] | None = None
    if region_code:
        for market in candidates:
            score = max((_specificity(code, region_code) for code in market.region_codes), default=0)
            if score and (best is None or score > best[0]):
                best = (score, market)
    if best is not None:
        return best[1]
    return main_market()


def main_market() -> Market:
    main = Market.objects.filter(level="main").first()
    if main is None:
        # The data migration creates it; a database without it (a hand-cleared table) gets it back.
        main, _created = Market.objects.get_or_create(
            code=MAIN_MARKET_CODE,
            defaults={"name_zh": "柳州科技大市场", "name_en": "Liuzhou Technology Market", "level": "main",
                      "region_codes": ["450200"]},
        )  # fmt: skip
    return main


def assign_home_markets(qs: Any, *, region_field: str = "region_id", market_field: str = "home_market_id") -> int:
    """Give the rows of ``qs`` without a market the market of their region: one query per region, so a
    bulk import of thousands of rows costs a handful of queries."""
    pending = qs.filter(**{f"{market_field}__isnull": True})
    regions = set(pending.values_list(region_field, flat=True).distinct())
    if not regions:
        return 0
    markets = list(Market.objects.filter(active=True))
    changed = 0
    for region in regions:
        market = market_for_region(region, markets)
        changed += pending.filter(**{region_field: region}).update(**{market_field: market.code})
    return changed


def operated_markets_condition(actor: Actor | None, field: str = "home_market") -> Q | None:
    """A condition on ``field`` for "a market the actor operates", as a subquery (no extra round trip: list
    endpoints keep their query counts); ``None`` for an anonymous actor. The network is at most three levels
    deep (main → city → county), so the markets below are the children and grandchildren."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None
    user_id = cast(User, actor).pk
    operated = Market.objects.filter(
        Q(operators__user_id=user_id)
        | Q(parent__operators__user_id=user_id)
        | Q(parent__parent__operators__user_id=user_id)
    ).values("code")
    return Q(**{f"{field}__in": operated})
