"""The cuts of a statistics report: the names of dimensions and measures, the periods, how rows are
ordered and labelled (one query per kind of coded dimension), and the display units (万元, 亿元)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from apps.contracts.catalogue import ContractType, IPType, LegacyClass, ProgrammeClass
from apps.stats.dims import Dim, Measure, Zone

PERIOD = "period"
PERIODS = ("month", "quarter", "year")


# --- labels ------------------------------------------------------------------------------------

DIM_NAMES: dict[str, Any] = {
    PERIOD: pgettext_lazy("statistics", "period"),
    Dim.CONTRACT_TYPE: gettext_lazy("contract type"),
    Dim.LEGACY_CLASS: gettext_lazy("contract class (four classes)"),
    Dim.TECHNOLOGY_FIELD: gettext_lazy("technology field"),
    Dim.IP_TYPE: gettext_lazy("IP type"),
    Dim.PROGRAMME_CLASS: gettext_lazy("programme class"),
    Dim.SELLER_ENTITY_TYPE: gettext_lazy("seller entity type (output)"),
    Dim.BUYER_ENTITY_TYPE: gettext_lazy("buyer entity type (absorption)"),
    Dim.SELLER_AREA: gettext_lazy("seller area (output)"),
    Dim.BUYER_AREA: gettext_lazy("buyer area (absorption)"),
    Dim.SELLER_ZONE: gettext_lazy("seller zone (where the technology comes from)"),
    Dim.BUYER_ZONE: gettext_lazy("buyer zone (where the technology goes)"),
    Dim.BROKER: gettext_lazy("broker"),
    Dim.MARKET: gettext_lazy("market of the network"),
}
MEASURE_NAMES: dict[str, Any] = {
    Measure.CONTRACT_COUNT: pgettext_lazy("statistics", "contracts"),
    Measure.CONTRACT_AMOUNT: gettext_lazy("contract amount"),
    Measure.TECHNOLOGY_AMOUNT: gettext_lazy("technology transaction amount"),
    Measure.PAID_AMOUNT: gettext_lazy("paid amount"),
}
# 市内 / 省内 / 外省 / 港澳台 / 东盟 / 其他境外
ZONE_LABELS: dict[str, Any] = {
    Zone.CITY: gettext_lazy("within the city"),
    Zone.PROVINCE: gettext_lazy("within the province"),
    Zone.DOMESTIC: gettext_lazy("other provinces"),
    Zone.HMT: gettext_lazy("Hong Kong, Macao and Taiwan"),
    Zone.ASEAN: gettext_lazy("ASEAN"),
    Zone.ABROAD: gettext_lazy("other countries and regions"),
}
# Dimensions whose values are the members of a TextChoices (or Zone), in the order reports list them.
CHOICE_DIMS: dict[Dim, dict[str, Any]] = {
    Dim.CONTRACT_TYPE: dict(ContractType.choices),
    Dim.LEGACY_CLASS: dict(LegacyClass.choices),
    Dim.IP_TYPE: dict(IPType.choices),
    Dim.PROGRAMME_CLASS: dict(ProgrammeClass.choices),
    Dim.SELLER_ZONE: ZONE_LABELS,
    Dim.BUYER_ZONE: ZONE_LABELS,
}
ENTITY_TYPE_DIMS = (Dim.SELLER_ENTITY_TYPE, Dim.BUYER_ENTITY_TYPE)
AREA_DIMS = (Dim.SELLER_AREA, Dim.BUYER_AREA)
NO_BROKER = "none"  # how a filter names "contracts without a broker" (stored as "")


# --- periods -----------------------------------------------------------------------------------


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def shift_year(month: date, years: int) -> date:
    return month.replace(year=month.year + years)  # first of a month: no 29 February to trip over


def period_key(start: date, period: str | None) -> str:
    if period == "month":
        return f"{start:%Y-%m}"
    if period == "quarter":
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    return f"{start.year}"


def shift_key(key: tuple[str, ...], by_period: bool, period: str) -> tuple[str, ...]:
    if not by_period:
        return key
    label = key[0]
    shifted = f"{int(label[:4]) + 1}{label[4:]}"
    return (shifted, *key[1:])


def period_start(key: str) -> date:
    """The first day of a period key: "2025" → 2025-01-01, "2025-Q2" → 2025-04-01, "2025-03" → 2025-03-01."""
    if "-Q" in key:
        year, quarter = key.split("-Q")
        return date(int(year), (int(quarter) - 1) * 3 + 1, 1)
    if "-" in key:
        year, month = key.split("-")
        return date(int(year), int(month), 1)
    return date(int(key), 1, 1)


def period_label(key: str, period: str) -> str:
    start = period_start(key)
    if period == "month":
        return _("%(year)s-%(month)02d") % {"year": start.year, "month": start.month}
    if period == "quarter":
        return _("%(year)s Q%(quarter)s") % {"year": start.year, "quarter": (start.month - 1) // 3 + 1}
    return str(start.year)


# --- ordering and labels -----------------------------------------------------------------------


def _choice_rank(dim: Dim) -> dict[str, int]:
    return {code: index for index, code in enumerate(CHOICE_DIMS[dim])}


_RANKS = {dim: _choice_rank(dim) for dim in CHOICE_DIMS}


def sort_key(keys: Sequence[str], key: tuple[str, ...]) -> tuple[Any, ...]:
    parts: list[Any] = []
    for name, value in zip(keys, key, strict=True):
        if name == PERIOD:
            parts.append((0, period_start(value).toordinal(), ""))
        elif Dim(name) in _RANKS:
            parts.append((_RANKS[Dim(name)].get(value, len(_RANKS[Dim(name)])), 0, value))
        elif Dim(name) is Dim.BROKER:
            # Contracts without a broker last; brokers by id.
            parts.append((1, 0, "") if not value else (0, int(value), ""))
        else:
            # Codes sort as the official lists do (area codes: domestic 6 digits before countries).
            parts.append((len(value) == 3, 0, value))
    return tuple(parts)


def _chinese() -> bool:
    return (translation.get_language() or settings.LANGUAGE_CODE).lower().startswith("zh")


class Labeller:
    """Display names of the codes in a report's rows, at one query per kind of coded dimension."""

    def __init__(self, keys: Sequence[str], row_keys: Sequence[tuple[str, ...]], period: str) -> None:
        self.keys = list(keys)
        self.period = period
        codes: dict[str, set[str]] = {"field": set(), "entity": set(), "area": set(), "broker": set(), "market": set()}
        kinds = {
            Dim.TECHNOLOGY_FIELD: "field",
            Dim.SELLER_ENTITY_TYPE: "entity",
            Dim.BUYER_ENTITY_TYPE: "entity",
            Dim.SELLER_AREA: "area",
            Dim.BUYER_AREA: "area",
            Dim.BROKER: "broker",
            Dim.MARKET: "market",
        }
        self.kind_of = {
            i: kinds[Dim(name)] for i, name in enumerate(self.keys) if name != PERIOD and Dim(name) in kinds
        }
        for key in row_keys:
            for index, kind in self.kind_of.items():
                if key[index]:
                    codes[kind].add(key[index])
        self.names: dict[str, dict[str, str]] = {
            kind: _LOOKUPS[kind](found) if found else {} for kind, found in codes.items()
        }

    def of(self, key: tuple[str, ...]) -> dict[str, str]:
        labels = {}
        for index, (name, value) in enumerate(zip(self.keys, key, strict=True)):
            if name == PERIOD:
                labels[name] = period_label(value, self.period)
            elif index in self.kind_of:
                labels[name] = self._coded(self.kind_of[index], value)
            else:
                choice = CHOICE_DIMS[Dim(name)].get(value)
                labels[name] = str(choice) if choice is not None else value
        return labels

    def _coded(self, kind: str, value: str) -> str:
        if kind == "broker" and not value:
            return _("no broker")
        if kind == "market" and not value:
            return _("no market")
        return self.names[kind].get(value) or value


