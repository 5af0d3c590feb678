"""Request and response examples for the schema (OpenApiExample), in Chinese."""

from __future__ import annotations

from apps.core.examples import write_examples

_EVENT = {
    "id": 3,
    "title": "2027 柳州—东盟汽车零部件技术对接会",
    "kind": "matchmaking",
    "format": "hybrid",
    "market_code": "liuzhou",
    "venue": "柳州科技大市场一楼路演厅",
    "online_url": "https://meeting.example.cn/lz-2027-03",
    "description": "新能源汽车零部件企业与高校院所一对一洽谈。",
    "starts_at": "2027-03-18T09:00:00+08:00",
    "ends_at": "2027-03-18T17:00:00+08:00",
    "capacity": 120,
    "registered": 0,
}

EVENTS_CREATE = write_examples(
    "events_create",
    summary="科技大市场发布一场线上线下相结合的对接会",
    request={k: v for k, v in _EVENT.items() if k not in ("id", "registered")},
    response=_EVENT,
    status=201,
)

_REGISTRATION = {
    "id": 21,
    "organization_id": 6,
    "organization_name": "柳州精工齿轮有限公司",
    "user_name": "黄海燕",
    "checked_in_at": None,
    "created_at": "2027-03-01T10:12:44.120391+08:00",
}

EVENTS_REGISTRATIONS_CREATE = write_examples(
    "events_registrations_create",
    summary="企业报名参加对接会",
    request={"organization_id": 6},
    response=_REGISTRATION,
    status=201,
)

EVENTS_REGISTRATIONS_CHECK_IN = write_examples(
    "events_registrations_check_in",
    summary="主办方现场签到",
    response={**_REGISTRATION, "checked_in_at": "2027-03-18T08:52:10.553120+08:00"},
)

EVENTS_SLOTS_CREATE = write_examples(
    "events_slots_create",
    summary="预约与广西科技大学团队一对一洽谈",
    request={
        "counterpart_id": 22,
        "starts_at": "2027-03-18T10:00:00+08:00",
        "ends_at": "2027-03-18T10:30:00+08:00",
        "table": "洽谈桌 7",
    },
    response={
        "id": 5,
        "requester_id": 21,
        "requester_organization": "柳州精工齿轮有限公司",
        "counterpart_id": 22,
        "counterpart_organization": "广西科技大学",
        "starts_at": "2027-03-18T10:00:00+08:00",
        "ends_at": "2027-03-18T10:30:00+08:00",
        "table": "洽谈桌 7",
    },
    status=201,
)

EVENTS_DEALS_CREATE = write_examples(
    "events_deals_create",
    summary="将对接会上促成的交易归属到本次活动",
    request={"deal_id": 14},
    response={"event_id": 3, "deal_id": 14, "created_at": "2027-03-20T15:01:09.410221+08:00"},
    status=201,
)
