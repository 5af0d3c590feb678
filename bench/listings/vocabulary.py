"""Synthetic listing text with realistic Chinese vocabulary statistics. Pure Python: no Django, no database.

The vocabulary is every content word of the city's innovation plan and of the CSL matching set
(``shared/context``, ``shared/data``), segmented and tagged with rjieba, plus domain terms of each
technology field (Liuzhou's industries among them). Words are drawn Zipf-distributed by frequency rank
from a mixture of three distributions: the whole vocabulary, the listing's technology field, and the
listing's own topic words (a text repeats its subject, which keeps the document frequency of common
words realistic instead of every text containing every frequent word).
"""

from __future__ import annotations

import json
import os
import random
from bisect import bisect
from collections import Counter, defaultdict
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path

import rjieba

from apps.listings.search import STOP_WORDS

REPO_DIR = Path(__file__).resolve().parents[2]
SHARED_DIR = Path(os.environ.get("BENCH_SHARED_DIR", REPO_DIR.parent / "shared"))
CORPUS_FILES = (SHARED_DIR / "context" / "liuzhou-innovation-plan.txt", SHARED_DIR / "data" / "matching-dev.jsonl")

# Technology field codes (reference data) and how often listings fall in each: Liuzhou is a
# manufacturing city (cars, machinery, steel), so 03 and 10 lead.
FIELD_SHARES = {
    "01": 15,
    "02": 1.5,
    "03": 24,
    "04": 7,
    "05": 10,
    "06": 10,
    "07": 7,
    "08": 0.5,
    "09": 8,
    "10": 13,
    "11": 4,
}

# CSL disciplines mapped to technology fields: a field's distribution favours its disciplines' words.
DISCIPLINE_FIELDS = {
    "计算机科学与技术": "01",
    "信息与通信工程": "01",
    "电子科学与技术": "01",
    "控制科学与工程": "01",
    "光学工程": "01",
    "测绘科学与技术": "01",
    "数学": "01",
    "航空宇航科学与技术": "02",
    "兵器科学与技术": "02",
    "力学": "02",
    "天文学": "02",
    "机械工程": "03",
    "动力工程及工程热物理": "03",
    "纺织科学与工程": "03",
    "中医学/中药学": "04",
    "基础医学/临床医学": "04",
    "药学": "04",
    "口腔医学": "04",
    "公共卫生与预防医学": "04",
    "生物学/生物科学与工程": "04",
    "材料科学与工程": "05",
    "化学/化学工程与技术": "05",
    "冶金工程": "05",
    "物理学": "05",
    "电气工程": "06",
    "石油与天然气工程": "06",
    "环境科学与工程": "07",
    "地质学/地质资源与地质工程": "07",
    "矿业工程": "07",
    "大气科学": "07",
    "地理学": "07",
    "海洋科学": "07",
    "地球物理学": "07",
    "水利工程": "07",
    "核科学与技术": "08",
    "园艺学": "09",
    "水产": "09",
    "农业工程": "09",
    "作物学": "09",
    "农业资源利用": "09",
    "畜牧学/兽医学": "09",
    "林学/林业工程": "09",
    "植物保护": "09",
    "食品科学与工程": "09",
    "交通运输工程": "10",
    "船舶与海洋工程": "10",
    "土木工程": "11",
    "建筑学": "11",
}

