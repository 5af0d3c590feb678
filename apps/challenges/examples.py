"""Request and response examples for the schema (OpenApiExample), realistic and in Chinese; recorded from
the business path and checked against their schemas by tests/core/test_schema_examples.py."""

from __future__ import annotations

from typing import Any

from apps.core.examples import write_examples

_ELIGIBILITY = "在中国境内注册的高校、科研院所或企业，具备齿轮热处理或无损检测研发团队。"

_INDICATORS_IN = [
    {"name": "磨削烧伤检出率", "target": "99.5", "unit": "%", "comparison": "≥"},
    {"name": "单件检测节拍", "target": "12", "unit": "秒", "comparison": "≤"},
]
_INDICATORS_OUT = [
    {"name": "磨削烧伤检出率", "target": 99.5, "unit": "%", "comparison": "≥"},
    {"name": "单件检测节拍", "target": 12, "unit": "秒", "comparison": "≤"},
]

_CHALLENGE: dict[str, Any] = {
    "id": 3,
    "demand_id": 2,
    "title": "齿轮磨削烧伤在线检测",
    "technology_field": "03",
    "technology_field_name": "先进制造",
    "issuer_id": 1,
    "issuer_name": "柳州五菱零部件有限公司",
    "status": "draft",
    "status_display": "草稿",
    "phase": "draft",
    "bidding_open": False,
    "reward": "1000000.00",
    "enterprise_funding": "700000.00",
    "government_funding": "300000.00",
    "indicators": _INDICATORS_OUT,
    "eligibility": _ELIGIBILITY,
    "allowed_organization_types": ["university", "research_institute", "enterprise"],
    "bid_deadline": "2027-03-31T17:00:00+08:00",
    "mode": "single",
    "race_team_count": 0,
    "funding_mode": "budgeted",
    "negative_list": "不接受仅提供进口设备代理的方案。",
    "rejection_reason": "",
    "submitted_at": None,
    "opened_at": None,
    "awarded_at": None,
    "completed_at": None,
    "cancelled_at": None,
    "cancel_reason": "",
    "created_at": "2026-12-10T09:30:21.447802+08:00",
    "updated_at": "2026-12-10T09:30:21.447802+08:00",
}
_SUBMITTED = {**_CHALLENGE, "status": "submitted", "status_display": "提交审核", "phase": "submitted"}
_SUBMITTED["submitted_at"] = "2026-12-10T16:02:44.180355+08:00"
_OPEN = {**_SUBMITTED, "status": "open", "status_display": "揭榜中", "phase": "open", "bidding_open": True}
_OPEN["opened_at"] = "2026-12-11T10:15:09.702614+08:00"
_AWARDED = {**_OPEN, "status": "awarded", "status_display": "已确定揭榜方", "phase": "awarded", "bidding_open": False}
_AWARDED["awarded_at"] = "2027-04-18T15:40:27.336190+08:00"

CHALLENGES_CREATE = write_examples(
    "challenges_create",
    summary="柳州五菱零部件有限公司就需求发布揭榜挂帅榜单（草稿）",
    request={
        "demand_id": 2,
        "reward": "1000000.00",
        "enterprise_funding": "700000.00",
        "government_funding": "300000.00",
        "indicators": _INDICATORS_IN,
        "eligibility": _ELIGIBILITY,
        "allowed_organization_types": ["university", "research_institute", "enterprise"],
        "bid_deadline": "2027-03-31T17:00:00+08:00",
        "mode": "single",
        "funding_mode": "budgeted",
        "negative_list": "不接受仅提供进口设备代理的方案。",
    },
    response=_CHALLENGE,
    status=201,
)


CHALLENGES_UPDATE = write_examples(
    "challenges_update",
    summary="揭榜截止时间延后一个月",
    request={"bid_deadline": "2027-04-30T17:00:00+08:00"},
    response={
        **_CHALLENGE,
        "bid_deadline": "2027-04-30T17:00:00+08:00",
        "updated_at": "2026-12-10T11:12:50.006417+08:00",
    },
    status=200,
)


CHALLENGES_SUBMIT = write_examples(
    "challenges_submit",
    summary="提交榜单待运营方审核",
    response=_SUBMITTED,
    status=200,
)


CHALLENGES_REVIEW = write_examples(
    "challenges_review",
    summary="运营方审核通过，榜单开始接受揭榜",
    request={"approve": True},
    response=_OPEN,
    status=200,
)


CHALLENGES_CANCEL = write_examples(
    "challenges_cancel",
    summary="企业产线改造计划调整，撤销榜单",
    request={"reason": "产线改造计划推迟至 2028 年，本榜单撤销。"},
    response={
        **_OPEN,
        "status": "cancelled",
        "status_display": "已取消",
        "phase": "cancelled",
        "bidding_open": False,
        "cancelled_at": "2027-01-20T14:05:33.914672+08:00",
        "cancel_reason": "产线改造计划推迟至 2028 年，本榜单撤销。",
    },
    status=200,
)


CHALLENGES_AWARD = write_examples(
    "challenges_award",
    summary="评审后确定广西科技大学团队揭榜",
    request={"bid_ids": [7]},
    response=_AWARDED,
    status=200,
)


CHALLENGES_COMPLETE = write_examples(
    "challenges_complete",
    summary="全部里程碑验收通过，榜单完成",
    response={
        **_AWARDED,
        "status": "completed",
        "status_display": "已完成",
        "phase": "completed",
        "completed_at": "2027-12-22T10:48:16.275930+08:00",
    },
    status=200,
)
