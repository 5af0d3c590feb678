"""Request and response examples for the schema (OpenApiExample), realistic and in Chinese; recorded from
the business path and checked against their schemas by tests/core/test_schema_examples.py."""

from __future__ import annotations

from apps.core.examples import write_examples

API_KEY_CREATE = write_examples(
    "key_create",
    summary="为科研管理系统签发只含所需范围的密钥",
    request={"name": "科研管理系统对接", "scopes": ["listings:*", "contracts:*", "matching:read"]},
    response={
        "id": "0qWdTVRa",
        "name": "科研管理系统对接",
        "scope": "read_write",
        "scopes": ["contracts:*", "listings:*", "matching:read"],
        "rate_limit_per_minute": None,
        "organization_id": 2,
        "created": "2026-12-08T04:03:25.726291+08:00",
        "expiry_date": None,
        "last_used_at": None,
        "revoked": False,
        "revoked_at": None,
        "key": "0qWdTVRa.7yXbJ2mN4pQ8rT6vW1zC5dF0gH3kL9sA",
    },
    status=201,
)

API_KEY_RATE = write_examples(
    "key_rate",
    summary="运营方把该密钥的速率设为每分钟 600 次",
    request={"rate_limit_per_minute": 600},
    response={
        "id": "0qWdTVRa",
        "name": "科研管理系统对接",
        "scope": "read_write",
        "scopes": ["contracts:*", "listings:*", "matching:read"],
        "rate_limit_per_minute": 600,
        "organization_id": 2,
        "created": "2026-12-08T04:03:25.726291+08:00",
        "expiry_date": None,
        "last_used_at": None,
        "revoked": False,
        "revoked_at": None,
    },
    status=200,
)

API_KEY_REVOKE = write_examples(
    "key_revoke",
    summary="吊销不再使用的密钥",
    response={
        "id": "0qWdTVRa",
        "name": "科研管理系统对接",
        "scope": "read_write",
        "scopes": ["contracts:*", "listings:*", "matching:read"],
        "rate_limit_per_minute": 600,
        "organization_id": 2,
        "created": "2026-12-08T04:03:25.726291+08:00",
        "expiry_date": None,
        "last_used_at": None,
        "revoked": True,
        "revoked_at": "2026-12-08T04:03:25.801915+08:00",
    },
    status=200,
)