# Domain terms per field, most frequent first. The benchmark's search queries are made of these words.
FIELD_TERMS = {
    "01": "人工智能 大数据 物联网 传感器 芯片 云计算 算法 图像识别 深度学习 机器视觉 5G 工业互联网 边缘计算 "
    "集成电路 嵌入式 数据采集 通信模块 智能终端 软件平台 PLC AI IoT 数字孪生 神经网络 云平台 信息安全 北斗 "
    "定位 射频 光电显示 显示屏 FPGA 区块链 溯源",
    "02": "无人机 飞行器 复合材料 钛合金 导航 姿态控制 卫星 航空发动机 机翼 气动 遥感",
    "03": "智能制造 工业机器人 数控机床 焊接 焊接工艺 模具 冲压 铸造 热处理 装配 自动化生产线 工程机械 装载机 "
    "挖掘机 液压 减速器 齿轮 轴承 精密加工 激光焊接 柔性制造 增材制造 3D打印 检测设备 涂装 机械手 伺服电机 "
    "故障诊断 生产线 PLC",
    "04": "中药 中药提取 壮药 瑶药 制剂 医疗器械 抗肿瘤 疫苗 诊断试剂 提取物 细胞 抗菌 临床 靶向 生物制药 康复 "
    "超声 基因编辑",
    "05": "复合材料 合金 涂层 钢材 高强钢 冶炼 轧制 碳纤维 不锈钢 铝合金 镁合金 陶瓷 高分子 纳米材料 稀土 锰 "
    "水泥 改性 耐磨 防腐 钢渣 石墨烯 钛合金",
    "06": "锂电池 动力电池 储能 电池管理系统 光伏 节能 电机 充电桩 氢能 燃料电池 风电 余热回收 变频 太阳能 "
    "电池回收 热管理 超级电容",
    "07": "污水处理 废水 固废 脱硫 脱硝 烟气 综合利用 资源化 土壤修复 重金属 除尘 危废 垃圾分类 尾矿 钢渣 "
    "水质监测 生态修复 碳排放 噪声",
    "08": "辐射 同位素 辐照 射线 核辐射 检测 核电 放射性 剂量",
    "09": "种植 甘蔗 螺蛳粉 保鲜 包装 蔗糖 米粉 酸笋 柑橘 沙糖桔 茶叶 育种 病虫害 水产养殖 畜禽 饲料 食品加工 "
    "发酵 冷链 农产品 溯源 油茶 杉木 木材加工 蔗渣 林下经济",
    "10": "汽车 新能源汽车 发动机 车身 轻量化 底盘 变速箱 零部件 整车 智能网联汽车 自动驾驶 排放 车载 电动汽车 "
    "商用车 制动 悬架 驾驶辅助 ADAS 轨道交通 线控 热泵空调 车联网 激光雷达 LiDAR CAN",
    "11": "混凝土 桥梁 健康监测 隧道 装配式建筑 BIM 智慧城市 地下管网 海绵城市 城市更新 交通管理 防灾减灾 "
    "建筑节能 边坡",
}
# Words every technical listing uses; they join the global distribution near the top.
COMMON_TERMS = (
    "技术 系统 方法 装置 设备 工艺 智能 控制 检测 监测 制造 材料 平台 应用 研发 产业化 中试 成果转化 专利 效率 "
    "成本 质量 性能 优化 设计 结构 模块 数据 控制系统 自动化 生产 企业"
)


def _words(text: str) -> list[str]:
    return text.split()


# English vocabulary (English listings and translated titles), most frequent first.
ENGLISH_WORDS = _words(
    "system method technology device control intelligent data based process material design production "
    "monitoring detection battery sensor vehicle energy platform quality efficiency automatic application "
    "analysis manufacturing model equipment structure performance module network safety power new high "
    "low cost testing machine vision lithium management robot welding composite optimization integrated "
    "real-time precision automotive engine steel alloy coating treatment recycling wastewater emission "
    "digital cloud industrial internet smart storage charging motor hydrogen solar thermal recovery "
    "inspection diagnosis fault algorithm learning deep image recognition embedded chip wireless "
    "positioning navigation lightweight body chassis transmission brake drone agricultural planting "
    "preservation packaging fermentation food extraction pharmaceutical medical diagnostic vaccine cell "
    "gene editing concrete bridge tunnel building prefabricated urban pipeline carbon fiber graphene "
    "titanium ceramic polymer nano rare earth manganese cement corrosion wear resistant radiation isotope "
    "PLC AI IoT 5G BIM LiDAR ADAS FPGA CAN"
)

# The most frequent words overall are no listing's subject.
GENERIC_RANKS = 60
# Parts of speech (jieba tags) kept as content words; nouns make titles and keywords.
# Latin-letter words of the corpus (gene names, units) stay in the text but are never a listing's
# subject; the English domain terms (PLC, 5G, BIM…) are.
NOUN_TAGS = frozenset({"n", "nz", "vn", "l", "nt", "j", "i", "ng", "b"})
CONTENT_TAGS = NOUN_TAGS | frozenset({"v", "a", "an", "ad", "vd", "eng"})

# Sentence openers and connectors of Chinese technical prose.
OPENERS = (
    "本项目",
    "该技术",
    "本发明",
    "本成果",
    "针对",
    "通过",
    "采用",
    "基于",
    "利用",
    "研究了",
    "提出了",
    "实现了",
    "开发了",
    "解决了",
    "结果表明",
)
CONNECTORS = ("", "", "", "", "的", "的", "和", "与", "及", "，", "、")
DEMAND_OPENERS = ("我公司", "本企业", "目前", "现有", "生产中", "希望", "需要", "寻求", "拟", "急需")


