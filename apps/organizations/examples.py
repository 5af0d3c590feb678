"""Request and response examples for the schema (OpenApiExample), realistic and in Chinese; recorded from
the business path and checked against their schemas by tests/core/test_schema_examples.py."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample

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


ME_UPDATE = write_examples(
    "me_update",
    summary="更新本人姓名与电话",
    request={"name": "黄军（工艺部）", "phone": "0772-3856022"},
    response={
        "id": 6,
        "email": "huang.jun@gxlzjx.example.cn",
        "name": "黄军（工艺部）",
        "phone": "0772-3856022",
        "preferred_language": "zh-hans",
        "date_joined": "2026-12-08T04:21:26.198380+08:00",
        "memberships": [],
        "is_operator": False,
    },
    status=200,
)


ORGANIZATIONS_CREATE_ABROAD = write_examples(
    "organizations_create_abroad",
    summary="A Vietnamese enterprise registers with its enterprise code (no Chinese credit code or region)",
    request={
        "name": "Công ty Cổ phần Công nghệ Nhiệt luyện Hà Nội",
        "name_en": "Hanoi Heat Treatment Technology JSC",
        "type": "enterprise",
        "country": "VN",
        "registration_id": "0109998883",
        "foreign_region": "Hà Nội",
        "entity_type_code": "300",
        "contact_email": "office@nhietluyen.example.vn",
        "contact_phone": "+84 24 3825 0000",
    },
    response={
        "id": 7,
        "name": "Công ty Cổ phần Công nghệ Nhiệt luyện Hà Nội",
        "name_en": "Hanoi Heat Treatment Technology JSC",
        "short_name": "",
        "type": "enterprise",
        "type_display": "企业",
        "country": "VN",
        "country_name": "越南",
        "credit_code": "",
        "registration_id": "0109998883",
        "region_code": None,
        "region_name": None,
        "foreign_region": "Hà Nội",
        "entity_type_code": "300",
        "entity_type_name": "外商投资企业",
        "address": "",
        "website": "",
        "description": "",
        "contact_email": "office@nhietluyen.example.vn",
        "contact_phone": "+84 24 3825 0000",
        "verification_status": "pending",
        "verified_at": None,
        "rejection_reason": "",
        "created_at": "2026-12-08T04:25:02.118374+08:00",
    },
    status=201,
)

ORGANIZATIONS_VERIFICATION_DOCUMENTS_CREATE = [
    OpenApiExample(
        "organizations_verification_documents_create",
        summary="The Vietnamese enterprise hands in its certificate of registration",
        value={"file": "giay-chung-nhan-dang-ky-doanh-nghiep.pdf", "kind": "registration_certificate"},
        request_only=True,
        media_type="multipart/form-data",
    ),
    *write_examples(
        "organizations_verification_documents_create",
        summary="The Vietnamese enterprise hands in its certificate of registration",
        response={
            "id": 1,
            "kind": "registration_certificate",
            "original_name": "giay-chung-nhan-dang-ky-doanh-nghiep.pdf",
            "content_type": "application/pdf",
            "size": 482113,
            "sha256": "3b8f2c1d9e7a4b6058c2d1e3f4a5b6c7d8e9f0a1b2c3d4e5f60718293a4b5c6d",
            "created_at": "2026-12-08T04:27:44.902113+08:00",
        },
        status=201,
    ),
]

ORGANIZATIONS_CREATE = write_examples(
    "organizations_create",
    summary="注册柳州精工齿轮有限公司（待运营方核验）",
    request={
        "name": "柳州精工齿轮有限公司",
        "short_name": "柳州精工",
        "type": "enterprise",
        "credit_code": "914502000000007772",
        "region_code": "450203",
        "entity_type_code": "170",
        "address": "广西柳州市鱼峰区阳和工业新区阳泰路8号",
        "website": "https://gear.example.cn",
        "description": "汽车变速箱齿轮制造，年产齿轮300万件。",
        "contact_email": "office@gear.example.cn",
        "contact_phone": "0772-3856000",
    },
    response={
        "id": 6,
        "name": "柳州精工齿轮有限公司",
        "name_en": "",
        "short_name": "柳州精工",
        "type": "enterprise",
        "type_display": "企业",
        "country": "CN",
        "country_name": "中国",
        "credit_code": "914502000000007772",
        "registration_id": "",
        "region_code": "450203",
        "region_name": "鱼峰区",
        "foreign_region": "",
        "entity_type_code": "170",
        "entity_type_name": "私营企业",
        "address": "广西柳州市鱼峰区阳和工业新区阳泰路8号",
        "website": "https://gear.example.cn",
        "description": "汽车变速箱齿轮制造，年产齿轮300万件。",
        "contact_email": "office@gear.example.cn",
        "contact_phone": "0772-3856000",
        "verification_status": "pending",
        "verified_at": None,
        "rejection_reason": "",
        "created_at": "2026-12-08T04:21:26.531952+08:00",
    },
    status=201,
)


ORGANIZATIONS_UPDATE = write_examples(
    "organizations_update",
    summary="补充企业简介",
    request={"description": "汽车变速箱齿轮及热处理，年产齿轮300万件，通过IATF 16949认证。"},
    response={
        "id": 6,
        "name": "柳州精工齿轮有限公司",
        "name_en": "",
        "short_name": "柳州精工",
        "type": "enterprise",
        "type_display": "企业",
        "country": "CN",
        "country_name": "中国",
        "credit_code": "914502000000007772",
        "registration_id": "",
        "region_code": "450203",
        "region_name": "鱼峰区",
        "foreign_region": "",
        "entity_type_code": "170",
        "entity_type_name": "私营企业",
        "address": "广西柳州市鱼峰区阳和工业新区阳泰路8号",
        "website": "https://gear.example.cn",
        "description": "汽车变速箱齿轮及热处理，年产齿轮300万件，通过IATF 16949认证。",
        "contact_email": "office@gear.example.cn",
        "contact_phone": "0772-3856000",
        "verification_status": "pending",
        "verified_at": None,
        "rejection_reason": "",
        "created_at": "2026-12-08T04:21:26.531952+08:00",
    },
    status=200,
)


ORGANIZATIONS_VERIFY = write_examples(
    "organizations_verify",
    summary="运营方核验通过",
    request={"approve": True, "reason": ""},
    response={
        "id": 6,
        "name": "柳州精工齿轮有限公司",
        "name_en": "",
        "short_name": "柳州精工",
        "type": "enterprise",
        "type_display": "企业",
        "country": "CN",
        "country_name": "中国",
        "credit_code": "914502000000007772",
        "registration_id": "",
        "region_code": "450203",
        "region_name": "鱼峰区",
        "foreign_region": "",
        "entity_type_code": "170",
        "entity_type_name": "私营企业",
        "address": "广西柳州市鱼峰区阳和工业新区阳泰路8号",
        "website": "https://gear.example.cn",
        "description": "汽车变速箱齿轮及热处理，年产齿轮300万件，通过IATF 16949认证。",
        "contact_email": "office@gear.example.cn",
        "contact_phone": "0772-3856000",
        "verification_status": "verified",
        "verified_at": "2026-12-08T04:21:26.639988+08:00",
        "rejection_reason": "",
        "created_at": "2026-12-08T04:21:26.531952+08:00",
    },
    status=200,
)


ORGANIZATIONS_MEMBERS_ADD = write_examples(
    "organizations_members_add",
    summary="邀请同事林娜加入",
    request={"email": "lin.na@gear.example.cn", "role": "member"},
    response={
        "id": 7,
        "user_id": 7,
        "email": "lin.na@gear.example.cn",
        "name": "林娜",
        "role": "member",
        "created_at": "2026-12-08T04:21:26.715940+08:00",
    },
    status=201,
)


ORGANIZATIONS_MEMBERS_UPDATE = write_examples(
    "organizations_members_update",
    summary="把林娜设为管理员",
    request={"role": "admin"},
    response={
        "id": 7,
        "user_id": 7,
        "email": "lin.na@gear.example.cn",
        "name": "林娜",
        "role": "admin",
        "created_at": "2026-12-08T04:21:26.715940+08:00",
    },
    status=200,
)
