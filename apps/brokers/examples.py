"""Request and response examples for the schema (OpenApiExample), realistic and in Chinese; recorded from
the business path and checked against their schemas by tests/core/test_schema_examples.py."""

from __future__ import annotations

from apps.core.examples import write_examples

_AGENCY = {"id": 9, "name": "柳州市科技成果转化服务中心"}
_BIO = "长期服务柳州汽车及零部件企业，熟悉高校成果评估与技术许可谈判。"

_BROKER = {
    "id": 5,
    "user_id": 31,
    "name": "韦丽华",
    "organization": _AGENCY,
    "level": "intermediate",
    "level_display": "中级技术经纪人",
    "certificate_number": "GXJJR-2026-0457",
    "bio": _BIO,
    "technology_fields": [
        {"code": "03", "name_zh": "先进制造", "name_en": "Advanced manufacturing"},
    ],
    "industries": [
        {"code": "automotive", "name_zh": "汽车", "name_en": "Automotive"},
        {"code": "machinery", "name_zh": "机械", "name_en": "Machinery"},
    ],
    "regions": [{"code": "450200", "name_zh": "柳州市", "name_en": "Liuzhou"}],
    "status": "pending",
    "status_display": "待审核",
    "verified_at": None,
    "rejection_reason": "",
    "created_at": "2026-12-08T10:12:45.318842+08:00",
}

BROKERS_REGISTER = write_examples(
    "brokers_register",
    summary="柳州市科技成果转化服务中心的韦丽华登记为技术经纪人",
    request={
        "organization_id": 9,
        "level": "intermediate",
        "certificate_number": "GXJJR-2026-0457",
        "bio": _BIO,
        "field_codes": ["03"],
        "industry_codes": ["automotive", "machinery"],
        "region_codes": ["450200"],
    },
    response=_BROKER,
    status=201,
)


BROKERS_UPDATE = write_examples(
    "brokers_update",
    summary="补充服务区域：鱼峰区",
    request={"region_codes": ["450200", "450203"]},
    response={
        **_BROKER,
        "regions": [
            {"code": "450200", "name_zh": "柳州市", "name_en": "Liuzhou"},
            {"code": "450203", "name_zh": "鱼峰区", "name_en": "Yufeng District"},
        ],
    },
    status=200,
)


BROKERS_VERIFY = write_examples(
    "brokers_verify",
    summary="运营方核验证书后通过登记",
    request={"approve": True, "reason": ""},
    response={
        **_BROKER,
        "status": "verified",
        "status_display": "已通过",
        "verified_at": "2026-12-09T09:20:03.114570+08:00",
    },
    status=200,
)


INTRODUCTIONS_RECORD = write_examples(
    "introductions_record",
    summary="经纪人撮合广西科技大学与柳州五菱零部件有限公司，约定佣金",
    request={
        "party_a_id": 2,
        "party_b_id": 1,
        "demand_id": 1,
        "achievement_id": 1,
        "commission_rate": "0.0300",
        "commission_fixed": "5000.00",
        "commission_cap": "60000.00",
        "note": "介绍齿轮热处理变形控制技术，双方已约定首次会面时间。",
    },
    response={
        "id": 1,
        "broker_id": 5,
        "broker_name": "韦丽华",
        "party_a": {"id": 2, "name": "广西科技大学"},
        "party_b": {"id": 1, "name": "柳州五菱零部件有限公司"},
        "demand_id": 1,
        "achievement_id": 1,
        "commission_rate": "0.0300",
        "commission_fixed": "5000.00",
        "commission_cap": "60000.00",
        "note": "介绍齿轮热处理变形控制技术，双方已约定首次会面时间。",
        "created_at": "2026-12-09T11:05:27.640219+08:00",
    },
    status=201,
)
