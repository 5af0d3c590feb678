"""Request and response examples for the schema (OpenApiExample), realistic and in Chinese; recorded from
the business path and checked against their schemas by tests/core/test_schema_examples.py."""

from __future__ import annotations

from apps.core.examples import import_examples, write_examples

IP_ASSETS_CREATE = write_examples(
    "ip_assets_create",
    summary="登记一件已授权发明专利",
    request={
        "kind": "invention",
        "title": "一种齿轮渗碳淬火变形控制方法",
        "application_number": "201710601862.3",
        "ipc_main": "C21D 9/32",
        "filing_date": "2017-07-21",
        "grant_date": "2019-11-05",
        "legal_status": "granted",
    },
    response={
        "id": 1,
        "external_id": "",
        "owner": {"id": 2, "name": "广西科技大学"},
        "kind": "invention",
        "kind_display": "发明专利",
        "title": "一种齿轮渗碳淬火变形控制方法",
        "application_number": "201710601862.3",
        "patent_number": "",
        "publication_number": "",
        "registration_number": "",
        "ipc_main": "C21D 9/32",
        "ipc_codes": [],
        "filing_date": "2017-07-21",
        "grant_date": "2019-11-05",
        "legal_status": "granted",
        "legal_status_display": "已授权（有效）",
        "office": "CN",
        "family_id": "",
        "priority_claims": [],
        "achievement_count": 0,
        "co_owners": [],
        "created_at": "2026-12-08T04:21:30.962942+08:00",
        "updated_at": "2026-12-08T04:21:30.962981+08:00",
    },
    status=201,
)


IP_ASSETS_UPDATE = write_examples(
    "ip_assets_update",
    summary="补充专利号与分类号",
    request={"patent_number": "ZL201710601862.3", "ipc_codes": ["C21D 1/06"]},
    response={
        "id": 1,
        "external_id": "",
        "owner": {"id": 2, "name": "广西科技大学"},
        "kind": "invention",
        "kind_display": "发明专利",
        "title": "一种齿轮渗碳淬火变形控制方法",
        "application_number": "201710601862.3",
        "patent_number": "ZL201710601862.3",
        "publication_number": "",
        "registration_number": "",
        "ipc_main": "C21D 9/32",
        "ipc_codes": ["C21D 1/06"],
        "filing_date": "2017-07-21",
        "grant_date": "2019-11-05",
        "legal_status": "granted",
        "legal_status_display": "已授权（有效）",
        "office": "CN",
        "family_id": "",
        "priority_claims": [],
        "achievement_count": 0,
        "co_owners": [],
        "created_at": "2026-12-08T04:21:30.962942+08:00",
        "updated_at": "2026-12-08T04:21:31.041069+08:00",
    },
    status=200,
)


IP_ASSETS_LEGAL_EVENTS_CREATE = write_examples(
    "ip_assets_legal_events_create",
    summary="记录年费缴纳事件",
    request={"occurred_on": "2026-07-21", "kind": "other", "note": "缴纳第10年年费。"},
    response={
        "id": 3,
        "occurred_on": "2026-07-21",
        "kind": "other",
        "kind_display": "其他",
        "status_after": "",
        "note": "缴纳第10年年费。",
        "recorded_at": "2026-12-08T04:21:31.106166+08:00",
    },
    status=201,
)


IP_ASSETS_IMPORT = import_examples(
    "ip_assets_import",
    summary="柳州精工齿轮有限公司从 Excel 导入专利清单（已登记的跳过）",
    kind="ip_assets",
    filename="柳州精工齿轮-专利清单.xlsx",
    total=24,
    skipped=2,
)


IP_ASSETS_UPSERT_BY_EXTERNAL_ID = write_examples(
    "ip_assets_upsert_by_external_id",
    summary="从企业知识产权管理系统同步一件实用新型专利（首次写入，201）",
    request={
        "owner_id": 6,
        "kind": "utility_model",
        "title": "一种汽车变速箱齿轮用防变形淬火夹具",
        "application_number": "202321458736.4",
        "patent_number": "ZL202321458736.4",
        "ipc_main": "C21D 9/32",
        "filing_date": "2023-06-09",
        "grant_date": "2024-01-16",
        "legal_status": "granted",
        "co_owners": [{"organization_id": 2, "name": "广西科技大学"}],
    },
    response={
        "id": 17,
        "external_id": "LZJG-IP-0031",
        "owner": {"id": 6, "name": "柳州精工齿轮有限公司"},
        "kind": "utility_model",
        "kind_display": "实用新型专利",
        "title": "一种汽车变速箱齿轮用防变形淬火夹具",
        "application_number": "202321458736.4",
        "patent_number": "ZL202321458736.4",
        "publication_number": "",
        "registration_number": "",
        "ipc_main": "C21D 9/32",
        "ipc_codes": [],
        "filing_date": "2023-06-09",
        "grant_date": "2024-01-16",
        "legal_status": "granted",
        "legal_status_display": "已授权（有效）",
        "office": "CN",
        "family_id": "",
        "priority_claims": [],
        "achievement_count": 0,
        "co_owners": [{"organization_id": 2, "name": "广西科技大学"}],
        "created_at": "2026-12-08T11:02:44.590217+08:00",
        "updated_at": "2026-12-08T11:02:44.590217+08:00",
    },
    status=201,
)
