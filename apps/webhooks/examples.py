"""Request and response examples for the schema (OpenApiExample), realistic and in Chinese; recorded from
the business path and checked against their schemas by tests/core/test_schema_examples.py."""

from __future__ import annotations

from apps.core.examples import write_examples

# Made-up signing secrets in the real format (whsec_ and 32 random bytes in base64).
_SECRET = "whsec_q3Zk7YpN2vR8tLx0mW4bC6dF9hJ1sA5eG7uK3nP0QvE="  # noqa: S105 - an example, not a secret
_NEW_SECRET = "whsec_T8mR2xW5kP9vN1cL4bZ7qY0hD3sF6jG8aE2uK5nM1QwA="  # noqa: S105 - an example, not a secret
_URL = "https://erp.lzgear.com.cn/hooks/kejidashichang"

_SUBSCRIPTION = {
    "id": 3,
    "organization_id": 6,
    "api_key_id": None,
    "url": _URL,
    "description": "柳州精工齿轮有限公司 ERP：新需求匹配与合同登记",
    "event_types": ["match.created", "contract.signed", "registration.approved"],
    "is_active": True,
    "disabled_reason": "",
    "disabled_at": None,
    "consecutive_failures": 0,
    "failing_since": None,
    "previous_secret_expires_at": None,
    "created_at": "2026-12-08T10:40:17.902143+08:00",
    "updated_at": "2026-12-08T10:40:17.902143+08:00",
}

WEBHOOKS_SUBSCRIPTIONS_CREATE = write_examples(
    "webhooks_subscriptions_create",
    summary="柳州精工齿轮有限公司的 ERP 订阅匹配与合同事件（密钥只显示这一次）",
    request={
        "organization_id": 6,
        "url": _URL,
        "description": "柳州精工齿轮有限公司 ERP：新需求匹配与合同登记",
        "event_types": ["match.created", "contract.signed", "registration.approved"],
        "is_active": True,
    },
    response={**_SUBSCRIPTION, "secret": _SECRET},
    status=201,
)


WEBHOOKS_SUBSCRIPTIONS_UPDATE = write_examples(
    "webhooks_subscriptions_update",
    summary="增加订阅“付款已登记”事件",
    request={"event_types": ["match.created", "contract.signed", "registration.approved", "payment.recorded"]},
    response={
        **_SUBSCRIPTION,
        "event_types": ["match.created", "contract.signed", "registration.approved", "payment.recorded"],
        "updated_at": "2026-12-09T16:22:05.310876+08:00",
    },
    status=200,
)


WEBHOOKS_SUBSCRIPTIONS_ROTATE_SECRET = write_examples(
    "webhooks_subscriptions_rotate_secret",
    summary="更换签名密钥，旧密钥再有效 24 小时",
    request={"grace_seconds": 86400},
    response={
        **_SUBSCRIPTION,
        "previous_secret_expires_at": "2026-12-11T09:00:00.118244+08:00",
        "updated_at": "2026-12-10T09:00:00.118244+08:00",
        "secret": _NEW_SECRET,
    },
    status=200,
)


WEBHOOKS_SUBSCRIPTIONS_PING = write_examples(
    "webhooks_subscriptions_ping",
    summary="向 ERP 地址发送一条测试事件",
    response={
        "id": 58,
        "subscription_id": 3,
        "event_id": "evt_5b0c7e2a9d4f41c6a3e81f27d06b94c5",
        "event_type": "webhook.ping",
        "status": "pending",
        "attempt_count": 0,
        "next_attempt_at": "2026-12-08T10:41:02.004517+08:00",
        "last_status_code": None,
        "last_error": "",
        "delivered_at": None,
        "redelivery_of_id": None,
        "created_at": "2026-12-08T10:41:02.004517+08:00",
    },
    status=202,
)


WEBHOOKS_DELIVERIES_REDELIVER = write_examples(
    "webhooks_deliveries_redeliver",
    summary="ERP 恢复后重新投递一条失败的合同签订事件",
    response={
        "id": 73,
        "subscription_id": 3,
        "event_id": "evt_8e41d2c07b9a4f3e96d15a0c2f7b8e64",
        "event_type": "contract.signed",
        "status": "pending",
        "attempt_count": 0,
        "next_attempt_at": "2026-12-09T08:30:11.640092+08:00",
        "last_status_code": None,
        "last_error": "",
        "delivered_at": None,
        "redelivery_of_id": 69,
        "created_at": "2026-12-09T08:30:11.640092+08:00",
    },
    status=202,
)