def _pick(name_zh: str, name_en: str) -> str:
    return name_zh if _chinese() or not name_en else name_en


def _field_names(codes: set[str]) -> dict[str, str]:
    from apps.reference.models import TechnologyField

    rows = TechnologyField.objects.filter(code__in=codes).values_list("code", "name_zh", "name_en")
    return {code: _pick(zh, en) for code, zh, en in rows}


def _entity_type_names(codes: set[str]) -> dict[str, str]:
    from apps.reference.models import EntityType

    rows = EntityType.objects.filter(code__in=codes).values_list("code", "name_zh", "name_en")
    return {code: _pick(zh, en) for code, zh, en in rows}


def _area_names(codes: set[str]) -> dict[str, str]:
    """Prefectures and provinces from the regions, countries from the countries, in one query.

    The regions table holds the provinces and the prefectures the market deals with most; an area
    it lacks is shown as its province and code."""
    from apps.reference.models import Country, Region

    domestic = {c for c in codes if len(c) == 6}
    wanted = domestic | {c[:2] + "0000" for c in domestic}
    regions = Region.objects.filter(code__in=wanted).values_list("code", "name_zh", "name_en")
    countries = Country.objects.filter(code__in=[c for c in codes if len(c) == 3]).values_list(
        "code", "name_zh", "name_en"
    )
    found = {code: _pick(zh, en) for code, zh, en in regions.union(countries, all=True)}
    names = {}
    for code in codes:
        if code in found:
            names[code] = found[code]
        elif len(code) == 6 and code[:2] + "0000" in found:
            names[code] = f"{found[code[:2] + '0000']} {code}"
    return names


def _broker_names(codes: set[str]) -> dict[str, str]:
    from apps.brokers.models import Broker

    ids = [int(c) for c in codes if c.isdigit()]
    rows = Broker.objects.filter(pk__in=ids).values_list("pk", "user__name", "organization__name")
    return {
        str(pk): f"{name or pk}（{agency}）" if _chinese() else f"{name or pk} ({agency})" for pk, name, agency in rows
    }


def _market_names(codes: set[str]) -> dict[str, str]:
    from apps.markets.models import Market

    rows = Market.objects.filter(code__in=codes).values_list("code", "name_zh", "name_en")
    return {code: _pick(zh, en) for code, zh, en in rows}


_LOOKUPS = {
    "field": _field_names,
    "entity": _entity_type_names,
    "area": _area_names,
    "broker": _broker_names,
    "market": _market_names,
}


# --- display -----------------------------------------------------------------------------------

TEN_THOUSAND = Decimal(10_000)
HUNDRED_MILLION = Decimal(100_000_000)


def in_wan(amount: Decimal) -> Decimal:
    """Yuan to 万元, two decimals, half up (the unit of the official report forms)."""
    return (amount / TEN_THOUSAND).quantize(Decimal("0.01"), ROUND_HALF_UP)


def in_yi(amount: Decimal) -> Decimal:
    """Yuan to 亿元, two decimals, half up: 64,510,000,000 yuan is 645.10 亿元."""
    return (amount / HUNDRED_MILLION).quantize(Decimal("0.01"), ROUND_HALF_UP)
