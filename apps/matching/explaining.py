"""A match's explanation as a person reads it: one sentence per criterion and filter, in the request's
language, with both sides named (`wanted` is always the demand's, `offered` the achievement's).

The engine stores codes (`apps/matching/engine/explain.py`); the two sides are read here from the
match's listings, the source of truth (a published listing cannot change without leaving the market,
which deletes its suggestions), so explanations stored by any engine version read the same. Scores,
passed flags and contributions come unchanged from the stored explanation.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from apps.listings.models import STAGE_TRL_RANGES, Achievement, CooperationMode, Demand, PriceType
from apps.matching.engine.explain import meaningful_terms
from apps.reference.models import Industry, Region, TechnologyField

Side = Any  # a JSON value: a code, a list of codes, a {"min", "max"} range, or None (not specified)


def _zh() -> bool:
    return (get_language() or "").lower().startswith("zh")


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def _join(offered: str, wanted: str) -> str:
    # Translators: two halves of one explanation sentence, the achievement's then the demand's.
    return _sentence(_("%(offered)s; %(wanted)s") % {"offered": offered, "wanted": wanted})


def _list(names: Sequence[str]) -> str:
    # Chinese lists use the enumeration comma 、.
    return ("、" if _zh() else ", ").join(names)


def _field_name(field: TechnologyField | None) -> str:
    if field is None:
        return ""
    return field.name_zh if _zh() or not field.name_en else field.name_en


def region_name(region: Region | None) -> str:
    """A division by name: a county-level one with its prefecture (柳州市柳北区, Liubei District, Liuzhou)."""
    if region is None:
        return ""
    parent = region.parent if region.level == Region.Level.COUNTY else None
    if _zh():
        return f"{parent.name_zh}{region.name_zh}" if parent else region.name_zh
    own = region.name_en or region.name_zh
    if parent:
        return f"{own}, {parent.name_en or parent.name_zh}"
    return own


def _yuan(amount: Decimal) -> str:
    if _zh():
        if amount >= 10_000 and amount % 100 == 0:
            return _("%(amount)s万元") % {"amount": f"{(amount / 10_000).normalize():f}"}
        return _("%(amount)s元") % {"amount": f"{amount.normalize():f}"}
    return f"¥{amount:,.0f}" if amount == amount.to_integral() else f"¥{amount:,.2f}"


def _money(amount: Decimal | None) -> str | None:
    return None if amount is None else f"{amount:.2f}"


def _modes(codes: Sequence[str]) -> str:
    labels = dict(CooperationMode.choices)
    return _list([str(labels.get(code, code)) for code in codes])


def _trl_wanted(demand: Demand) -> dict[str, int] | None:
    if not demand.wanted_stage:
        return None
    lo, hi = STAGE_TRL_RANGES[demand.wanted_stage]
    return {"min": lo, "max": hi}


def _trl_wanted_text(wanted: dict[str, int] | None) -> str:
    if wanted is None:
        return _("the demand does not specify a technology readiness level")
    lo, hi = wanted["min"], wanted["max"]
    if lo == hi:
        return _("the demand asks for TRL %(level)s") % {"level": lo}
    if hi >= 9:
        return _("the demand asks for at least TRL %(level)s") % {"level": lo}
    if lo <= 1:
        return _("the demand asks for at most TRL %(level)s") % {"level": hi}
    return _("the demand asks for TRL %(low)s to %(high)s") % {"low": lo, "high": hi}


def _criterion_field(demand: Demand, achievement: Achievement) -> tuple[Side, Side, str]:
    wanted, offered = demand.technology_field_id, achievement.technology_field_id
    if wanted and wanted == offered:
        return wanted, offered, _sentence(_("both are in %(field)s") % {"field": _field_name(demand.technology_field)})
    offered_text = (
        _("the achievement is in %(field)s") % {"field": _field_name(achievement.technology_field)}
        if offered
        else _("the achievement does not specify a technology field")
    )
    wanted_text = (
        _("the demand is in %(field)s") % {"field": _field_name(demand.technology_field)}
        if wanted
        else _("the demand does not specify a technology field")
    )
    return wanted, offered, _join(offered_text, wanted_text)


def _industry_names(industries: Sequence[Industry]) -> str:
    return _list([i.name_zh if _zh() or not i.name_en else i.name_en for i in industries])


def _criterion_industry(demand: Demand, achievement: Achievement) -> tuple[Side, Side, str]:
    offered_rows = sorted(achievement.industries.all(), key=lambda i: (i.sort_order, i.code))
    wanted = [demand.industry_id] if demand.industry_id else None
    offered = [i.code for i in offered_rows] or None
    offered_text = (
        _("the achievement serves %(industries)s") % {"industries": _industry_names(offered_rows)}
        if offered
        else _("the achievement names no industry")
    )
    wanted_text = (
        _("the demand is in %(industry)s") % {"industry": _industry_names([demand.industry])}
        if demand.industry is not None
        else _("the demand names no industry")
    )
    return wanted, offered, _join(offered_text, wanted_text)


def _criterion_trl(demand: Demand, achievement: Achievement) -> tuple[Side, Side, str]:
    wanted = _trl_wanted(demand)
    offered_text = _("the achievement is at TRL %(level)s") % {"level": achievement.trl}
    return wanted, achievement.trl, _join(offered_text, _trl_wanted_text(wanted))


def _criterion_cooperation(demand: Demand, achievement: Achievement) -> tuple[Side, Side, str]:
    wanted = list(demand.cooperation_modes) or None
    offered = list(achievement.cooperation_modes) or None
    offered_text = (
        _("the achievement offers %(modes)s") % {"modes": _modes(offered)}
        if offered
        else _("the achievement names no cooperation mode")
    )
    if wanted:
        wanted_text = _("the demand wants %(modes)s") % {"modes": _modes(wanted)}
    else:
        wanted_text = _("the demand names no cooperation mode")
    return wanted, offered, _join(offered_text, wanted_text)


def _criterion_price(demand: Demand, achievement: Achievement) -> tuple[Side, Side, str]:
    # What the engine compares: the least the owner asks against the most the enterprise will pay.
    offered, wanted = achievement.price_min, demand.budget_max
    if offered is not None:
        offered_text = _("the achievement asks %(amount)s") % {"amount": _yuan(offered)}
    elif achievement.price_type == PriceType.NEGOTIABLE:
        offered_text = _("the achievement's price is negotiable")
    else:
        offered_text = _("the achievement does not state a price")
    if wanted is not None:
        wanted_text = _("the demand's budget is up to %(amount)s") % {"amount": _yuan(wanted)}
    else:
        wanted_text = _("the demand does not state a budget")
    return _money(wanted), _money(offered), _join(offered_text, wanted_text)


def _criterion_region(demand: Demand, achievement: Achievement) -> tuple[Side, Side, str]:
    wanted, offered = demand.region_preference_id or None, achievement.region_id or None
    offered_text = (
        _("the achievement is from %(region)s") % {"region": region_name(achievement.region)}
        if offered
        else _("the achievement does not specify a region")
    )
    wanted_text = (
        _("the demand prefers %(region)s") % {"region": region_name(demand.region_preference)}
        if wanted
        else _("the demand does not specify a preferred region")
    )
    return wanted, offered, _join(offered_text, wanted_text)


CRITERIA: dict[str, Callable[[Demand, Achievement], tuple[Side, Side, str]]] = {
    "field": _criterion_field,
    "industry": _criterion_industry,
    "trl": _criterion_trl,
    "cooperation": _criterion_cooperation,
    "price": _criterion_price,
    "region": _criterion_region,
}


def criterion_row(code: str, item: dict[str, Any], demand: Demand, achievement: Achievement) -> dict[str, Any]:
    """One fit criterion: the stored verdict and contribution, both sides and the sentence."""
    describe = CRITERIA.get(code)
    if describe is None:  # a criterion of a later engine: its code detail as it is
        detail: Any = item.get("detail")
        text = str(detail or "")
    else:
        wanted, offered, text = describe(demand, achievement)
        detail = {"wanted": wanted, "offered": offered}
    return {"passed": item.get("passed"), "contribution": item.get("contribution"), "detail": detail, "text": text}


def filter_row(code: str, item: dict[str, Any], demand: Demand, achievement: Achievement) -> dict[str, Any]:
    """A hard filter the search applied; every match shown passed it."""
    detail: dict[str, Any] = {}
    if code == "published":
        text = _("Both listings were published when matched.")
    elif code == "not_expired":
        detail = {"on": item.get("on")}
        text = _("Neither listing had expired on %(date)s.") % {"date": item.get("on")}
    elif code == "cooperation":
        detail = {"wanted": list(demand.cooperation_modes), "offered": list(achievement.cooperation_modes)}
        text = _("Only listings with a compatible cooperation mode were considered.")
    elif code == "excluded":
        count = int(item.get("count") or 0)
        detail = {"count": count}
        text = _("Listings left out: %(count)s (dismissed before, or of the same organisation).") % {"count": count}
    else:
        detail = {k: v for k, v in item.items() if k not in ("filter", "criterion") and v is not None}
        text = code
    return {"passed": True, "contribution": 0.0, "detail": detail, "text": text}


def evidence_text(terms: Sequence[dict[str, Any]]) -> str:
    if not terms:
        return _("The two texts share no significant terms.")
    names = [str(t["term"]) if _zh() or not t.get("english") else f"{t['term']} ({t['english']})" for t in terms]
    return _("Both texts mention %(terms)s.") % {"terms": _list(names)}


def evidence(terms: Any) -> list[dict[str, Any]]:
    return meaningful_terms(list(terms or []))


def translated_text(terms: Sequence[dict[str, Any]]) -> str | None:
    """The sentence for words met across the two languages through the dictionary, if any."""
    words = [str(t["term"]) for t in terms if t.get("via") == "dictionary"]
    if not words:
        return None
    return _("One text is in Chinese and the other in English; the dictionary matched %(terms)s.") % {
        "terms": _list(words)
    }


def sentences(terms: Sequence[dict[str, Any]], criteria: Sequence[dict[str, Any]]) -> list[str]:
    """Every reason as one sentence, most weighty first: the shared words, the words met across the
    languages, then each fit criterion that passed or lacked data (a failed one is no reason)."""
    out = [evidence_text(terms)]
    across = translated_text(terms)
    if across:
        out.append(across)
    ranked = sorted(criteria, key=lambda row: -float(row.get("contribution") or 0))
    out.extend(_end(str(row["text"])) for row in ranked if row.get("passed") is not False and row.get("text"))
    return out


def _end(text: str) -> str:
    return text if text.endswith((".", "。", "!", "！")) else text + ("。" if _zh() else ".")


def paragraph(told: Sequence[str]) -> str:
    """The sentences as one paragraph (Chinese sentences are not separated by spaces)."""
    return ("" if _zh() else " ").join(told)
