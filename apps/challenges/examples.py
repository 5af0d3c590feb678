"""Request and response examples for the schema (OpenApiExample), realistic and in Chinese; recorded from
the business path and checked against their schemas by tests/core/test_schema_examples.py."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample

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


_PROPOSAL = "采用巴克豪森噪声与涡流复合检测，在磨齿工位后布置在线检测单元，逐齿判定磨削烧伤并自动分拣。"
_TEAM = "广西科技大学机械与汽车工程学院热处理与无损检测团队，教授 2 名、博士 4 名，已承担相关省级项目 3 项。"
_BUDGET = [
    {"item": "检测样机研制", "amount": "520000.00"},
    {"item": "产线联调与验证", "amount": "300000.00"},
    {"item": "人员及差旅", "amount": "180000.00"},
]
_ATTACHMENT = {
    "id": 5,
    "original_name": "磨削烧伤在线检测技术方案.pdf",
    "content_type": "application/pdf",
    "size": 2398114,
    "sha256": "b71f0c3e94a26d58e1c7a3f09b2d4e68c5a1f73e02b9d64a8c3e5f17d0a29b46",
    "created_at": "2027-02-15T16:22:37.580913+08:00",
}
_BID = {
    "id": 7,
    "challenge_id": 3,
    "organization_id": 2,
    "organization_name": "广西科技大学",
    "status": "submitted",
    "status_display": "已提交",
    "proposal": _PROPOSAL,
    "team_description": _TEAM,
    "budget_lines": _BUDGET,
    "commitment_confirmed": True,
    "attachments": [],
    "average_score": None,
    "score_count": None,
    "withdrawn_at": None,
    "decided_at": None,
    "eliminated_at_milestone_id": None,
    "created_at": "2027-02-15T16:10:02.116384+08:00",
}

CHALLENGES_BIDS_CREATE = write_examples(
    "challenges_bids_create",
    summary="广西科技大学团队揭榜并提交方案",
    request={
        "organization_id": 2,
        "proposal": _PROPOSAL,
        "team_description": _TEAM,
        "budget_lines": _BUDGET,
        "commitment_confirmed": True,
    },
    response=_BID,
    status=201,
)


BIDS_WITHDRAW = write_examples(
    "bids_withdraw",
    summary="截止前撤回揭榜方案",
    response={
        **_BID,
        "status": "withdrawn",
        "status_display": "已撤回",
        "attachments": [_ATTACHMENT],
        "withdrawn_at": "2027-03-02T11:37:45.092611+08:00",
    },
    status=200,
)


BIDS_ATTACHMENTS_CREATE = [
    OpenApiExample(
        "bids_attachments_create",
        summary="上传技术方案全文",
        value={"file": "磨削烧伤在线检测技术方案.pdf"},
        request_only=True,
        media_type="multipart/form-data",
    ),
    *write_examples("bids_attachments_create", summary="上传技术方案全文", response=_ATTACHMENT, status=201),
]


BIDS_SCORES_CREATE = write_examples(
    "bids_scores_create",
    summary="评审专家为揭榜方案打分",
    request={"score": "88.50", "comment": "检测原理成熟，产线节拍论证充分；建议补充误判率验证数据。"},
    response={
        "id": 14,
        "bid_id": 7,
        "scorer_id": 23,
        "scorer_name": "黄建国",
        "score": "88.50",
        "comment": "检测原理成熟，产线节拍论证充分；建议补充误判率验证数据。",
        "created_at": "2027-04-08T14:51:19.664207+08:00",
    },
    status=201,
)


_MILESTONE = {
    "id": 6,
    "challenge_id": 3,
    "sequence": 1,
    "title": "检测样机完成并通过实验室验证",
    "review_date": "2027-08-31",
    "criteria": "样机对 200 件含烧伤样件的检出率不低于 99.5%，单件检测不超过 12 秒。",
    "tranche_share_pct": "40.00",
    "tranche_amount": 400000.0,
    "settled_at": None,
    "tranche_withheld": False,
    "created_at": "2027-04-20T09:18:42.305177+08:00",
}

CHALLENGES_MILESTONES_CREATE = write_examples(
    "challenges_milestones_create",
    summary="设置第一个里程碑：样机实验室验证（拨付 40%）",
    request={
        "sequence": 1,
        "title": "检测样机完成并通过实验室验证",
        "review_date": "2027-08-31",
        "criteria": "样机对 200 件含烧伤样件的检出率不低于 99.5%，单件检测不超过 12 秒。",
        "tranche_share_pct": "40.00",
    },
    response=_MILESTONE,
    status=201,
)


MILESTONES_UPDATE = write_examples(
    "milestones_update",
    summary="里程碑评审日期顺延两周",
    request={"review_date": "2027-09-14"},
    response={**_MILESTONE, "review_date": "2027-09-14"},
    status=200,
)


MILESTONES_REVIEWS_CREATE = write_examples(
    "milestones_reviews_create",
    summary="里程碑评审通过",
    request={"bid_id": 7, "outcome": "pass", "comment": "样机检出率 99.7%，节拍 10.8 秒，达到考核指标。"},
    response={
        "id": 3,
        "milestone_id": 6,
        "bid_id": 7,
        "organization_id": 2,
        "organization_name": "广西科技大学",
        "outcome": "pass",
        "comment": "样机检出率 99.7%，节拍 10.8 秒，达到考核指标。",
        "reviewed_by_id": 1,
        "created_at": "2027-09-14T15:33:08.721459+08:00",
    },
    status=201,
)
