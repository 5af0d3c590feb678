"""A match's explanation as people read it, over HTTP in both languages: a sentence per criterion and
filter, regions by name, both sides the right way round, no null filter rows, readable evidence."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.utils import translation
from django.utils.translation import gettext

from apps.matching.engine.explain import meaningful_terms
from apps.matching.explaining import filter_row
from apps.matching.models import Match
from tests.matching.factories import draft_achievement, draft_demand, publish

pytestmark = pytest.mark.django_db

# Both texts say 寿命高, 强度高 (segmented 寿命 / 高 …): the engine's raw terms include the single 高.
SENSOR_DEMAND = {
    "title": "耐高温压力传感器",
    "description": "耐高温压力传感器：寿命高，强度高，可靠性高。",
    "keywords": ["压力传感器", "耐高温"],
    "technology_field": "01",
    "industry": "automotive",
    "region_preference": "450205",
    "cooperation_modes": ["transfer"],
    "budget_max": Decimal("300000.00"),
    "wanted_stage": "mass_production",
}
SENSOR_ACHIEVEMENT = {
    "title": "耐高温MEMS压力传感器",
    "summary": "耐高温压力传感器芯片，寿命高，强度高，可靠性高，已批量生产。",
    "keywords": ["压力传感器", "MEMS"],
    "technology_field": "01",
    "trl": 8,
    "cooperation_modes": ["transfer", "licence"],
    "price_type": "fixed",
    "price_min": Decimal("250000.00"),
    "price_max": Decimal("250000.00"),
}


@pytest.fixture
def sensor_match(university, enterprise, uni_user, ent_user, operator, on_commit, celery_eager):
    achievement = on_commit(
        publish,
        draft_achievement(university, industries=["automotive", "machinery"], **SENSOR_ACHIEVEMENT),
        owner_user=uni_user,
        operator=operator,
    )
    demand = on_commit(publish, draft_demand(enterprise, **SENSOR_DEMAND), owner_user=ent_user, operator=operator)
    return Match.objects.get(demand=demand, achievement=achievement)


def _explain(client, match, language):
    response = client.get(f"/api/v1/matches/{match.pk}", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200, response.content
    return response.json()["explanation"]


def _no_machine_talk(explanation):
    """What the issue found, in any language: '?', raw codes in sentences, null filter rows, single characters."""
    for row in explanation["criteria"] + explanation["filters"]:
        assert row["text"] and "?" not in row["text"] and " vs " not in row["text"], row
        assert "450205" not in row["text"] and "4502" not in row["text"], row
    for row in explanation["filters"]:
        assert None not in row.values(), row
        assert row["passed"] is True and row["contribution"] == 0
    assert explanation["terms"], explanation
    for term in explanation["terms"]:
        assert len(term["term"]) > 1, term
    assert "?" not in json.dumps(explanation, ensure_ascii=False)


def test_every_reason_is_a_sentence_with_both_sides_the_right_way_round(client_for, ent_user, sensor_match):
    raw_terms = [t["term"] for t in sensor_match.explanation["text"]["terms"]]
    assert "高" in raw_terms  # the engine's own evidence has it; the reader must not see it

    en = _explain(client_for(ent_user), sensor_match, "en")
    _no_machine_talk(en)
    rows = {row["criterion"]: row for row in en["criteria"]}
    assert rows["trl"]["detail"] == {"wanted": {"min": 8, "max": 9}, "offered": 8}
    assert rows["trl"]["text"] == "The achievement is at TRL 8; the demand asks for at least TRL 8"
    assert rows["region"]["detail"] == {"wanted": "450205", "offered": "450202"}
    assert rows["region"]["text"] == (
        "The achievement is from Chengzhong District, Liuzhou; the demand prefers Liubei District, Liuzhou"
    )
    # Industries and modes: the demand's wanted, the achievement's offered (the engine's detail had the
    # querying side under "wanted").
    assert rows["industry"]["detail"] == {"wanted": ["automotive"], "offered": ["automotive", "machinery"]}
    assert rows["industry"]["text"] == "The achievement serves Automotive, Machinery; the demand is in Automotive"
    assert rows["cooperation"]["detail"] == {"wanted": ["transfer"], "offered": ["transfer", "licence"]}
    assert rows["price"]["detail"] == {"wanted": "300000.00", "offered": "250000.00"}
    assert rows["price"]["text"] == "The achievement asks ¥250,000; the demand's budget is up to ¥300,000"
    assert rows["field"]["text"] == "Both are in Electronic information"
    assert en["filters"][0]["criterion"] == "published"
    assert en["terms_text"].startswith("Both texts mention ")
    shown = [t["term"] for t in en["terms"]]
    assert "压力传感器" in shown and "高" not in shown
    # A word inside a longer term shown is counted with it, not listed again.
    assert "传感器" not in shown and "耐高" not in shown
    assert sum(t["weight"] for t in en["terms"]) <= en["score"] + 1e-6


def test_chinese_readers_get_names_not_codes(client_for, uni_user, sensor_match):
    zh = _explain(client_for(uni_user), sensor_match, "zh-hans")
    _no_machine_talk(zh)
    rows = {row["criterion"]: row for row in zh["criteria"]}
    assert "柳州市柳北区" in rows["region"]["text"] and "柳州市城中区" in rows["region"]["text"]
    assert "汽车、机械" in rows["industry"]["text"]
    assert "25万元" in rows["price"]["text"] and "30万元" in rows["price"]["text"]
    assert rows["field"]["label"] == "技术领域"
    assert rows["region"]["detail"] == {"wanted": "450205", "offered": "450202"}


def test_a_side_without_data_is_not_specified(client_for, ent_user, market):
    """The gear demand names no region, industry: said in words, null in the machine fields."""
    match = Match.objects.get(demand=market["demand"], achievement=market["gear"])
    rows = {row["criterion"]: row for row in _explain(client_for(ent_user), match, "en")["criteria"]}
    assert rows["region"]["detail"]["wanted"] is None
    assert rows["region"]["text"].endswith("the demand does not specify a preferred region")
    assert rows["industry"]["detail"] == {"wanted": None, "offered": None}
    assert rows["trl"]["text"] == "The achievement is at TRL 6; the demand asks for TRL 6 to 7"


def test_meaningful_terms_drops_noise_and_folds_parts_into_the_whole():
    terms = [
        {"term": "高", "weight": 0.1},
        {"term": "锂离子电池", "weight": 0.3, "via": "glossary", "english": "lithium-ion battery"},
        {"term": "锂离子电池", "weight": 0.05},
        {"term": "电池", "weight": 0.2},
        {"term": "the", "weight": 0.05},
        {"term": "2024", "weight": 0.05},
        {"term": "battery", "weight": 0.04},
        {"term": "battery management", "weight": 0.06, "via": "glossary"},
    ]
    shown = meaningful_terms(terms)
    assert [t["term"] for t in shown] == ["锂离子电池", "battery management"]
    assert shown[0] == {"term": "锂离子电池", "weight": 0.55, "via": "glossary", "english": "lithium-ion battery"}
    assert shown[1]["weight"] == pytest.approx(0.1)


def test_every_filter_the_engine_applies_reads_as_a_sentence_without_nulls(market):
    demand, achievement = market["demand"], market["gear"]
    engine_filters = [
        {"filter": "published"},
        {"filter": "not_expired", "on": "2026-12-08"},
        {"filter": "cooperation", "modes": ["cooperative", "transfer"]},
        {"filter": "excluded", "count": 2},
    ]
    with translation.override("en"):
        rows = [filter_row(f["filter"], f, demand, achievement) for f in engine_filters]
    for row in rows:
        assert None not in row.values() and row["passed"] is True and row["text"], row
    assert rows[1]["text"] == "Neither listing had expired on 2026-12-08."
    assert rows[2]["detail"] == {"wanted": ["transfer", "cooperative"], "offered": ["transfer", "licence"]}
    assert rows[3] == {
        "passed": True,
        "contribution": 0.0,
        "detail": {"count": 2},
        "text": "Listings left out: 2 (dismissed before, or of the same organisation).",
    }


EXCAVATOR_ACHIEVEMENT = {
    "title": "Boom potential energy recovery for hydraulic excavators",
    "summary": "A hydraulic accumulator stores the potential energy of the lowered boom and returns it to the "
    "pump, cutting fuel consumption by 12 to 18 percent.",
    "keywords": ["energy recovery", "excavator"],
    "technology_field": "03",
    "trl": 6,
    "cooperation_modes": ["licence"],
}
EXCAVATOR_DEMAND = {
    "title": "挖掘机油耗高",
    "description": "动臂下降时势能白白浪费，希望回收这部分能量，降低挖掘机油耗。",
    "technology_field": "03",
    "cooperation_modes": ["licence"],
    "wanted_stage": "pilot",
}


@pytest.fixture
def cross_lingual_match(university, enterprise, uni_user, ent_user, operator, on_commit, celery_eager):
    achievement = on_commit(
        publish, draft_achievement(university, **EXCAVATOR_ACHIEVEMENT), owner_user=uni_user, operator=operator
    )
    demand = on_commit(publish, draft_demand(enterprise, **EXCAVATOR_DEMAND), owner_user=ent_user, operator=operator)
    return Match.objects.get(demand=demand, achievement=achievement)


@pytest.mark.parametrize(
    ("language", "field"), [("en", "Both are in "), ("zh-hans", "双方同属"), ("vi", "Cả hai đều thuộc ")]
)
def test_a_cross_lingual_match_reads_as_sentences_in_the_readers_language(
    client_for, ent_user, cross_lingual_match, language, field
):
    """An English achievement found from a Chinese demand through the dictionary (CC-CEDICT), explained
    reason by reason in the reader's language, the codes kept beside the sentences."""
    explanation = _explain(client_for(ent_user), cross_lingual_match, language)
    terms = explanation["terms"]
    dictionary_words = [t["term"] for t in terms if t.get("via") == "dictionary"]
    assert dictionary_words, terms
    sentences = explanation["sentences"]
    assert sentences[0] == explanation["terms_text"]
    with translation.override(language):
        across = gettext("One text is in Chinese and the other in English; the dictionary matched %(terms)s.")
    assert across.split("%(terms)s")[0] in sentences[1], sentences
    assert all(word in sentences[1] for word in dictionary_words)
    # one sentence per criterion met or not known (the price is unknown on both sides), none for a failed one
    shown = [row for row in explanation["criteria"] if row["passed"] is not False]
    assert len(sentences) == 2 + len(shown)
    assert all(s.endswith((".", "。")) for s in sentences), sentences
    assert field in explanation["text"] and explanation["text"].startswith(sentences[0])
    assert {row["criterion"] for row in explanation["criteria"]} >= {"field", "trl", "price"}
    assert "?" not in explanation["text"]
