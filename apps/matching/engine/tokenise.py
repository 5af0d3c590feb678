"""Tokens of mixed Chinese and English technical text. Pure Python: no ORM.

Text is NFKC-normalised and lower-cased (full-width letters and digits fold to ASCII, as in
``apps.core.text``, the analysis listing search uses). Then two kinds of run are cut apart before any
segmentation, so jieba never splits a technical term:

- ASCII runs: words, numbers and technical terms kept intact (``et-1``, ``ti-6al-4v``, ``0.05``,
  ``co2``, ``5g``); a hyphenated term also yields its parts (``lithium-ion`` → ``lithium``, ``ion``).
  English words are reduced to a light stem (plural and a few inflections) so ``batteries`` and
  ``battery`` meet.
- Chinese runs: segmented in jieba's *search mode* (a long word also yields the dictionary words inside
  it), by an rjieba instance of the engine's own that also knows every Chinese term of the glossary, so
  ``锂离子电池`` stays one token beside ``锂离子`` and ``电池``.

Glossary concepts (see ``glossary``) are emitted as extra tokens ``~<canonical term>`` (the index
marks those of English phrases ``^``, see ``MatchIndex.analyse``): an English
phrase and its Chinese translation, or two Chinese synonyms, produce the same concept token, so both
sides of a match meet in one term space.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Callable
from functools import lru_cache
from itertools import chain, compress, repeat
from operator import is_not

import rjieba
import simplemma

from apps.core.text import STOP_WORDS as _SHARED_STOP_WORDS

from .dictionary import Dictionary, load_dictionary
from .glossary import Glossary, load_glossary

CONCEPT_PREFIX = "~"
# A glossary concept as found through an English phrase of an indexed text: ``^<canonical term>``, met by
# the concepts of a query's Chinese words (``Params.concepts_across_only``).
ENGLISH_CONCEPT_PREFIX = "^"
# An English word as a Chinese text's translation meets it: ``=battery`` (see ``Tokeniser.translations``).
BRIDGE_PREFIX = "="

# Function words of technical prose beyond the shared list of ``apps.core.text`` (listing search's): they
# occur in almost every text and only add noise to a relevance score.
_EXTRA_ZH = (
    "中 上 下 后 前 时 所 该 此 这 这些 那 有 无 不 没有 可 可以 能 能够 通过 进行 具有 采用 利用 使用 基于 "
    "根据 对于 关于 以及 同时 其中 并且 但 但是 如果 因此 所以 由于 从而 进而 并 又 还 已 已经 得到 表明 结果 "
    "方法 研究 分析 提出 本文 文章 我们 他们 它 各 个 种 们 用 与其 使 让 给 向 比 较 很 更 最 均 都 及其 "
    "问题 存在 目前 现阶段 当前 针对"
)
_EXTRA_EN = (
    "also been but can could did do does done had has have having he her his how i if its may might "
    "more most must no not our out over shall she should so such than their them then there these they "
    "those through up very was we were what when where which while who why will would you your using "
    "used use based study paper results result method methods propose proposed new show shows shown"
)
STOP_WORDS = frozenset(_SHARED_STOP_WORDS | set(_EXTRA_ZH.split()) | set(_EXTRA_EN.split()))
# Everyday English words that CC-CEDICT gives as the sense of many everyday Chinese words (需要 → need,
# 离开 → leave, 方式 → way): kept as English words, but no dictionary bridge between the languages.
_BRIDGE_STOP_LIST = (
    "want need wish hope like look seek find get give go come keep leave let make put take try way thing "
    "kind lot many much few every each whole own other another same any some all both either without "
    "within after before because since until about around again already always often still just only "
    "even ever never too quite rather really well able available people person someone something "
    "anything nothing time day year today now mean follow stop start end begin far near less least "
    "enough hundred thousand"
)
BRIDGE_STOP = frozenset(_BRIDGE_STOP_LIST.split())
# Single characters of the standard Chinese stop-word list (as shipped by bm25s, MIT: its
# ``STOPWORDS_CHINESE``): in a *query* (a demand is conversational: 要, 去, 既, 多) they name no subject,
# and are rare in technical abstracts, so their idf would be high. Documents keep them (idf handles them).
QUERY_STOP_ZH = frozenset(
    "一与且个临为乃么之乎乘也了于从他以们任但何你依俺倘像兮其冒冲几凭则别到即又及另叫可各同向吓吗吧吱呀呃呕呗呜"
    "呢呵呸咋和咚咦咱咳哇哈哉哎哗哟哦哩哪哼唉啊啐啥啦喂喏嗬嗯嗳嘎嘘嘛嘻嘿因在地多她如宁它对将就尽己并归当彼往待得"
    "怎您我或所打把拿按据故既是替有望朝本来某此每比沿焉照用由的着矣离第等管纵经给者而能腾自至若虽被要让论该谁赶起"
    "趁跟较边过这连那阿除随靠顺"
)

_ASCII_RUN = re.compile(r"[a-z0-9]+(?:[._+\-/][a-z0-9]+)*")
_ASCII_ANY = re.compile(r"[a-z0-9]")
_WORD_CACHE_MAX = 2_000_000
_CJK_CHAR = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# Full-width punctuation is the commonest reason a Chinese text is not NFKC-normal: mapping it to
# spaces first lets the (slow) normalisation be skipped for most texts.
_PUNCTUATION = re.compile("[，。；：、！？（）【】《》「」『』“”‘’〈〉…—～·　]")
_NUMBER = re.compile(r"^[0-9]+(?:[.,][0-9]+)*$")
_PARTS = re.compile(r"[._+\-/]")


def normalise(text: str) -> str:
    """NFKC (full width → ASCII) and lower case; full-width punctuation becomes spaces."""
    text = _PUNCTUATION.sub(" ", text)
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    return text.lower()


def stem(word: str) -> str:
    """A light English stem: plurals and the commonest inflections, never below four letters."""
    if len(word) <= 3 or not word.isalpha():
        return word
    for suffix, replacement in (("ies", "y"), ("sses", "ss"), ("xes", "x"), ("ches", "ch"), ("shes", "sh")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 2:
            return word[: -len(suffix)] + replacement
    if word.endswith("s") and not word.endswith(("ss", "us", "is", "ics")):
        return word[:-1]
    return word


@lru_cache(maxsize=200_000)
def lemma(word: str) -> str:
    """The English dictionary form (simplemma: *measured* → *measure*, *welding* → *weld*), or the light
    stem for a word simplemma leaves as it is (technical plurals it does not know)."""
    if len(word) <= 3 or not word.isalpha():
        return word
    # the stem first, so every inflection reaches the same form (simplemma alone: bearings → bearing,
    # bearing → bear)
    stemmed = stem(word)
    return str(simplemma.lemmatize(stemmed, lang="en")).lower()


def english_tokens(run: str, reduce: Callable[[str], str] = stem) -> list[str]:
    """Tokens of one ASCII run: the whole technical term, and its word parts when it has several."""
    if _NUMBER.match(run):
        return [run]
    parts = [p for p in _PARTS.split(run) if p]
    if len(parts) == 1:
        return [] if run in STOP_WORDS else [reduce(run)]
    whole = "-".join(reduce(p) if p.isalpha() else p for p in parts)
    return [whole] + [reduce(p) for p in parts if p not in STOP_WORDS and not _NUMBER.match(p) and len(p) > 1]


def english_text_tokens(text: str, reduce: Callable[[str], str] = lemma) -> list[str]:
    """Tokens of a short English text (a dictionary sense), stop words dropped."""
    out: list[str] = []
    for match in _ASCII_RUN.finditer(normalise(text)):
        out.extend(t for t in english_tokens(match.group(), reduce) if t not in STOP_WORDS)
    return out


class Tokeniser:
    """Segmentation, glossary concepts and dictionary translations. One per process
    (``default_tokeniser``); thread-safe reads.

    ``dictionary``: Chinese words also yield their English translations (CC-CEDICT, ``dictionary``);
    ``lemmatise``: English surface tokens are dictionary forms (simplemma) rather than light stems.
    """

    def __init__(self, glossary: Glossary, dictionary: Dictionary | None = None, *, lemmatise: bool = True) -> None:
        self.glossary = glossary
        self.dictionary = dictionary
        self.lemmatise = lemmatise
        self._reduce: Callable[[str], str] = lemma if lemmatise else stem
        self._translations: dict[str, tuple[str, ...]] = {}
        self._jieba = rjieba.Jieba()
        for term in glossary.zh_terms():
            if not self._jieba.has_word(term):
                self._jieba.add_word(term, None, None)
        self._words: dict[str, tuple[str, ...] | None] = {}
        self._runs: dict[str, tuple[list[str], list[str]]] = {}  # ASCII run → its tokens, its phrase words
        # rjieba's instance is not documented as thread-safe; Celery and gunicorn threads share it.
        self._lock = threading.Lock()

    def analyse(self, text: str) -> tuple[list[str], list[str], list[str]]:
        """Surface tokens in text order (search mode for Chinese, stop words dropped), then the glossary
        concepts found through Chinese words and those found through English phrases."""
        en_concepts: list[str] = []
        if not text:
            return [], [], en_concepts
        glossary = self.glossary
        text = normalise(text)
        with self._lock:
            words = self._jieba.cut_for_search(text)
        # one dict lookup per word, in C: None = not a token (space, punctuation, ASCII piece, stop
        # word), else the word's glossary concepts
        try:
            infos = list(map(self._words.__getitem__, words))
        except KeyError:
            infos = [self._info(w) for w in words]
        tokens = list(compress(words, map(is_not, infos, repeat(None))))
        concepts: list[str] = list(chain.from_iterable(filter(None, infos)))
        if not _ASCII_ANY.search(text):
            return tokens, concepts, en_concepts
        phrase: list[str] = []  # consecutive English words, stop words included, for glossary phrases
        previous_end = -1
        runs = self._runs
        for match in _ASCII_RUN.finditer(text):
            run = match.group()
            if phrase and _CJK_CHAR.search(text, previous_end, match.start()):
                en_concepts.extend(glossary.concepts_for_english(phrase))
                phrase = []
            parsed = runs.get(run)
            if parsed is None:
                if len(runs) > _WORD_CACHE_MAX:
                    runs.clear()
                parsed = runs[run] = (english_tokens(run, self._reduce), [stem(p) for p in _PARTS.split(run) if p])
            tokens.extend(parsed[0])
            phrase.extend(parsed[1])
            previous_end = match.end()
        if phrase:
            en_concepts.extend(glossary.concepts_for_english(phrase))
        return tokens, concepts, en_concepts

    @property
    def digest(self) -> str:
        """Names everything that decides a text's terms: glossary, dictionary and English reduction."""
        dictionary = self.dictionary.digest if self.dictionary is not None else "-"
        # bridge1: ``BRIDGE_STOP``
        return f"{self.glossary.digest}.{dictionary}.{'lemma' if self.lemmatise else 'stem'}.bridge1"

    def translations(self, tokens: list[str], *, bridge: bool = False) -> list[str]:
        """The English translations of the Chinese words among ``tokens`` (empty without a dictionary);
        ``bridge``: as bridge tokens (``=battery``), the form a query's translations take."""
        if self.dictionary is None:
            return []
        try:
            found = list(map(self._translations.__getitem__, tokens))
        except KeyError:
            found = [self._translation(t) for t in tokens]
        words = chain.from_iterable(found)
        return [BRIDGE_PREFIX + w for w in words] if bridge else list(words)

    def english_bridge(self, tokens: list[str]) -> list[str]:
        """Bridge tokens of the English words among ``tokens``: what a Chinese query's translations meet."""
        if self.dictionary is None:
            return []
        return [BRIDGE_PREFIX + t for t in tokens if t < "\u3400" and not t[0].isdigit() and t not in BRIDGE_STOP]

    def _translation(self, word: str) -> tuple[str, ...]:
        found = self._translations.get(word)
        if found is None:
            if len(self._translations) > _WORD_CACHE_MAX:
                self._translations.clear()
            dictionary = self.dictionary
            found = () if word < "\u3400" or dictionary is None else dictionary.translate(word)
            self._translations[word] = found
        return found

    def _info(self, word: str) -> tuple[str, ...] | None:
        if word not in self._words:
            self._classify(word)
        return self._words[word]

    def _classify(self, word: str) -> None:
        # jieba also returns spaces, punctuation and ASCII pieces (ASCII runs are handled separately)
        drop = word < "\u3400" or word in STOP_WORDS or (len(word) == 1 and word in _COMMON_SINGLES)
        if len(self._words) > _WORD_CACHE_MAX:
            self._words.clear()
        self._words[word] = None if drop else self.glossary.concepts_for_chinese(word)

    def surface(self, text: str) -> list[str]:
        return self.analyse(text)[0]

    def tokenize(self, text: str, *, concepts: bool = True) -> list[str]:
        tokens, zh, en = self.analyse(text)
        if concepts:
            tokens.extend(CONCEPT_PREFIX + c for c in zh + en)
        return tokens


# Single Chinese characters carry meaning in technical text (钢, 锰, 铝, 糖), except these particles.
_COMMON_SINGLES = frozenset("的了和与及或等在于是为对以将把被从由其之而并且也个种们着过地得很都又还就才")


@lru_cache(maxsize=1)
def default_dictionary() -> Dictionary:
    return load_dictionary(lambda sense: [t for t in english_text_tokens(sense) if t not in BRIDGE_STOP])


@lru_cache(maxsize=1)
def default_tokeniser() -> Tokeniser:
    return Tokeniser(load_glossary(), default_dictionary())


def tokenize(text: str) -> list[str]:
    """Index tokens of ``text``: surface tokens, then glossary concept tokens (``~term``)."""
    return default_tokeniser().tokenize(text)
