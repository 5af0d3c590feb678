"""Tokens of mixed Chinese and English technical text, and the glossary's shared term space."""

from __future__ import annotations

import pytest

from apps.matching.engine import tokenize
from apps.matching.engine.dictionary import Dictionary
from apps.matching.engine.glossary import Glossary, load_glossary
from apps.matching.engine.tokenise import Tokeniser, default_tokeniser, english_text_tokens, lemma, normalise, stem


def test_chinese_is_segmented_in_search_mode_and_function_words_dropped() -> None:
    tokens = default_tokeniser().surface("一种锂离子电池的热管理方法")
    assert "锂离子电池" in tokens
    assert {"锂离子", "电池"} <= set(tokens)  # the words inside a long word, for recall
    assert "的" not in tokens
    assert "一种" not in tokens


def test_technical_terms_and_numbers_stay_intact() -> None:
    tokens = default_tokeniser().surface("Ti-6Al-4V 合金, ET-1 水平 P<0.05, CO2 捕集, 5G 模块")
    assert "ti-6al-4v" in tokens
    assert "et-1" in tokens
    assert "0.05" in tokens
    assert "co2" in tokens
    assert "5g" in tokens


def test_english_is_lower_cased_and_stemmed_so_plurals_meet() -> None:
    assert default_tokeniser().surface("Lithium Batteries") == default_tokeniser().surface("lithium battery")
    assert stem("batteries") == "battery"
    assert stem("processes") == "process"
    assert stem("gas") == "gas"  # too short to stem
    assert stem("analysis") == "analysis"


def test_full_width_text_is_normalised() -> None:
    assert normalise("ＡＢＣ１２３，测试") == "abc123 测试"
    assert default_tokeniser().surface("ＣＯ２排放") == default_tokeniser().surface("CO2排放")


def test_english_phrase_and_its_chinese_translation_share_a_concept() -> None:
    english = set(tokenize("A battery management system for electric vehicles"))
    chinese = set(tokenize("电动汽车的电池管理系统"))
    shared = {t for t in english & chinese if t.startswith("~")}
    assert "~电池管理系统" in shared
    assert "~电动汽车" in shared


def test_chinese_synonyms_share_a_concept() -> None:
    assert "~混凝土" in tokenize("砼结构") and "~混凝土" in tokenize("混凝土结构")
    assert "~电机" in tokenize("马达驱动") and "~电机" in tokenize("电机驱动")


def test_empty_and_symbol_only_text_gives_no_tokens() -> None:
    assert tokenize("") == []
    assert tokenize("，。！？ ---") == []


def test_the_shipped_glossary_is_large_and_covers_every_technology_field() -> None:
    glossary = load_glossary()
    assert len(glossary) >= 1500
    english = [e for e in glossary.entries if e.english]
    assert len(english) >= 1200
    sources = {e.source.split(":")[0] for e in glossary.entries}
    # one file per technology field of DOMAIN.md (01–11), general vocabulary and Chinese synonyms
    assert len(sources) >= 13
    for term in ("汽车", "钢铁", "螺蛳粉", "锂电池", "中药", "污水处理", "核电", "甘蔗", "混凝土", "无人机", "芯片"):
        assert glossary.concepts_for_chinese(term), term


def test_an_ambiguous_english_term_yields_every_concept() -> None:
    glossary = Glossary.from_lines([("t:1", "cell\t细胞"), ("t:2", "cell|battery\t电池")])
    assert sorted(glossary.concepts_for_english(["cell"])) == ["电池", "细胞"]


@pytest.mark.parametrize(
    "line",
    [
        "no tab here",
        "english\t",  # no Chinese
        "\t单独",  # a synonym line needs two terms
        "english\t中文-带符号",
    ],
)
def test_malformed_glossary_lines_are_rejected_with_their_source(line: str) -> None:
    with pytest.raises(ValueError, match=r"g\.tsv:7"):
        Glossary.from_lines([("g.tsv:7", line)])


def test_glossary_chinese_terms_become_single_tokens_of_the_engine_only() -> None:
    glossary = Glossary.from_lines([("t:1", "quux widget\t夸克组件器")])
    tokeniser = Tokeniser(glossary)
    assert "夸克组件器" in tokeniser.surface("新型夸克组件器")
    assert tokeniser.tokenize("new quux widgets")[-1] == "~夸克组件器"
    # the listing search keeps the default dictionary: the engine's words do not leak into it
    from apps.listings.search import tokens_for_query

    assert "夸克组件器" not in tokens_for_query("新型夸克组件器")


def test_chinese_words_translate_to_english_through_cc_cedict() -> None:
    tokeniser = default_tokeniser()
    dictionary = tokeniser.dictionary
    assert dictionary is not None and len(dictionary) > 70_000  # the packaged CC-CEDICT, no hand list
    assert dictionary.translate("电池") == ("battery",)
    assert set(dictionary.translate("锂离子电池")) >= {"lithium", "ion", "battery"}
    # references and classifiers are no translations; a sense's "to" goes
    assert "cl" not in dictionary.translate("电池") and "weld" in dictionary.translate("焊接")
    tokens = tokeniser.surface("焊接电池")
    assert set(tokeniser.translations(tokens)) >= {"weld", "battery"}
    assert set(tokeniser.translations(tokens, bridge=True)) >= {"=weld", "=battery"}
    # English words get a bridge copy; numbers and Chinese words do not
    assert tokeniser.english_bridge(["battery", "5g", "电池"]) == ["=battery"]


def test_english_words_are_lemmatised_so_inflections_meet() -> None:
    assert lemma("welding") == lemma("welded") == lemma("welds") == "weld"
    assert lemma("bearings") == lemma("bearing")
    assert lemma("batteries") == "battery"
    assert stem("welding") == "welding"  # the light stem alone would miss it
    assert english_text_tokens("to weld (metal)") == ["weld", "metal"]


def test_a_changed_dictionary_changes_the_index_fingerprint() -> None:
    from apps.matching.engine import Achievement, MatchIndex

    line = "電池 电池 [dian4 chi2] /battery/"
    glossary = default_tokeniser().glossary
    one = Tokeniser(glossary, Dictionary.from_lines([line], english_text_tokens))
    other = Tokeniser(glossary, Dictionary.from_lines([line.replace("battery", "cell")], english_text_tokens))
    doc = Achievement(id=1, title="电池")
    indexes = [MatchIndex(tokeniser=t) for t in (one, other)]
    for index in indexes:
        index.add(doc)
    assert indexes[0].analyse(doc)["battery"] > 0 and "battery" not in indexes[1].analyse(doc)
    assert indexes[0].fingerprint() != indexes[1].fingerprint()
    again = MatchIndex(tokeniser=Tokeniser(glossary, Dictionary.from_lines([line], english_text_tokens)))
    again.add(doc)
    assert again.fingerprint() == indexes[0].fingerprint()


def test_everyday_english_words_are_no_dictionary_bridge() -> None:
    from apps.matching.engine.tokenise import default_tokeniser

    tokeniser = default_tokeniser()
    assert "need" not in tokeniser.translations(["需要"])
    assert "battery" in tokeniser.translations(["电池"])
    assert tokeniser.english_bridge(["need", "battery"]) == ["=battery"]
