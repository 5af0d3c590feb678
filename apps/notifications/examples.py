"""Request and response examples for the schema (OpenApiExample), realistic and in Chinese; recorded from
the business path and checked against their schemas by tests/core/test_schema_examples.py."""

from __future__ import annotations

from apps.core.examples import write_examples

NOTIFICATIONS_READ = write_examples(
    "notifications_read",
    summary="标记一条通知为已读",
    response={
        "id": 2,
        "kind": "organization.verification",
        "title": "柳州精工齿轮有限公司 已通过审核",
        "body": "贵机构现可在科技大市场发布信息并开展交易。",
        "target_type": "organizations.organization",
        "target_id": "6",
        "is_read": True,
        "read_at": "2026-12-08T04:21:26.806368+08:00",
        "created_at": "2026-12-08T04:21:26.651433+08:00",
    },
    status=200,
)


NOTIFICATIONS_READ_ALL = write_examples(
    "notifications_read_all",
    summary="全部标记为已读",
    response={"marked_read": 0},
    status=200,
)
