"""Request and response examples for the schema (OpenApiExample), in Chinese; checked against their schemas
by tests/core/test_schema_examples.py."""

from __future__ import annotations

from apps.core.examples import write_examples

_LUZHAI = {
    "code": "luzhai",
    "name_zh": "鹿寨县科技服务工作站",
    "name_en": "Luzhai County Station",
    "level": "county",
    "parent_code": "liuzhou",
    "region_codes": ["450223"],
    "active": True,
}

MARKETS_CREATE = write_examples(
    "markets_create",
    summary="在鹿寨县设立科技大市场县级工作站",
    request={
        "code": "luzhai",
        "name_zh": "鹿寨县科技服务工作站",
        "name_en": "Luzhai County Station",
        "level": "county",
        "parent_code": "liuzhou",
        "region_codes": ["450223"],
    },
    response=_LUZHAI,
    status=201,
)

MARKETS_PARTIAL_UPDATE = write_examples(
    "markets_partial_update",
    summary="工作站改名",
    request={"name_zh": "鹿寨县技术转移工作站"},
    response={**_LUZHAI, "name_zh": "鹿寨县技术转移工作站"},
)

MARKETS_OPERATORS_CREATE = write_examples(
    "markets_operators_create",
    summary="指定鹿寨县工作站的审核员",
    request={"user_id": 42, "role": "reviewer"},
    response={"id": 3, "user_id": 42, "user_name": "韦晓琳", "market_code": "luzhai", "role": "reviewer"},
    status=201,
)
