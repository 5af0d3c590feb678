"""Request and response examples for the schema (OpenApiExample), realistic and in Chinese; recorded from
the business path and checked against their schemas by tests/core/test_schema_examples.py."""

from __future__ import annotations

from typing import Any

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


_BUYER = {"id": 1, "name": "柳州五菱零部件有限公司"}
_SELLER = {"id": 2, "name": "广西科技大学"}


def _deal(
    *,
    stage: str,
    stage_display: str,
    version: int,
    allowed: list[str],
    participants: list[dict[str, Any]],
    updated: str,
) -> dict[str, Any]:
    return {
        "id": 1,
        "title": "齿轮热处理变形控制技术转让",
        "description": "双方已就许可方式达成初步意向，待商定价格。",
        "buyer": _BUYER,
        "seller": _SELLER,
        "stage": stage,
        "stage_display": stage_display,
        "version": version,
        "introduction_id": 1,
        "demand_id": 1,
        "achievement_id": 1,
        "close_reason": "",
        "close_note": "",
        "participants": [
            {"id": 1, "role": "buyer", "organization": _BUYER, "broker_id": None, "broker_name": None},
            {"id": 2, "role": "seller", "organization": _SELLER, "broker_id": None, "broker_name": None},
            *participants,
        ],
        "allowed_stages": allowed,
        "stage_changed_at": "2026-12-09T10:15:42.207311+08:00",
        "signed_at": None,
        "closed_at": None,
        "created_at": "2026-12-08T04:03:26.631169+08:00",
        "updated_at": updated,
    }


_BROKER = {"id": 3, "role": "broker", "organization": None, "broker_id": 1, "broker_name": "覃晓明"}
_NEW_BROKER = {"id": 4, "role": "broker", "organization": None, "broker_id": 5, "broker_name": "韦丽华"}
_NEGOTIATING = ["contract_drafted", "lost", "cancelled"]

DEALS_ADVANCE = write_examples(
    "deals_advance",
    summary="双方进入价格洽谈阶段（需 If-Match）",
    request={"to": "negotiating", "note": "广西科技大学提交许可报价，柳州五菱零部件有限公司内部评审中。"},
    response=_deal(
        stage="negotiating",
        stage_display="洽谈中",
        version=3,
        allowed=_NEGOTIATING,
        participants=[_BROKER],
        updated="2026-12-09T10:15:42.207311+08:00",
    ),
    status=200,
)


DEALS_BROKERS_ADD = write_examples(
    "deals_brokers_add",
    summary="买方请一位已认证的技术经纪人参与交易（需 If-Match）",
    request={"broker_id": 5},
    response=_deal(
        stage="negotiating",
        stage_display="洽谈中",
        version=4,
        allowed=_NEGOTIATING,
        participants=[_BROKER, _NEW_BROKER],
        updated="2026-12-09T15:40:08.551902+08:00",
    ),
    status=200,
)


DEALS_BROKERS_REMOVE = write_examples(
    "deals_brokers_remove",
    summary="经纪人退出交易（需 If-Match）",
    response=_deal(
        stage="negotiating",
        stage_display="洽谈中",
        version=5,
        allowed=_NEGOTIATING,
        participants=[_BROKER],
        updated="2026-12-10T09:02:31.774120+08:00",
    ),
    status=200,
)