@dataclass(frozen=True)
class Distribution:
    """Words with Zipf weights by rank: weight ∝ 1 / (rank + q)^s (Zipf–Mandelbrot)."""

    words: tuple[str, ...]
    cum_weights: tuple[float, ...]

    @classmethod
    def zipf(cls, ranked: list[str], *, s: float = 1.0, q: float = 2.7) -> Distribution:
        weights = [1.0 / (rank + q) ** s for rank in range(1, len(ranked) + 1)]
        return cls(tuple(ranked), tuple(accumulate(weights)))

    def draw(self, rng: random.Random, k: int = 1) -> list[str]:
        total = self.cum_weights[-1]
        words, cum, hi = self.words, self.cum_weights, len(self.words) - 1
        return [words[bisect(cum, rng.random() * total, 0, hi)] for _ in range(k)]

    def probability(self, word: str) -> float:
        index = self.words.index(word)
        previous = self.cum_weights[index - 1] if index else 0.0
        return (self.cum_weights[index] - previous) / self.cum_weights[-1]


@dataclass(frozen=True)
class Vocabulary:
    global_all: Distribution
    global_nouns: Distribution
    field_all: dict[str, Distribution]
    field_nouns: dict[str, Distribution]
    field_topics: dict[str, Distribution]  # a field's nouns without the generic words every text uses
    english: Distribution
    corpus_words: int  # distinct content words found in the corpus files

    @property
    def size(self) -> int:
        return len(self.global_all.words)


def _is_content(word: str, tag: str) -> bool:
    word = word.strip()
    if not word or word.lower() in STOP_WORDS or tag not in CONTENT_TAGS:
        return False
    if tag == "eng":
        return word.isascii() and word.isalpha() and 2 <= len(word) <= 12
    # Chinese words of two or more characters; numbers and symbols are dropped.
    return len(word) >= 2 and all("\u4e00" <= ch <= "\u9fff" for ch in word)


def _corpus_texts() -> list[tuple[str, str | None]]:
    """(text, technology field or None) for every text of the corpus files that exist."""
    texts: list[tuple[str, str | None]] = []
    plan, matching = CORPUS_FILES
    if plan.exists():
        texts.append((plan.read_text(encoding="utf-8").replace("\n", ""), None))
    if matching.exists():
        with matching.open(encoding="utf-8") as handle:
            for line in handle:
                record = json.loads(line)
                field = DISCIPLINE_FIELDS.get(record.get("field") or "")
                for key in ("title", "summary", "description"):
                    if record.get(key):
                        texts.append((record[key], field))
                if record.get("keywords"):
                    texts.append(("，".join(record["keywords"]), field))
    return texts


def _ranked(counts: Counter[str]) -> list[str]:
    return [word for word, _count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]


def build_vocabulary() -> Vocabulary:
    """Deterministic for given corpus files: the same files give the same ranks."""
    counts: Counter[str] = Counter()
    field_counts: dict[str, Counter[str]] = defaultdict(Counter)
    tags: dict[str, Counter[str]] = defaultdict(Counter)
    for text, field in _corpus_texts():
        for word, tag in rjieba.tag(text):
            tags[word][tag] += 1
            counts[word] += 1
            if field:
                field_counts[field][word] += 1
    kept = {word for word in counts if _is_content(word, tags[word].most_common(1)[0][0])}
    nouns = {word for word in kept if tags[word].most_common(1)[0][0] in NOUN_TAGS}
    corpus_words = len(kept)
    global_counts = Counter({word: counts[word] for word in kept})

    # Domain terms rank among the top few hundred words overall (the common terms higher still),
    # and at the top of their own field, the first-listed most often.
    top = max(global_counts.values(), default=100)
    for position, word in enumerate(COMMON_TERMS.split()):
        global_counts[word] = max(global_counts[word], int(top * 0.6 / (1 + position * 0.15)))
        kept.add(word)
        nouns.add(word)
    domain_top = sorted(global_counts.values(), reverse=True)[min(300, len(global_counts) - 1)]
    generic = set(_ranked(global_counts)[:GENERIC_RANKS])
    field_all: dict[str, Distribution] = {}
    field_nouns: dict[str, Distribution] = {}
    field_topics: dict[str, Distribution] = {}
    for field, terms in FIELD_TERMS.items():
        own = Counter({word: count for word, count in field_counts[field].items() if word in kept})
        own_top = max(own.values(), default=10)
        for position, word in enumerate(terms.split()):
            own[word] = max(own[word], int(own_top * 1.5 / (1 + position * 0.25)) + 1)
            global_counts[word] = max(global_counts[word], int(domain_top / (1 + position * 0.1)) + 1)
            kept.add(word)
            nouns.add(word)
        ranked = _ranked(own)
        field_all[field] = Distribution.zipf(ranked)
        field_nouns[field] = Distribution.zipf([word for word in ranked if word in nouns])
        field_topics[field] = Distribution.zipf([word for word in ranked if word in nouns and word not in generic])
    ranked_global = _ranked(global_counts)
    return Vocabulary(
        global_all=Distribution.zipf(ranked_global),
        global_nouns=Distribution.zipf([word for word in ranked_global if word in nouns]),
        field_all=field_all,
        field_nouns=field_nouns,
        field_topics=field_topics,
        english=Distribution.zipf(ENGLISH_WORDS),
        corpus_words=corpus_words,
    )


