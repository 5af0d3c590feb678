"""Request and response examples for the schema (OpenApiExample), realistic and in Chinese; recorded from
the business path and checked against their schemas by tests/core/test_schema_examples.py."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample

from apps.core.examples import import_examples, write_examples

DEMAND_CREATE = write_examples(
    "demand_create",
    summary="企业发布齿轮热处理变形控制需求（草稿）",
    request={
        "title": "变速箱齿轮热处理变形控制",
        "description": "齿轮渗碳淬火后变形超差，寻求热处理工艺优化与变形控制方案，年产30万件。",
        "keywords": ["齿轮", "热处理", "渗碳淬火"],
        "technology_field": "03",
        "cooperation_modes": ["transfer", "cooperative"],
        "budget_min": "200000.00",
        "budget_max": "800000.00",
        "wanted_stage": "pilot",
        "deadline": "2027-06-30",
    },
    response={
        "rejection_reason": "",
        "submitted_at": None,
        "viewer_access": "owner",
        "id": 1,
        "external_id": "",
        "status": "draft",
        "status_display": "草稿",
        "language": "zh",
        "title": "变速箱齿轮热处理变形控制",
        "translated_title": "",
        "technology_field": {"code": "03", "name": "先进制造", "name_en": "Advanced manufacturing"},
        "keywords": ["齿轮", "热处理", "渗碳淬火"],
        "cooperation_modes": ["transfer", "cooperative"],
        "owner": {"id": 1, "name": "柳州五菱零部件有限公司", "type": "enterprise"},
        "region": {"code": "450202", "name": "城中区"},
        "published_at": None,
        "created_at": "2026-12-08T04:03:25.858310+08:00",
        "description": "齿轮渗碳淬火后变形超差，寻求热处理工艺优化与变形控制方案，年产30万件。",
        "industry": None,
        "budget_min": "200000.00",
        "budget_max": "800000.00",
        "deadline": "2027-06-30",
        "wanted_stage": "pilot",
        "translated_description": "",
        "translations": {},
        "region_preference": None,
    },
    status=201,
)

ACHIEVEMENT_CREATE = write_examples(
    "achievement_create",
    summary="高校登记齿轮渗碳淬火变形控制成果（草稿）",
    request={
        "title": "齿轮渗碳淬火变形控制技术",
        "summary": "通过优化渗碳淬火工艺和夹具设计，控制齿轮热处理变形，变形量降低60%，已在汽车变速箱齿轮中试。",
        "keywords": ["齿轮", "热处理", "变形控制"],
        "technology_field": "03",
        "trl": 6,
        "cooperation_modes": ["transfer", "licence"],
        "price_type": "fixed",
        "price_min": "500000.00",
        "price_max": "500000.00",
    },
    response={
        "rejection_reason": "",
        "submitted_at": None,
        "viewer_access": "owner",
        "id": 1,
        "external_id": "",
        "status": "draft",
        "status_display": "草稿",
        "language": "zh",
        "title": "齿轮渗碳淬火变形控制技术",
        "translated_title": "",
        "technology_field": {"code": "03", "name": "先进制造", "name_en": "Advanced manufacturing"},
        "keywords": ["齿轮", "热处理", "变形控制"],
        "cooperation_modes": ["transfer", "licence"],
        "owner": {"id": 2, "name": "广西科技大学", "type": "university"},
        "region": {"code": "450202", "name": "城中区"},
        "published_at": None,
        "created_at": "2026-12-08T04:03:25.942335+08:00",
        "summary": "通过优化渗碳淬火工艺和夹具设计，控制齿轮热处理变形，变形量降低60%，已在汽车变速箱齿轮中试。",
        "industries": [],
        "trl": 6,
        "stage": "pilot",
        "attribute": "original",
        "price_type": "fixed",
        "price_min": "500000.00",
        "price_max": "500000.00",
        "expires_on": None,
        "translated_summary": "",
        "translations": {},
        "ip_assets": [],
    },
    status=201,
)

DEMAND_SUBMIT = write_examples(
    "demand_submit",
    summary="提交需求待审核",
    response={
        "rejection_reason": "",
        "submitted_at": "2026-12-08T04:03:26.018768+08:00",
        "viewer_access": "owner",
        "id": 1,
        "external_id": "",
        "status": "submitted",
        "status_display": "待审核",
        "language": "zh",
        "title": "变速箱齿轮热处理变形控制",
        "translated_title": "",
        "technology_field": {"code": "03", "name": "先进制造", "name_en": "Advanced manufacturing"},
        "keywords": ["齿轮", "热处理", "渗碳淬火"],
        "cooperation_modes": ["transfer", "cooperative"],
        "owner": {"id": 1, "name": "柳州五菱零部件有限公司", "type": "enterprise"},
        "region": {"code": "450202", "name": "城中区"},
        "published_at": None,
        "created_at": "2026-12-08T04:03:25.858310+08:00",
        "description": "齿轮渗碳淬火后变形超差，寻求热处理工艺优化与变形控制方案，年产30万件。",
        "industry": None,
        "budget_min": "200000.00",
        "budget_max": "800000.00",
        "deadline": "2027-06-30",
        "wanted_stage": "pilot",
        "translated_description": "",
        "translations": {},
        "region_preference": None,
    },
    status=200,
)

ACHIEVEMENT_SUBMIT = write_examples(
    "achievement_submit",
    summary="提交成果待审核",
    response={
        "rejection_reason": "",
        "submitted_at": "2026-12-08T04:03:26.130894+08:00",
        "viewer_access": "owner",
        "id": 1,
        "external_id": "",
        "status": "submitted",
        "status_display": "待审核",
        "language": "zh",
        "title": "齿轮渗碳淬火变形控制技术",
        "translated_title": "",
        "technology_field": {"code": "03", "name": "先进制造", "name_en": "Advanced manufacturing"},
        "keywords": ["齿轮", "热处理", "变形控制"],
        "cooperation_modes": ["transfer", "licence"],
        "owner": {"id": 2, "name": "广西科技大学", "type": "university"},
        "region": {"code": "450202", "name": "城中区"},
        "published_at": None,
        "created_at": "2026-12-08T04:03:25.942335+08:00",
        "summary": "通过优化渗碳淬火工艺和夹具设计，控制齿轮热处理变形，变形量降低60%，已在汽车变速箱齿轮中试。",
        "industries": [],
        "trl": 6,
        "stage": "pilot",
        "attribute": "original",
        "price_type": "fixed",
        "price_min": "500000.00",
        "price_max": "500000.00",
        "expires_on": None,
        "translated_summary": "",
        "translations": {},
        "ip_assets": [],
    },
    status=200,
)

DEMAND_REVIEW = write_examples(
    "demand_review",
    summary="运营方审核通过并发布需求",
    request={"approve": True},
    response={
        "rejection_reason": "",
        "submitted_at": "2026-12-08T04:03:26.018768+08:00",
        "viewer_access": "operator",
        "id": 1,
        "external_id": "",
        "status": "published",
        "status_display": "已发布",
        "language": "zh",
        "title": "变速箱齿轮热处理变形控制",
        "translated_title": "",
        "technology_field": {"code": "03", "name": "先进制造", "name_en": "Advanced manufacturing"},
        "keywords": ["齿轮", "热处理", "渗碳淬火"],
        "cooperation_modes": ["transfer", "cooperative"],
        "owner": {"id": 1, "name": "柳州五菱零部件有限公司", "type": "enterprise"},
        "region": {"code": "450202", "name": "城中区"},
        "published_at": "2026-12-08T04:03:26.281996+08:00",
        "created_at": "2026-12-08T04:03:25.858310+08:00",
        "description": "齿轮渗碳淬火后变形超差，寻求热处理工艺优化与变形控制方案，年产30万件。",
        "industry": None,
        "budget_min": "200000.00",
        "budget_max": "800000.00",
        "deadline": "2027-06-30",
        "wanted_stage": "pilot",
        "translated_description": "",
        "translations": {},
        "region_preference": None,
    },
    status=200,
)

ACHIEVEMENT_REVIEW = write_examples(
    "achievement_review",
    summary="运营方审核通过并发布成果",
    request={"approve": True},
    response={
        "rejection_reason": "",
        "submitted_at": "2026-12-08T04:03:26.130894+08:00",
        "viewer_access": "operator",
        "id": 1,
        "external_id": "",
        "status": "published",
        "status_display": "已发布",
        "language": "zh",
        "title": "齿轮渗碳淬火变形控制技术",
        "translated_title": "",
        "technology_field": {"code": "03", "name": "先进制造", "name_en": "Advanced manufacturing"},
        "keywords": ["齿轮", "热处理", "变形控制"],
        "cooperation_modes": ["transfer", "licence"],
        "owner": {"id": 2, "name": "广西科技大学", "type": "university"},
        "region": {"code": "450202", "name": "城中区"},
        "published_at": "2026-12-08T04:03:26.394091+08:00",
        "created_at": "2026-12-08T04:03:25.942335+08:00",
        "summary": "通过优化渗碳淬火工艺和夹具设计，控制齿轮热处理变形，变形量降低60%，已在汽车变速箱齿轮中试。",
        "industries": [],
        "trl": 6,
        "stage": "pilot",
        "attribute": "original",
        "price_type": "fixed",
        "price_min": "500000.00",
        "price_max": "500000.00",
        "expires_on": "2027-12-08",
        "translated_summary": "",
        "translations": {},
        "ip_assets": [],
    },
    status=200,
)


DEMANDS_UPDATE = write_examples(
    "demands_update",
    summary="调整预算上限与联系人",
    request={"budget_max": "900000.00", "contact_name": "覃海洋", "contact_phone": "0772-2651234"},
    response={
        "rejection_reason": "",
        "submitted_at": None,
        "viewer_access": "owner",
        "id": 1,
        "external_id": "",
        "status": "draft",
        "status_display": "草稿",
        "language": "zh",
        "title": "变速箱齿轮热处理变形控制",
        "translated_title": "",
        "technology_field": {"code": "03", "name": "先进制造", "name_en": "Advanced manufacturing"},
        "keywords": ["齿轮", "热处理", "渗碳淬火"],
        "cooperation_modes": ["transfer", "cooperative"],
        "owner": {"id": 1, "name": "柳州五菱零部件有限公司", "type": "enterprise"},
        "region": {"code": "450202", "name": "城中区"},
        "published_at": None,
        "created_at": "2026-12-08T04:21:26.936537+08:00",
        "description": "齿轮渗碳淬火后变形超差，寻求热处理工艺优化与变形控制方案，年产30万件。",
        "industry": None,
        "budget_min": "200000.00",
        "budget_max": "900000.00",
        "deadline": "2027-06-30",
        "wanted_stage": "pilot",
        "translated_description": "",
        "translations": {},
        "region_preference": None,
    },
    status=200,
)


ACHIEVEMENTS_UPDATE = write_examples(
    "achievements_update",
    summary="改为面议并更新联系人",
    request={"price_type": "negotiable", "contact_name": "李文博", "contact_email": "li.wenbo@gxust.example.cn"},
    response={
        "rejection_reason": "",
        "submitted_at": None,
        "viewer_access": "owner",
        "id": 1,
        "external_id": "",
        "status": "draft",
        "status_display": "草稿",
        "language": "zh",
        "title": "齿轮渗碳淬火变形控制技术",
        "translated_title": "",
        "technology_field": {"code": "03", "name": "先进制造", "name_en": "Advanced manufacturing"},
        "keywords": ["齿轮", "热处理", "变形控制"],
        "cooperation_modes": ["transfer", "licence"],
        "owner": {"id": 2, "name": "广西科技大学", "type": "university"},
        "region": {"code": "450202", "name": "城中区"},
        "published_at": None,
        "created_at": "2026-12-08T04:21:27.104123+08:00",
        "summary": "通过优化渗碳淬火工艺和夹具设计，控制齿轮热处理变形，变形量降低60%，已在汽车变速箱齿轮中试。",
        "industries": [],
        "trl": 6,
        "stage": "pilot",
        "attribute": "original",
        "price_type": "negotiable",
        "price_min": None,
        "price_max": None,
        "expires_on": None,
        "translated_summary": "",
        "translations": {},
        "ip_assets": [],
    },
    status=200,
)


ACHIEVEMENTS_NDA_REQUESTS_CREATE = write_examples(
    "achievements_nda_requests_create",
    summary="企业申请查阅成果的保密信息",
    request={"message": "我司拟引进该技术用于变速箱齿轮生产线，申请查阅工艺参数。"},
    response={
        "id": 1,
        "listing_kind": "achievement",
        "listing_id": 1,
        "organization": {"id": 1, "name": "柳州五菱零部件有限公司", "type": "enterprise"},
        "requested_by_name": "用户0",
        "message": "我司拟引进该技术用于变速箱齿轮生产线，申请查阅工艺参数。",
        "status": "pending",
        "decision_note": "",
        "decided_at": None,
        "created_at": "2026-12-08T04:21:28.004989+08:00",
    },
    status=201,
)


NDA_REQUESTS_ACCEPT = write_examples(
    "nda_requests_accept",
    summary="成果方同意保密查阅申请",
    request={"note": "同意，请遵守保密协议。"},
    response={
        "id": 1,
        "listing_kind": "achievement",
        "listing_id": 1,
        "organization": {"id": 1, "name": "柳州五菱零部件有限公司", "type": "enterprise"},
        "requested_by_name": "用户0",
        "message": "我司拟引进该技术用于变速箱齿轮生产线，申请查阅工艺参数。",
        "status": "accepted",
        "decision_note": "同意，请遵守保密协议。",
        "decided_at": "2026-12-08T04:21:28.088718+08:00",
        "created_at": "2026-12-08T04:21:28.004989+08:00",
    },
    status=200,
)


NDA_REQUESTS_REVOKE = write_examples(
    "nda_requests_revoke",
    summary="成果方收回查阅权限",
    request={"note": "合作已结束，收回查阅权限。"},
    response={
        "id": 1,
        "listing_kind": "achievement",
        "listing_id": 1,
        "organization": {"id": 1, "name": "柳州五菱零部件有限公司", "type": "enterprise"},
        "requested_by_name": "用户0",
        "message": "我司拟引进该技术用于变速箱齿轮生产线，申请查阅工艺参数。",
        "status": "revoked",
        "decision_note": "合作已结束，收回查阅权限。",
        "decided_at": "2026-12-08T04:21:28.219529+08:00",
        "created_at": "2026-12-08T04:21:28.004989+08:00",
    },
    status=200,
)


DEMANDS_WITHDRAW = write_examples(
    "demands_withdraw",
    summary="企业暂缓征集，撤回需求",
    request={"note": "项目预算调整，暂缓征集。"},
    response={
        "rejection_reason": "",
        "submitted_at": "2026-12-08T04:21:28.528161+08:00",
        "viewer_access": "owner",
        "id": 2,
        "external_id": "",
        "status": "withdrawn",
        "status_display": "已撤回",
        "language": "zh",
        "title": "齿轮磨削烧伤在线检测",
        "translated_title": "",
        "technology_field": {"code": "03", "name": "先进制造", "name_en": "Advanced manufacturing"},
        "keywords": ["齿轮", "热处理", "渗碳淬火"],
        "cooperation_modes": ["transfer", "cooperative"],
        "owner": {"id": 1, "name": "柳州五菱零部件有限公司", "type": "enterprise"},
        "region": {"code": "450202", "name": "城中区"},
        "published_at": "2026-12-08T04:21:28.683982+08:00",
        "created_at": "2026-12-08T04:21:28.426549+08:00",
        "description": "齿轮渗碳淬火后变形超差，寻求热处理工艺优化与变形控制方案，年产30万件。",
        "industry": None,
        "budget_min": "200000.00",
        "budget_max": "800000.00",
        "deadline": "2027-03-31",
        "wanted_stage": "pilot",
        "translated_description": "",
        "translations": {},
        "region_preference": None,
    },
    status=200,
)


DEMANDS_REOPEN = write_examples(
    "demands_reopen",
    summary="重新打开为草稿",
    response={
        "rejection_reason": "",
        "submitted_at": "2026-12-08T04:21:28.528161+08:00",
        "viewer_access": "owner",
        "id": 2,
        "external_id": "",
        "status": "draft",
        "status_display": "草稿",
        "language": "zh",
        "title": "齿轮磨削烧伤在线检测",
        "translated_title": "",
        "technology_field": {"code": "03", "name": "先进制造", "name_en": "Advanced manufacturing"},
        "keywords": ["齿轮", "热处理", "渗碳淬火"],
        "cooperation_modes": ["transfer", "cooperative"],
        "owner": {"id": 1, "name": "柳州五菱零部件有限公司", "type": "enterprise"},
        "region": {"code": "450202", "name": "城中区"},
        "published_at": "2026-12-08T04:21:28.683982+08:00",
        "created_at": "2026-12-08T04:21:28.426549+08:00",
        "description": "齿轮渗碳淬火后变形超差，寻求热处理工艺优化与变形控制方案，年产30万件。",
        "industry": None,
        "budget_min": "200000.00",
        "budget_max": "800000.00",
        "deadline": "2027-03-31",
        "wanted_stage": "pilot",
        "translated_description": "",
        "translations": {},
        "region_preference": None,
    },
    status=200,
)


# Published listings as the owner sees them (the answers of later operations start from these).
_ACHIEVEMENT = {
    **ACHIEVEMENT_REVIEW[-1].value,
    "viewer_access": "owner",
    "published_at": "2026-12-08T04:03:26.301522+08:00",
}
_DEMAND = DEMANDS_WITHDRAW[-1].value


ACHIEVEMENTS_WITHDRAW = write_examples(
    "achievements_withdraw",
    summary="课题组继续改进工艺，暂时撤回成果",
    request={"note": "第二代夹具正在中试，完成后重新发布。"},
    response={**_ACHIEVEMENT, "status": "withdrawn", "status_display": "已撤回"},
    status=200,
)


ACHIEVEMENTS_REOPEN = write_examples(
    "achievements_reopen",
    summary="撤回的成果重新打开为草稿以便修改",
    response={**_ACHIEVEMENT, "status": "draft", "status_display": "草稿"},
    status=200,
)


ACHIEVEMENTS_MARK_TRANSFERRED = write_examples(
    "achievements_mark_transferred",
    summary="成果已转让给柳州五菱零部件有限公司",
    request={"note": "技术转让合同已签订并完成认定登记（登记号 4502002026000001）。"},
    response={**_ACHIEVEMENT, "status": "transferred", "status_display": "已转化/已成交"},
    status=200,
)


DEMANDS_MARK_TRANSFERRED = write_examples(
    "demands_mark_transferred",
    summary="需求已由广西科技大学的成果解决",
    request={"note": "已与广西科技大学签订技术开发合同，需求关闭。"},
    response={**_DEMAND, "status": "transferred", "status_display": "已转化/已成交"},
    status=200,
)


DEMANDS_NDA_REQUESTS_CREATE = write_examples(
    "demands_nda_requests_create",
    summary="高校课题组申请查阅需求的保密技术参数",
    request={"message": "我校热处理课题组拟承接该需求，申请查阅齿轮材料牌号与现有工艺参数。"},
    response={
        "id": 4,
        "listing_kind": "demand",
        "listing_id": 2,
        "organization": {"id": 2, "name": "广西科技大学", "type": "university"},
        "requested_by_name": "李文博",
        "message": "我校热处理课题组拟承接该需求，申请查阅齿轮材料牌号与现有工艺参数。",
        "status": "pending",
        "decision_note": "",
        "decided_at": None,
        "created_at": "2026-12-09T10:02:18.447310+08:00",
    },
    status=201,
)


NDA_REQUESTS_DECLINE = write_examples(
    "nda_requests_decline",
    summary="成果方婉拒保密查阅申请",
    request={"note": "该技术已独占许可给其他企业，暂不对外披露工艺参数。"},
    response={
        **NDA_REQUESTS_ACCEPT[-1].value,
        "status": "declined",
        "decision_note": "该技术已独占许可给其他企业，暂不对外披露工艺参数。",
    },
    status=200,
)


ACHIEVEMENTS_UPSERT_BY_EXTERNAL_ID = write_examples(
    "achievements_upsert_by_external_id",
    summary="从高校科研管理系统同步一项成果（首次写入，201）",
    request={
        "owner_id": 2,
        "title": "汽车铝合金副车架一体化压铸工艺",
        "summary": "采用高真空压铸与局部挤压补缩，副车架减重35%，已完成样件台架试验。",
        "keywords": ["一体化压铸", "铝合金", "轻量化"],
        "technology_field": "03",
        "trl": 5,
        "cooperation_modes": ["licence", "cooperative"],
        "price_type": "negotiable",
    },
    response={
        **_ACHIEVEMENT,
        "id": 9,
        "external_id": "GXUST-KY-2026-0088",
        "status": "draft",
        "status_display": "草稿",
        "submitted_at": None,
        "published_at": None,
        "title": "汽车铝合金副车架一体化压铸工艺",
        "summary": "采用高真空压铸与局部挤压补缩，副车架减重35%，已完成样件台架试验。",
        "keywords": ["一体化压铸", "铝合金", "轻量化"],
        "cooperation_modes": ["licence", "cooperative"],
        "trl": 5,
        "stage": "small_scale",
        "price_type": "negotiable",
        "price_min": None,
        "price_max": None,
        "created_at": "2026-12-09T14:30:51.902716+08:00",
    },
    status=201,
)


DEMANDS_UPSERT_BY_EXTERNAL_ID = write_examples(
    "demands_upsert_by_external_id",
    summary="从企业研发管理系统更新一条已有需求（200）",
    request={
        "title": "齿轮磨削烧伤在线检测",
        "description": "磨齿后需逐件检测烧伤，现依赖酸洗抽检，寻求在线无损检测方案，年检30万件。",
        "keywords": ["齿轮", "磨削烧伤", "无损检测"],
        "technology_field": "03",
        "cooperation_modes": ["transfer", "cooperative"],
        "budget_min": "200000.00",
        "budget_max": "800000.00",
        "wanted_stage": "pilot",
        "deadline": "2027-03-31",
    },
    response={
        **_DEMAND,
        "external_id": "LZWL-RD-2026-015",
        "status": "published",
        "status_display": "已发布",
        "description": "磨齿后需逐件检测烧伤，现依赖酸洗抽检，寻求在线无损检测方案，年检30万件。",
        "keywords": ["齿轮", "磨削烧伤", "无损检测"],
    },
    status=200,
)


ACHIEVEMENTS_IMPORT = import_examples(
    "achievements_import",
    summary="广西科技大学从 Excel 批量登记成果（进入审核）",
    kind="achievements",
    filename="广西科技大学-2026年科技成果清单.xlsx",
    total=42,
    seconds=2.317,
)


DEMANDS_IMPORT = import_examples(
    "demands_import",
    summary="柳州市工信部门汇总的企业技术需求批量导入",
    kind="demands",
    filename="柳州市2026年企业技术需求汇总.xlsx",
    total=57,
    skipped=3,
    seconds=2.864,
)


def _attachment(
    name: str, summary: str, *, filename: str, content_type: str, size: int, sha256: str, public: bool
) -> list[OpenApiExample]:
    return [
        OpenApiExample(
            name,
            summary=summary,
            value={"file": filename, "is_public": public},
            request_only=True,
            media_type="multipart/form-data",
        ),
        *write_examples(
            name,
            summary=summary,
            response={
                "id": 3,
                "original_name": filename,
                "content_type": content_type,
                "size": size,
                "sha256": sha256,
                "is_public": public,
                "created_at": "2026-12-08T11:48:09.215634+08:00",
            },
            status=201,
        ),
    ]


ACHIEVEMENTS_ATTACHMENTS_CREATE = _attachment(
    "achievements_attachments_create",
    "上传公开的成果简介（PDF）",
    filename="齿轮渗碳淬火变形控制技术-成果简介.pdf",
    content_type="application/pdf",
    size=1843219,
    sha256="9c2e4b7a10f35d68e2a1c94b07f6d3e58a2c71b09e4f6d83a5b2c07e1f9d4a62",
    public=True,
)


DEMANDS_ATTACHMENTS_CREATE = _attachment(
    "demands_attachments_create",
    "上传仅授权查阅的齿轮图纸",
    filename="变速箱从动齿轮图纸.pdf",
    content_type="application/pdf",
    size=764502,
    sha256="4e7d1a9c38b25f60d9e2b7a41c06f8e35b9d2a17c4e80f6b3a5d19c2e7f04b81",
    public=False,
)


CUSTODY_ASSETS_TO_MARKET = write_examples(
    "custody_assets_to_market",
    summary="把托管中的专利转为成果草稿，准备对外许可",
    request={"technology_field": "03", "trl": 7, "cooperation_modes": ["licence"]},
    response={
        "id": 12,
        "title": "一种汽车变速箱齿轮用防变形淬火夹具",
        "status": "draft",
        "cooperation_modes": ["licence"],
    },
    status=201,
)


ACHIEVEMENTS_MOVE_MARKET = write_examples(
    "achievements_move_market",
    summary="总运营方将成果转到鹿寨县工作站审核",
    request={"market_code": "luzhai"},
    response={**ACHIEVEMENT_REVIEW[-1].value, "home_market": "luzhai"},
)
DEMANDS_MOVE_MARKET = write_examples(
    "demands_move_market",
    summary="总运营方将需求转到来宾科技大市场",
    request={"market_code": "laibin"},
    response={**DEMAND_REVIEW[-1].value, "home_market": "laibin"},
)


BY_OPERATION = {
    "achievements_move_market": ACHIEVEMENTS_MOVE_MARKET,
    "demands_move_market": DEMANDS_MOVE_MARKET,
    "demands_create": DEMAND_CREATE,
    "achievements_create": ACHIEVEMENT_CREATE,
    "demands_submit": DEMAND_SUBMIT,
    "achievements_submit": ACHIEVEMENT_SUBMIT,
    "demands_review": DEMAND_REVIEW,
    "achievements_review": ACHIEVEMENT_REVIEW,
    "demands_update": DEMANDS_UPDATE,
    "achievements_update": ACHIEVEMENTS_UPDATE,
    "achievements_nda_requests_create": ACHIEVEMENTS_NDA_REQUESTS_CREATE,
    "demands_withdraw": DEMANDS_WITHDRAW,
    "demands_reopen": DEMANDS_REOPEN,
    "nda_requests_accept": NDA_REQUESTS_ACCEPT,
    "nda_requests_revoke": NDA_REQUESTS_REVOKE,
    "achievements_withdraw": ACHIEVEMENTS_WITHDRAW,
    "achievements_reopen": ACHIEVEMENTS_REOPEN,
    "achievements_mark_transferred": ACHIEVEMENTS_MARK_TRANSFERRED,
    "demands_mark_transferred": DEMANDS_MARK_TRANSFERRED,
    "demands_nda_requests_create": DEMANDS_NDA_REQUESTS_CREATE,
    "nda_requests_decline": NDA_REQUESTS_DECLINE,
    "achievements_upsert_by_external_id": ACHIEVEMENTS_UPSERT_BY_EXTERNAL_ID,
    "demands_upsert_by_external_id": DEMANDS_UPSERT_BY_EXTERNAL_ID,
    "achievements_import": ACHIEVEMENTS_IMPORT,
    "demands_import": DEMANDS_IMPORT,
    "achievements_attachments_create": ACHIEVEMENTS_ATTACHMENTS_CREATE,
    "demands_attachments_create": DEMANDS_ATTACHMENTS_CREATE,
}
