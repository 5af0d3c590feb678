"""Request and response examples for the schema (OpenApiExample), realistic and in Chinese; recorded from
the business path and checked against their schemas by tests/core/test_schema_examples.py."""

from __future__ import annotations

from apps.core.examples import write_examples

DEAL_CREATE = write_examples(
    "deal_create",
    summary="企业就匹配到的成果发起交易",
    request={
        "title": "齿轮热处理变形控制技术转让",
        "buyer_id": 1,
        "seller_id": 2,
        "introduction_id": 1,
        "demand_id": 1,
        "achievement_id": 1,
    },
    response={
        "id": 1,
        "title": "齿轮热处理变形控制技术转让",
        "description": "",
        "buyer": {"id": 1, "name": "柳州五菱零部件有限公司"},
        "seller": {"id": 2, "name": "广西科技大学"},
        "stage": "lead",
        "stage_display": "线索",
        "version": 1,
        "introduction_id": 1,
        "demand_id": 1,
        "achievement_id": 1,
        "close_reason": "",
        "close_note": "",
        "participants": [
            {
                "id": 1,
                "role": "buyer",
                "organization": {"id": 1, "name": "柳州五菱零部件有限公司"},
                "broker_id": None,
                "broker_name": None,
            },
            {
                "id": 2,
                "role": "seller",
                "organization": {"id": 2, "name": "广西科技大学"},
                "broker_id": None,
                "broker_name": None,
            },
            {"id": 3, "role": "broker", "organization": None, "broker_id": 1, "broker_name": "用户2"},
        ],
        "allowed_stages": ["contacted", "negotiating", "lost", "cancelled"],
        "stage_changed_at": "2026-12-08T04:03:26.630418+08:00",
        "signed_at": None,
        "closed_at": None,
        "created_at": "2026-12-08T04:03:26.631169+08:00",
        "updated_at": "2026-12-08T04:03:26.631188+08:00",
    },
    status=201,
)


DEALS_UPDATE = write_examples(
    "deals_update",
    summary="补充交易说明（需 If-Match）",
    request={"description": "双方已就许可方式达成初步意向，待商定价格。"},
    response={
        "id": 1,
        "title": "齿轮热处理变形控制技术转让",
        "description": "双方已就许可方式达成初步意向，待商定价格。",
        "buyer": {"id": 1, "name": "柳州五菱零部件有限公司"},
        "seller": {"id": 2, "name": "广西科技大学"},
        "stage": "lead",
        "stage_display": "线索",
        "version": 2,
        "introduction_id": 1,
        "demand_id": None,
        "achievement_id": None,
        "close_reason": "",
        "close_note": "",
        "participants": [
            {
                "id": 1,
                "role": "buyer",
                "organization": {"id": 1, "name": "柳州五菱零部件有限公司"},
                "broker_id": None,
                "broker_name": None,
            },
            {
                "id": 2,
                "role": "seller",
                "organization": {"id": 2, "name": "广西科技大学"},
                "broker_id": None,
                "broker_name": None,
            },
            {"id": 3, "role": "broker", "organization": None, "broker_id": 1, "broker_name": "用户2"},
        ],
        "allowed_stages": ["contacted", "negotiating", "lost", "cancelled"],
        "stage_changed_at": "2026-12-08T04:21:29.107867+08:00",
        "signed_at": None,
        "closed_at": None,
        "created_at": "2026-12-08T04:21:29.108402+08:00",
        "updated_at": "2026-12-08T04:21:29.358450+08:00",
    },
    status=200,
)


DEALS_ACTIVITIES_CREATE = write_examples(
    "deals_activities_create",
    summary="记录一次洽谈会议",
    request={
        "kind": "meeting",
        "text": "在柳州五菱零部件公司会议室洽谈技术参数与报价。",
        "occurred_at": "2026-12-03T14:30:00+08:00",
    },
    response={
        "id": 2,
        "kind": "meeting",
        "text": "在柳州五菱零部件公司会议室洽谈技术参数与报价。",
        "occurred_at": "2026-12-03T14:30:00+08:00",
        "actor_id": 1,
        "actor_name": "用户0",
        "created_at": "2026-12-08T04:21:29.574331+08:00",
    },
    status=201,
)
