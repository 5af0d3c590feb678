"""What the benchmark asks the API: the search texts, the filter combinations and the scenarios built of them.

The search texts are what a visitor of a Liuzhou technology market would type: one to three words,
Chinese and some English, from very common (技术, 汽车) through the city's industries (锂电池, 螺蛳粉) to
rare combinations. All of their words are in the generator's vocabulary (vocabulary.FIELD_TERMS).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from urllib.parse import urlencode, urlsplit

from bench.listings.load import Target
from bench.listings.report import Goal
from bench.listings.vocabulary import COMMON_TERMS, ENGLISH_WORDS, FIELD_TERMS

# (text, how common its words are)
SEARCH_QUERIES: list[tuple[str, str]] = [
    *(
        (q, "common")
        for q in ("技术", "系统", "智能", "检测", "控制系统", "材料", "汽车", "新能源汽车", "智能制造", "设备 工艺")
    ),
    *(
        (q, "medium")
        for q in (
            "锂电池",
            "工业机器人",
            "焊接 工艺",
            "污水处理",
            "螺蛳粉",
            "甘蔗 种植",
            "复合材料",
            "发动机",
            "数控机床",
            "传感器 温度",
            "中药提取",
            "轻量化 车身",
            "图像识别",
            "深度学习 算法",
            "模具 冲压",
            "涂层",
            "光伏",
            "无人机",
        )
    ),
    *(
        (q, "rare")
        for q in (
            "石墨烯 涂层",
            "碳纤维 车身",
            "钛合金",
            "基因编辑",
            "螺蛳粉 保鲜 包装",
            "钢渣 综合利用",
            "核辐射 检测",
            "区块链 溯源",
            "桥梁 健康监测",
            "蔗渣",
            "热泵空调",
            "激光雷达 自动驾驶",
        )
    ),
    *(
        (q, "english")
        for q in (
            "lithium battery",
            "machine vision",
            "PLC",
            "5G",
            "AI",
            "sensor",
            "battery management",
            "IoT",
            "welding robot",
            "graphene",
        )
    ),
]

Params = list[tuple[str, str]]

# Technology field + stage + cooperation mode + region, and neighbours (industry, TRL, price, several values).
ACHIEVEMENT_FILTERS: list[Params] = [
    [("technology_field", "03"), ("stage", "pilot"), ("cooperation_mode", "transfer"), ("region", "450200")],
    [("technology_field", "10"), ("industry", "automotive"), ("stage", "mass_production"), ("region", "450200")],
    [("technology_field", "01"), ("stage", "lab"), ("cooperation_mode", "licence"), ("region", "450000")],
    [("technology_field", "05"), ("cooperation_mode", "cooperative"), ("trl_min", "5"), ("price_max", "1000000")],
    [("technology_field", "09"), ("industry", "luosifen"), ("region", "450200")],
    [("technology_field", "06"), ("stage", "small_scale"), ("cooperation_mode", "equity"), ("region", "440000")],
    [
        ("technology_field", "03,10"),
        ("stage", "pilot"),
        ("stage", "mass_production"),
        ("cooperation_mode", "transfer"),
        ("cooperation_mode", "licence"),
        ("region", "450202"),
    ],
    [("price_min", "500000"), ("cooperation_mode", "transfer"), ("region", "450200")],
]
# Filters combined with a search text (rotating over the texts).
SEARCH_FILTERS: list[Params] = [
    [("technology_field", "10"), ("region", "450200")],
    [("stage", "pilot"), ("cooperation_mode", "transfer")],
    [("technology_field", "03"), ("stage", "mass_production"), ("region", "450000")],
    [("industry", "automotive")],
    [("cooperation_mode", "licence"), ("trl_min", "6")],
]


def demand_filters(today: date) -> list[Params]:
    return [
        [("technology_field", "03"), ("region", "450200"), ("budget_min", "100000")],
        [("industry", "automotive"), ("cooperation_mode", "cooperative")],
        [("technology_field", "09"), ("deadline_after", (today + timedelta(days=30)).isoformat())],
        [("wanted_stage", "pilot"), ("region", "450000"), ("budget_max", "1000000")],
    ]


def url(base: str, params: Params, *, page_size: int = 20) -> str:
    return f"{base}?{urlencode([*params, ('page_size', str(page_size))])}"


def path_of(link: str) -> str:
    """The path and query of an absolute link (the API's ``next``), to send on our own connection."""
    parts = urlsplit(link)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


SEARCH_GOAL = Goal("p50", 50)
LIST_GOAL = Goal("p99", 100)
# Issue 22: every list and search scenario serves at least this share of the bare view's requests/s.
SPEED_GOAL_RPS_RATIO = 0.3


@dataclass
class Scenario:
    name: str
    description: str
    targets: list[Target]
    goal: Goal | None = None
    kind: str = "list"  # bare, list or search
    notes: list[str] = field(default_factory=list)
    # Browsing: page 1 of each of these URLs, then the pages its next links lead to, up to ``pages`` deep;
    # page k is requested 2^(pages-k) times as often as the last (visitors rarely page far).
    browse: list[str] = field(default_factory=list)
    pages: int = 1


# The long tail of searches: besides the texts above (the head, which visitors repeat), every other
# search request is a text that no one else typed during the run: one to three words of the generator's
# vocabulary, sometimes with a filter or on page 2. Shared page caches get no help from them.
TAIL_SEARCHES = 3000


def tail_search_params(count: int, *, seed: int) -> list[Params]:
    rng = random.Random(seed)
    words = sorted({*COMMON_TERMS.split(), *(w for terms in FIELD_TERMS.values() for w in terms.split())})
    english = list(ENGLISH_WORDS)
    seen: set[str] = set()
    out: list[Params] = []
    while len(out) < count:
        pool = english if rng.random() < 0.08 else words
        text = " ".join(rng.sample(pool, rng.choice((1, 2, 2, 3))))
        params: Params = [("q", text)]
        if rng.random() < 0.3:
            params += rng.choice(SEARCH_FILTERS)
        if rng.random() < 0.15:
            params.append(("page", "2"))
        key = urlencode(params)
        if key not in seen:
            seen.add(key)
            out.append(params)
    return out


def search_targets(
    base: str, *, filters: list[Params] | None = None, ordering: str | None = None, tail_seed: int | None = None
) -> list[Target]:
    """The head texts, each once; with ``tail_seed``, interleaved one to one with long-tail searches."""
    head = []
    for i, (text, kind) in enumerate(SEARCH_QUERIES):
        params: Params = [("q", text)]
        if filters:
            params += filters[i % len(filters)]
        if ordering:
            params.append(("ordering", ordering))
        head.append(Target(url(base, params), label=f"{text} [{kind}]"))
    if tail_seed is None:
        return head
    targets = []
    for i, params in enumerate(tail_search_params(TAIL_SEARCHES, seed=tail_seed)):
        if ordering:
            params = [*params, ("ordering", ordering)]
        targets += [head[i % len(head)], Target(url(base, params), expect_results=False, tail=True)]
    return targets


def plan(today: date) -> list[Scenario]:
    """Every scenario in the order it runs. Browsing scenarios get their targets once page 1 was fetched,
    ach_cursor_p2 its page-2 URLs; search scenarios mix the head texts with the long tail."""
    ach, dem = "/api/v1/achievements", "/api/v1/demands"
    plain = [url(ach, []), url(ach, [], page_size=10), url(ach, [("ordering", "-published_at")])]
    plain_dem = [url(dem, []), url(dem, [], page_size=10), url(dem, [("ordering", "-published_at")])]
    return [
        Scenario("bare", "bare Django JSON view (no DB), baseline", [Target("/bench/bare")], kind="bare"),
        Scenario(
            "ach_list",
            "achievements, newest first, pages 1-5 (3 page sizes/orders)",
            [],
            LIST_GOAL,
            browse=plain,
            pages=5,
        ),
        Scenario(
            "ach_filtered",
            "achievements, field+stage+mode+region filters, pages 1-3",
            [],
            LIST_GOAL,
            browse=[url(ach, f) for f in ACHIEVEMENT_FILTERS],
            pages=3,
        ),
        Scenario("ach_cursor_p2", "achievements, cursor page 2 (plain and filtered)", [], LIST_GOAL),
        Scenario(
            "ach_search",
            "achievements search, relevance (head+tail)",
            search_targets(ach, tail_seed=1),
            SEARCH_GOAL,
            "search",
        ),
        Scenario(
            "ach_search_filtered",
            "achievements search + filters, relevance (head+tail)",
            search_targets(ach, filters=SEARCH_FILTERS, tail_seed=2),
            SEARCH_GOAL,
            "search",
        ),
        Scenario(
            "ach_search_newest",
            "achievements search, newest first (cursor, head+tail)",
            search_targets(ach, ordering="-published_at", tail_seed=3),
            SEARCH_GOAL,
            "search",
        ),
        Scenario(
            "dem_list",
            "demands, newest first, pages 1-5 (3 page sizes/orders)",
            [],
            LIST_GOAL,
            browse=plain_dem,
            pages=5,
        ),
        Scenario(
            "dem_filtered",
            "demands, field/industry/budget/region filters, pages 1-3",
            [],
            LIST_GOAL,
            browse=[url(dem, f) for f in demand_filters(today)],
            pages=3,
        ),
        Scenario(
            "dem_search",
            "demands search, relevance (head+tail)",
            search_targets(dem, tail_seed=4),
            SEARCH_GOAL,
            "search",
        ),
        Scenario("bare_end", "bare view again at the end (drift check)", [Target("/bench/bare")], kind="bare"),
    ]


# Page 2 by cursor: the plain list and the filter combinations that have a second page.
CURSOR_SOURCES: list[Params] = [[], ACHIEVEMENT_FILTERS[0], ACHIEVEMENT_FILTERS[1], ACHIEVEMENT_FILTERS[3]]
