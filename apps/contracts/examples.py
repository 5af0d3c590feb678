"""Request and response examples for the schema (OpenApiExample), realistic and in Chinese; recorded from
the business path and checked against their schemas by tests/core/test_schema_examples.py."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample

from apps.core.examples import import_examples, write_examples

CONTRACT_CREATE = write_examples(
    "contract_create",
    summary="专利权转让合同，扣除热处理炉一台",
    request={
        "title": "齿轮渗碳热处理技术转让合同",
        "deal_id": 1,
        "buyer_id": 1,
        "seller_id": 2,
        "type": "transfer",
        "subtype": "patent_right_transfer",
        "ip_type": "invention_patent",
        "technology_field_code": "03",
        "programme_class": "provincial",
        "signed_on": "2026-12-08",
        "contract_amount": "1000000.00",
        "deductions": [{"kind": "equipment", "description": "热处理炉一台", "amount": "200000.00"}],
    },
    response={
        "id": 1,
        "external_id": "",
        "external_owner_id": None,
        "version": 1,
        "title": "齿轮渗碳热处理技术转让合同",
        "contract_number": "",
        "deal_id": 1,
        "type": "transfer",
        "type_display": "技术转让",
        "subtype": "patent_right_transfer",
        "subtype_display": "专利权转让",
        "legacy_class": "transfer",
        "buyer_id": 1,
        "buyer_name": "柳州五菱零部件有限公司",
        "buyer_country_code": "156",
        "buyer_region_code": "450202",
        "buyer_entity_type_code": "170",
        "seller_id": 2,
        "seller_name": "广西科技大学",
        "seller_country_code": "156",
        "seller_region_code": "450202",
        "seller_entity_type_code": "022",
        "is_import": False,
        "registrant_id": 2,
        "ip_type": "invention_patent",
        "technology_field_code": "03",
        "technology_field_name": "先进制造",
        "programme_class": "provincial",
        "signed_on": "2026-12-08",
        "valid_from": "2026-12-08",
        "valid_until": None,
        "contract_amount": "1000000.00",
        "deductions_total": "200000.00",
        "technology_amount": "800000.00",
        "deductions": [
            {
                "id": 1,
                "kind": "equipment",
                "kind_display": "购置设备",
                "description": "热处理炉一台",
                "amount": "200000.00",
            }
        ],
        "paid_amount": "0.00",
        "registration_status": None,
        "has_document": False,
        "document_name": "",
        "document_sha256": "",
        "created_at": "2026-12-08T04:03:26.847614+08:00",
        "updated_at": "2026-12-08T04:03:26.847647+08:00",
    },
    status=201,
)

REGISTRATION_APPLY = write_examples(
    "registration_apply",
    summary="卖方申请技术合同认定登记",
    request={"note": "请审核，合同原件已上传。"},
    response={
        "id": 1,
        "contract_id": 1,
        "contract_title": "齿轮渗碳热处理技术转让合同",
        "applicant_id": 2,
        "applicant_name": "广西科技大学",
        "status": "applied",
        "status_display": "已申请",
        "rule_set_version": "2026-01",
        "declared_contract_amount": "1000000.00",
        "declared_technology_amount": "800000.00",
        "applied_at": "2026-12-08T04:03:27.210969+08:00",
        "clock_started_on": "2026-12-08",
        "working_days": 15,
        "deadline": "2026-12-29",
        "deadline_provisional": False,
        "is_overdue": False,
        "registration_number": None,
        "recognised_contract_amount": None,
        "recognised_technology_amount": None,
        "refusal_ground": "",
        "decision_note": "",
        "correction_note": "",
        "decided_at": None,
        "decided_by_id": None,
    },
    status=201,
)

REGISTRATION_DECIDE = write_examples(
    "registration_decide",
    summary="运营方予以登记，自动编号",
    request={"decision": "register", "note": "材料齐全，予以登记。"},
    response={
        "id": 1,
        "contract_id": 1,
        "contract_title": "齿轮渗碳热处理技术转让合同",
        "applicant_id": 2,
        "applicant_name": "广西科技大学",
        "status": "registered",
        "status_display": "已登记",
        "rule_set_version": "2026-01",
        "declared_contract_amount": "1000000.00",
        "declared_technology_amount": "800000.00",
        "applied_at": "2026-12-08T04:03:27.210969+08:00",
        "clock_started_on": "2026-12-08",
        "working_days": 15,
        "deadline": "2026-12-29",
        "deadline_provisional": False,
        "is_overdue": False,
        "registration_number": "4502002026000001",
        "recognised_contract_amount": "1000000.00",
        "recognised_technology_amount": "800000.00",
        "refusal_ground": "",
        "decision_note": "材料齐全，予以登记。",
        "correction_note": "",
        "decided_at": "2026-12-08T04:03:27.337953+08:00",
        "decided_by_id": 5,
    },
    status=200,
)

PAYMENT_CREATE = write_examples(
    "payment_create",
    summary="买方支付首期款 30 万元",
    request={"amount": "300000.00", "paid_on": "2026-12-08", "reference": "ICBC-20261207-0001", "note": "首期款"},
    response={
        "id": 1,
        "contract_id": 1,
        "milestone_id": None,
        "amount": "300000.00",
        "paid_on": "2026-12-08",
        "reference": "ICBC-20261207-0001",
        "note": "首期款",
        "recorded_by_id": 1,
        "created_at": "2026-12-08T04:03:27.522518+08:00",
    },
    status=201,
)


CONTRACTS_MILESTONES_CREATE = write_examples(
    "contracts_milestones_create",
    summary="约定技术资料交付节点及金额",
    request={"title": "技术资料交付", "due_on": "2027-03-31", "amount": "300000.00"},
    response={"id": 1, "title": "技术资料交付", "due_on": "2027-03-31", "amount": "300000.00", "paid_amount": "0.00"},
    status=201,
)


CONTRACTS_UPDATE = write_examples(
    "contracts_update",
    summary="补录合同编号（需 If-Match）",
    request={"contract_number": "GXUST-2026-JS-018"},
    response={
        "id": 1,
        "external_id": "",
        "external_owner_id": None,
        "version": 2,
        "title": "齿轮渗碳热处理技术转让合同",
        "contract_number": "GXUST-2026-JS-018",
        "deal_id": 1,
        "type": "transfer",
        "type_display": "技术转让",
        "subtype": "patent_right_transfer",
        "subtype_display": "专利权转让",
        "legacy_class": "transfer",
        "buyer_id": 1,
        "buyer_name": "柳州五菱零部件有限公司",
        "buyer_country_code": "156",
        "buyer_region_code": "450202",
        "buyer_entity_type_code": "170",
        "seller_id": 2,
        "seller_name": "广西科技大学",
        "seller_country_code": "156",
        "seller_region_code": "450202",
        "seller_entity_type_code": "022",
        "is_import": False,
        "registrant_id": 2,
        "ip_type": "invention_patent",
        "technology_field_code": "03",
        "technology_field_name": "先进制造",
        "programme_class": "provincial",
        "signed_on": "2026-12-08",
        "valid_from": "2026-12-08",
        "valid_until": None,
        "contract_amount": "1000000.00",
        "deductions_total": "0.00",
        "technology_amount": "1000000.00",
        "deductions": [],
        "paid_amount": "0.00",
        "registration_status": None,
        "has_document": False,
        "document_name": "",
        "document_sha256": "",
        "created_at": "2026-12-08T04:21:29.827092+08:00",
        "updated_at": "2026-12-08T04:21:30.234459+08:00",
    },
    status=200,
)


REGISTRATIONS_EVENTS_CREATE = write_examples(
    "registrations_events_create",
    summary="登记补充协议带来的合同变更",
    request={
        "kind": "change",
        "effective_on": "2026-12-08",
        "contract_amount": "1100000.00",
        "technology_amount": "900000.00",
        "note": "补充协议增加技术培训内容。",
    },
    response={
        "id": 3,
        "registration_id": 1,
        "kind": "change",
        "kind_display": "变更",
        "effective_on": "2026-12-08",
        "contract_amount": "1100000.00",
        "technology_amount": "900000.00",
        "contract_amount_delta": "100000.00",
        "technology_amount_delta": "-100000.00",
        "note": "补充协议增加技术培训内容。",
        "actor_id": 5,
        "created_at": "2026-12-08T04:21:30.891943+08:00",
    },
    status=201,
)


# The contract of CONTRACTS_UPDATE as later operations answer it.
_CONTRACT = CONTRACTS_UPDATE[1].value

CONTRACTS_DEDUCTIONS_CREATE = write_examples(
    "contracts_deductions_create",
    summary="扣除买方为实施技术购置的检测仪器（需 If-Match）",
    request={"kind": "instruments", "description": "齿轮变形三坐标测量仪一台", "amount": "150000.00"},
    response={
        "id": 2,
        "kind": "instruments",
        "kind_display": "仪器",
        "description": "齿轮变形三坐标测量仪一台",
        "amount": "150000.00",
    },
    status=201,
)


CONTRACTS_DOCUMENT_UPLOAD = [
    OpenApiExample(
        "contracts_document_upload",
        summary="上传双方盖章的合同扫描件（PDF）",
        value={"file": "齿轮渗碳热处理技术转让合同-盖章版.pdf"},
        request_only=True,
        media_type="multipart/form-data",
    ),
    *write_examples(
        "contracts_document_upload",
        summary="上传双方盖章的合同扫描件（PDF）",
        response={
            **_CONTRACT,
            "version": 3,
            "has_document": True,
            "document_name": "齿轮渗碳热处理技术转让合同-盖章版.pdf",
            "document_sha256": "3f9a1c7e52b04d86a1e9f0c24b7d6e38a5c1f29e07b84d3c6a2e91f5d0b7c486",
            "updated_at": "2026-12-08T16:47:03.512886+08:00",
        },
        status=200,
    ),
]


CONTRACTS_IMPORT = import_examples(
    "contracts_import",
    summary="广西科技大学从 Excel 导入本年度已签订的技术合同",
    kind="contracts",
    filename="广西科技大学-2026年技术合同台账.xlsx",
    total=36,
    seconds=1.208,
)


_UPSERT_REQUEST = {
    "title": "新能源汽车电驱壳体轻量化设计委托开发合同",
    "contract_number": "LZJG-2026-KF-007",
    "type": "development",
    "subtype": "commissioned_development",
    "ip_type": "none",
    "technology_field_code": "03",
    "programme_class": "city_county",
    "signed_on": "2026-11-20",
    "valid_from": "2026-11-20",
    "valid_until": "2027-11-19",
    "contract_amount": "480000.00",
    "deductions": [],
    "buyer_id": 6,
    "seller_id": 2,
}

CONTRACTS_UPSERT_BY_EXTERNAL_ID = write_examples(
    "contracts_upsert_by_external_id",
    summary="从企业合同管理系统同步一份委托开发合同（首次写入，201）",
    request=_UPSERT_REQUEST,
    response={
        **_CONTRACT,
        "id": 8,
        "version": 1,
        "external_id": "LZJG-HT-2026-0112",
        "external_owner_id": 6,
        "title": "新能源汽车电驱壳体轻量化设计委托开发合同",
        "contract_number": "LZJG-2026-KF-007",
        "deal_id": None,
        "type": "development",
        "type_display": "技术开发",
        "subtype": "commissioned_development",
        "subtype_display": "委托开发",
        "legacy_class": "development",
        "buyer_id": 6,
        "buyer_name": "柳州精工齿轮有限公司",
        "buyer_region_code": "450203",
        "seller_id": 2,
        "registrant_id": 2,
        "ip_type": "none",
        "programme_class": "city_county",
        "signed_on": "2026-11-20",
        "valid_from": "2026-11-20",
        "valid_until": "2027-11-19",
        "contract_amount": "480000.00",
        "deductions_total": "0.00",
        "technology_amount": "480000.00",
        "created_at": "2026-12-08T17:20:55.104228+08:00",
        "updated_at": "2026-12-08T17:20:55.104228+08:00",
    },
    status=201,
)


REGISTRATIONS_RESUBMIT = write_examples(
    "registrations_resubmit",
    summary="按要求补正后重新提交登记申请",
    request={"note": "已补充技术成果说明及发票复印件，请复核。"},
    response={
        **REGISTRATION_APPLY[1].value,
        "status": "applied",
        "status_display": "已申请",
        "applied_at": "2026-12-14T09:12:40.338215+08:00",
        "clock_started_on": "2026-12-14",
        "deadline": "2027-01-05",
        "correction_note": "已补充技术成果说明及发票复印件，请复核。",
    },
    status=200,
)


_SIGNATURE = {
    "organization_id": 2,
    "organization_name": "广西科技大学",
    "role": "seller",
    "signer_id": 7,
    "signed_at": "2026-12-08T10:15:42.118204+08:00",
    "document_sha256": "9c1e4b7a0f3d2e6c8b5a41d7e9f02c3b6a8d5e1f4c7b0a9e3d2f6c8b5a4e1d70",
}
_DOCUMENT = {
    "contract_id": 1,
    "number": 1,
    "status": "draft",
    "template": "transfer",
    "overrides": {"schedule": "乙方应在本合同生效后十五日内交付全部工艺文件，并派工程师到甲方现场指导两次。"},
    "clauses": [
        {
            "key": "subject",
            "heading": "项目名称",
            "text": "本合同转让的项目为“齿轮渗碳热处理技术转让合同”，合同编号（待编号），所属技术领域为先进制造。",
        },
        {
            "key": "schedule",
            "heading": "技术资料的交付及转让登记",
            "text": "乙方应在本合同生效后十五日内交付全部工艺文件，并派工程师到甲方现场指导两次。",
        },
    ],
    "pdf_sha256": "9c1e4b7a0f3d2e6c8b5a41d7e9f02c3b6a8d5e1f4c7b0a9e3d2f6c8b5a4e1d70",
    "pdf_size": 48211,
    "signatures": [],
    "signed_at": None,
    "created_at": "2026-12-08T09:58:10.204117+08:00",
}

CONTRACTS_DOCUMENTS_CREATE = write_examples(
    "contracts_documents_create",
    summary="按技术转让（专利权）合同示范文本起草，改写交付条款",
    request={"overrides": {"schedule": "乙方应在本合同生效后十五日内交付全部工艺文件，并派工程师到甲方现场指导两次。"}},
    response=_DOCUMENT,
    status=201,
)
CONTRACTS_DOCUMENTS_REVISE = write_examples(
    "contracts_documents_revise",
    summary="草稿阶段改回示范文本的交付条款",
    request={"overrides": {"schedule": None}},
    response={**_DOCUMENT, "overrides": {}},
)
CONTRACTS_DOCUMENTS_SIGN = write_examples(
    "contracts_documents_sign",
    summary="让与方管理员确认文本摘要后签署",
    request={"document_sha256": "9c1e4b7a0f3d2e6c8b5a41d7e9f02c3b6a8d5e1f4c7b0a9e3d2f6c8b5a4e1d70"},
    response={**_DOCUMENT, "status": "signing", "signatures": [_SIGNATURE]},
)
