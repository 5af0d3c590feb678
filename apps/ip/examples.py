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

IP_ASSETS_CREATE_PCT = write_examples(
    "ip_assets_create_pct",
    summary="A PCT application claiming the priority of a Vietnamese filing, in its patent family",
    request={
        "kind": "invention",
        "title": "Method for controlling gear deformation in carburizing",
        "office": "WO",
        "application_number": "PCT/VN2024/000123",
        "filing_date": "2024-02-28",
        "family_id": "HNHT-GEAR-2023",
        "priority_claims": [{"office": "VN", "number": "1-2023-01234", "date": "2023-03-01"}],
    },
    response={
        "id": 9,
        "external_id": "",
        "owner": {"id": 7, "name": "Công ty Cổ phần Công nghệ Nhiệt luyện Hà Nội"},
        "kind": "invention",
        "kind_display": "发明专利",
        "title": "Method for controlling gear deformation in carburizing",
        "office": "WO",
        "application_number": "PCT/VN2024/000123",
        "patent_number": "",
        "publication_number": "",
        "registration_number": "",
        "ipc_main": "",
        "ipc_codes": [],
        "family_id": "HNHT-GEAR-2023",
        "priority_claims": [{"office": "VN", "number": "1-2023-01234", "date": "2023-03-01"}],
        "filing_date": "2024-02-28",
        "grant_date": None,
        "legal_status": "pending",
        "legal_status_display": "审查中",
        "achievement_count": 0,
        "co_owners": [],
        "created_at": "2026-12-08T04:30:12.201443+08:00",
        "updated_at": "2026-12-08T04:30:12.201470+08:00",
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


_VALUATION_INPUTS = {
    "income": {
        "revenues": ["2000000.00"],
        "royalty_rate": "0.03",
        "tax_rate": "0.15",
        "discount_rate": "0.12",
        "useful_life_years": 3,
        "growth_rate": "0.05",
    },
    "cost": {
        "items": [
            {"description": "研发人员工资", "amount": "600000.00"},
            {"description": "试验材料与检测", "amount": "150000.00"},
        ],
        "obsolescence_rate": "0.30",
    },
}

IP_VALUATIONS_CREATE = write_examples(
    "ip_valuations_create",
    summary="为专利质押融资做一次参考性价值估算（许可费节省法与成本法）",
    request={"title": "齿轮渗碳工艺专利参考估值", "asset_id": 17, "valuation_date": "2026-12-08", **_VALUATION_INPUTS},
    response={
        "id": 3,
        "owner_id": 6,
        "asset_id": 17,
        "title": "齿轮渗碳工艺专利参考估值",
        "valuation_date": "2026-12-08",
        "inputs": _VALUATION_INPUTS,
        "result": {
            "income": {
                "method": "relief_from_royalty",
                "value": "128247.06",
                "rows": [
                    {
                        "year": 1,
                        "revenue": "2000000.00",
                        "royalty": "60000.00",
                        "after_tax_royalty": "51000.00",
                        "discount_factor": "0.892857",
                        "present_value": "45535.71",
                    },
                    {
                        "year": 2,
                        "revenue": "2100000.00",
                        "royalty": "63000.00",
                        "after_tax_royalty": "53550.00",
                        "discount_factor": "0.797194",
                        "present_value": "42689.74",
                    },
                    {
                        "year": 3,
                        "revenue": "2205000.00",
                        "royalty": "66150.00",
                        "after_tax_royalty": "56227.50",
                        "discount_factor": "0.711780",
                        "present_value": "40021.61",
                    },
                ],
                "formula": "value = Σ_{t=1..n} revenue_t × royalty_rate × (1 − tax_rate) / (1 + discount_rate)^t",
                "assumptions": [
                    "许可费率 0.03：被许可方为使用该权利愿意支付的收入比例。",
                    "剩余经济寿命 3 年，不超过法定保护期。",
                ],
            },
            "cost": {
                "method": "cost",
                "value": "525000.00",
                "replacement_cost": "750000.00",
                "items": _VALUATION_INPUTS["cost"]["items"],  # type: ignore[index]
                "obsolescence_rate": "0.30",
                "formula": "value = Σ cost items × (1 − obsolescence_rate)",
                "assumptions": ["贬值率 0.30（技术性与经济性贬值）。"],
            },
            "indicative": True,
            "disclaimer": (
                "参考性估算，并非资产评估：仅依据所填数据计算，供沟通参考；"
                "质押贷款或交易须由具备资质的评估机构出具评估报告。"
            ),
            "legal_term_years_left": 14,
        },
        "created_at": "2026-12-08T10:15:22.000000+08:00",
    },
    status=201,
)