class TextModel:
    """Titles, summaries and keywords of one technology field, drawn from a :class:`Vocabulary`."""

    def __init__(self, vocabulary: Vocabulary, rng: random.Random) -> None:
        self.vocabulary = vocabulary
        self.rng = rng

    def topic(self, field: str) -> list[str]:
        """The listing's subject: a few nouns of its field that its title and text keep returning to."""
        return list(dict.fromkeys(self.vocabulary.field_topics[field].draw(self.rng, self.rng.randint(2, 3))))

    def _word(self, field: str, topic: list[str]) -> str:
        roll = self.rng.random()
        if roll < 0.12:
            return self.rng.choice(topic)
        if roll < 0.55:
            return self.vocabulary.field_all[field].draw(self.rng)[0]
        return self.vocabulary.global_all.draw(self.rng)[0]

    def _noun(self, field: str) -> str:
        source = self.vocabulary.field_nouns[field] if self.rng.random() < 0.7 else self.vocabulary.global_nouns
        return source.draw(self.rng)[0]

    def achievement_title(self, field: str, topic: list[str]) -> str:
        a, b = topic[0], topic[-1]
        c, d = self._noun(field), self._noun(field)
        templates = (
            f"一种基于{a}的{b}{c}方法",
            f"{a}{b}关键技术研究与应用",
            f"基于{a}的{b}{c}系统",
            f"{a}{c}{d}技术",
            f"新型{a}{b}装置",
            f"{a}{b}及其制备方法",
            f"高效{a}{c}工艺",
            f"{a}{b}智能{c}平台",
            f"{a}用{b}{c}",
            f"{c}{a}{b}",
            f"{a}{b}{c}{d}研究",
        )
        return self.rng.choice(templates)

    def demand_title(self, field: str, topic: list[str]) -> str:
        a, b = topic[0], topic[-1]
        c = self._noun(field)
        templates = (
            f"{a}{b}技术难题",
            f"寻求{a}{c}解决方案",
            f"{a}{b}的{c}问题",
            f"关于{a}{b}的技术需求",
            f"{a}{c}工艺改进",
            f"征集{a}{b}{c}技术",
            f"{a}{b}国产化替代",
        )
        return self.rng.choice(templates)

    def text(self, field: str, topic: list[str], *, length: int, openers: tuple[str, ...] = OPENERS) -> str:
        """Sentences of 3–8 content words with openers and connectors, about ``length`` characters."""
        rng = self.rng
        sentences: list[str] = []
        size = 0
        while size < length:
            parts = [rng.choice(openers)] if rng.random() < 0.45 else []
            for position in range(rng.randint(3, 8)):
                if position:
                    parts.append(rng.choice(CONNECTORS))
                parts.append(self._word(field, topic))
            sentence = "".join(parts) + ("。" if rng.random() < 0.8 else "；")
            sentences.append(sentence)
            size += len(sentence)
        text = "".join(sentences)
        if len(text) > length + 20:
            text = text[:length].rstrip("，、；的和与及") + "。"
        return text

    def keywords(self, field: str, topic: list[str]) -> list[str]:
        words = [*topic, *(self._noun(field) for _ in range(self.rng.randint(1, 3)))]
        return [word[:40] for word in dict.fromkeys(words)][:6]

    def english_title(self) -> str:
        words = self.vocabulary.english.draw(self.rng, self.rng.randint(3, 7))
        return " ".join(words).capitalize()

    def english_text(self, *, length: int) -> str:
        sentences: list[str] = []
        size = 0
        while size < length:
            sentence = " ".join(self.vocabulary.english.draw(self.rng, self.rng.randint(6, 14))).capitalize() + "."
            sentences.append(sentence)
            size += len(sentence) + 1
        return " ".join(sentences)
