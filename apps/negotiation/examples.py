"""Request and response examples for the schema (OpenApiExample), realistic and in Chinese."""

from __future__ import annotations

from apps.core.examples import write_examples

_BODY = "我方建议首付 30%，小试验收后付 40%，量产后付清余款，请贵校确认。"
_THREAD = {
    "id": 3,
    "deal_id": 1,
    "subject": "许可费与分期付款节点",
    "created_by_id": 5,
    "message_count": 1,
    "unread_count": 0,
    "last_message_at": "2026-12-08T10:02:11.481226+08:00",
    "created_at": "2026-12-08T10:02:11.479310+08:00",
}
_MESSAGE = {
    "id": 12,
    "thread_id": 3,
    "author_id": 5,
    "author_name": "韦志强",
    "author_role": "buyer",
    "author_organization_id": 1,
    "body": "我方建议首付 30%，小试验收后付 40%，量产后付清余款，请贵校确认。",
    "attachments": [
        {
            "id": 4,
            "name": "付款节点建议.pdf",
            "content_type": "application/pdf",
            "size": 48213,
            "sha256": "5d41402abc4b2a76b9719d911017c592ae2f4c3b1e0d9f8a7c6b5e4d3c2b1a09",
        }
    ],
    "created_at": "2026-12-08T10:02:11.481226+08:00",
}

NEGOTIATION_THREADS_CREATE = write_examples(
    "negotiation_threads_create",
    summary="买方就付款节点开启议题",
    request={
        "subject": "许可费与分期付款节点",
        "body": "我方建议首付 30%，小试验收后付 40%，量产后付清余款，请贵校确认。",
    },
    response=_THREAD,
    status=201,
)
NEGOTIATION_MESSAGES_CREATE = write_examples(
    "negotiation_messages_create",
    summary="回复并附上付款节点建议",
    request={"body": _BODY},
    response=_MESSAGE,
    status=201,
)
NEGOTIATION_THREADS_READ = write_examples(
    "negotiation_threads_read",
    summary="读完全部消息",
    request={},
    response={"thread_id": 3, "last_read_message_id": 12},
)
