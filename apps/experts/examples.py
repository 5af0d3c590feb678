"""Request and response examples for the schema (OpenApiExample), in Chinese."""

from __future__ import annotations

from apps.core.examples import write_examples

_EXPERT = {
    "id": 7,
    "name": "覃志刚",
    "title": "教授级高级工程师",
    "affiliation_id": 12,
    "affiliation_name": "广西科技大学",
    "affiliation_text": "",
    "user_id": 58,
    "field_codes": ["03"],
    "market_codes": ["liuzhou", "laibin"],
    "active": True,
}

EXPERTS_CREATE = write_examples(
    "experts_create",
    summary="将一位机械制造领域专家纳入专家库",
    request={
        "name": "覃志刚",
        "title": "教授级高级工程师",
        "affiliation_id": 12,
        "user_id": 58,
        "field_codes": ["03"],
        "market_codes": ["liuzhou", "laibin"],
    },
    response=_EXPERT,
    status=201,
)

EXPERTS_CONFLICTS_CREATE = write_examples(
    "experts_conflicts_create",
    summary="专家申报利益冲突：曾为该企业顾问",
    request={"organization_id": 31, "reason": "2025 年起担任该企业技术顾问"},
    response={"id": 4, "organization_id": 31, "person_name": "", "reason": "2025 年起担任该企业技术顾问"},
    status=201,
)

_REVIEW = {
    "id": 9,
    "kind": "challenge_bids",
    "title": "新能源汽车驱动电机高效冷却技术",
    "status": "scoring",
    "market_code": "liuzhou",
    "criteria": [
        {"code": "feasibility", "name": "技术可行性", "weight": "0.60"},
        {"code": "team", "name": "团队能力", "weight": "0.40"},
    ],
    "panel_size": 3,
    "items": [
        {"code": "A", "summary": "采用油冷与定子直冷结合方案，样机效率提升 2.1%。"},
        {"code": "B", "summary": "基于相变材料的被动冷却，无需额外泵组。"},
    ],
    "my_role": "manager",
    "submitted": False,
    "created_at": "2026-12-08T10:02:11.412093+08:00",
}

EXPERT_REVIEWS_CREATE = write_examples(
    "expert_reviews_create",
    summary="为揭榜挂帅榜单组织专家盲评，自动回避有利益冲突的专家",
    request={
        "kind": "challenge_bids",
        "challenge_id": 5,
        "criteria": [
            {"code": "feasibility", "name": "技术可行性", "weight": "0.60"},
            {"code": "team", "name": "团队能力", "weight": "0.40"},
        ],
        "panel_size": 3,
    },
    response=_REVIEW,
    status=201,
)

EXPERT_REVIEWS_SCORES_CREATE = write_examples(
    "expert_reviews_scores_create",
    summary="专家提交盲评打分",
    request={
        "scores": [
            {"item": "A", "criteria": {"feasibility": "85", "team": "78"}, "comment": "方案成熟。"},
            {"item": "B", "criteria": {"feasibility": "70", "team": "82"}, "comment": ""},
        ]
    },
    # A list response: the schema shows the example as one element of the list.
    response={
        "item": "A",
        "criteria": {"feasibility": "85.00", "team": "78.00"},
        "total": "82.20",
        "comment": "方案成熟。",
    },
    status=201,
)
