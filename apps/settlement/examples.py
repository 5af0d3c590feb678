"""Request and response examples for the schema (OpenApiExample), realistic and in Chinese; checked
against their schemas by tests/core/test_schema_examples.py."""

from __future__ import annotations

from apps.core.examples import write_examples

_MILESTONE = {
    "id": 1,
    "contract_id": 1,
    "payment_milestone_id": 1,
    "title": "中试线调试验收",
    "amount": "300000.00",
    "due_on": "2027-03-31",
    "acceptance_criteria": "中试线连续运行 72 小时，渗碳层深度偏差不超过 ±0.1 mm",
    "status": "awaiting_funds",
    "deposited": "0.00",
    "held": "0.00",
    "dispute_reason": "",
    "decided_at": None,
}

SETTLEMENT_MILESTONES_CREATE = write_examples(
    "settlement_milestones_create",
    summary="约定由平台托管的中试验收节点",
    request={
        "title": "中试线调试验收",
        "amount": "300000.00",
        "due_on": "2027-03-31",
        "acceptance_criteria": "中试线连续运行 72 小时，渗碳层深度偏差不超过 ±0.1 mm",
    },
    response=_MILESTONE,
    status=201,
)

SETTLEMENT_DEPOSITS_CREATE = write_examples(
    "settlement_deposits_create",
    summary="买方将节点款存入平台托管账户",
    request={"amount": "300000.00", "external_reference": "ICBC-20261208-0042", "note": "中试验收节点款"},
    response={
        "id": 1,
        "contract_id": 1,
        "milestone_id": 1,
        "kind": "deposit",
        "amount": "300000.00",
        "external_reference": "ICBC-20261208-0042",
        "payment_id": None,
        "note": "中试验收节点款",
        "created_at": "2026-12-08T10:15:00+08:00",
        "lines": [
            {"account": "escrow_held", "debit": "300000.00", "credit": "0.00"},
            {"account": "buyer_funds", "debit": "0.00", "credit": "300000.00"},
        ],
    },
    status=201,
)

SETTLEMENT_MILESTONES_ACCEPT = write_examples(
    "settlement_milestones_accept",
    summary="买方验收通过，托管款放给卖方",
    request={"note": "验收合格"},
    response={**_MILESTONE, "status": "released", "deposited": "300000.00", "decided_at": "2027-03-28T16:00:00+08:00"},
)

SETTLEMENT_MILESTONES_DISPUTE = write_examples(
    "settlement_milestones_dispute",
    summary="买方对验收结果提出异议",
    request={"reason": "渗碳层深度偏差超过约定"},
    response={
        **_MILESTONE,
        "status": "disputed",
        "deposited": "300000.00",
        "held": "300000.00",
        "dispute_reason": "渗碳层深度偏差超过约定",
    },
)

SETTLEMENT_MILESTONES_REFUND = write_examples(
    "settlement_milestones_refund",
    summary="卖方放弃该节点，托管款退回买方",
    request={"note": "双方协商取消该节点"},
    response={**_MILESTONE, "status": "refunded", "deposited": "300000.00", "decided_at": "2027-04-02T09:30:00+08:00"},
)

SETTLEMENT_MILESTONES_RESOLVE = write_examples(
    "settlement_milestones_resolve",
    summary="运营方调解后裁定退款",
    request={"outcome": "refund", "note": "经专家复验未达标"},
    response={**_MILESTONE, "status": "refunded", "deposited": "300000.00", "decided_at": "2027-04-10T11:00:00+08:00"},
)

IMPLEMENTATION_REPORTS_CREATE = write_examples(
    "implementation_reports_create",
    summary="买方报告中试阶段成效",
    request={
        "stage": "pilot",
        "period_start": "2026-07-01",
        "period_end": "2026-09-30",
        "revenue": "1200000.00",
        "output_value": "1800000.00",
        "jobs_created": 12,
        "units_produced": 3000,
        "note": "中试线投产，齿轮寿命提升 30%",
    },
    response={
        "id": 1,
        "contract_id": 1,
        "stage": "pilot",
        "period_start": "2026-07-01",
        "period_end": "2026-09-30",
        "revenue": "1200000.00",
        "output_value": "1800000.00",
        "jobs_created": 12,
        "units_produced": 3000,
        "note": "中试线投产，齿轮寿命提升 30%",
        "reported_by_id": 1,
        "created_at": "2026-10-10T09:00:00+08:00",
    },
    status=201,
)

ROYALTY_TERM_CREATE = write_examples(
    "royalty_term_create",
    summary="按净销售额 5% 加每件 2 元提成，年最低 20 万元，按季度报告",
    request={
        "rate_percent": "5.000",
        "per_unit_fee": "2.00",
        "minimum_annual": "200000.00",
        "period": "quarter",
        "starts_on": "2026-01-01",
        "due_days": 30,
    },
    response={
        "id": 1,
        "contract_id": 1,
        "rate_percent": "5.000",
        "per_unit_fee": "2.00",
        "minimum_annual": "200000.00",
        "period": "quarter",
        "starts_on": "2026-01-01",
        "due_days": 30,
    },
    status=201,
)

_REPORT = {
    "id": 1,
    "contract_id": 1,
    "period_index": 1,
    "period_start": "2026-01-01",
    "period_end": "2026-03-31",
    "net_sales": "600000.00",
    "units_sold": 5000,
    "running_amount": "40000.00",
    "minimum_top_up": "0.00",
    "amount_due": "40000.00",
    "due_on": "2026-04-30",
    "status": "submitted",
    "dispute_reason": "",
    "paid": "0.00",
}

ROYALTY_REPORTS_CREATE = write_examples(
    "royalty_reports_create",
    summary="被许可方报告第一季度销售额",
    request={"period_index": 1, "net_sales": "600000.00", "units_sold": 5000},
    response=_REPORT,
    status=201,
)

ROYALTY_REPORTS_ACKNOWLEDGE = write_examples(
    "royalty_reports_acknowledge",
    summary="许可方确认销售报告",
    request={},
    response={**_REPORT, "status": "acknowledged"},
)

ROYALTY_REPORTS_DISPUTE = write_examples(
    "royalty_reports_dispute",
    summary="许可方对销售额提出异议",
    request={"reason": "销售额与增值税发票金额不符"},
    response={**_REPORT, "status": "disputed", "dispute_reason": "销售额与增值税发票金额不符"},
)

ROYALTY_REPORTS_CORRECT = write_examples(
    "royalty_reports_correct",
    summary="被许可方按发票更正销售额",
    request={"net_sales": "580000.00", "units_sold": 5000},
    response={**_REPORT, "net_sales": "580000.00", "running_amount": "39000.00", "amount_due": "39000.00"},
)

ROYALTY_PAYMENTS_CREATE = write_examples(
    "royalty_payments_create",
    summary="被许可方支付第一季度提成",
    request={"amount": "40000.00", "paid_on": "2026-04-20", "reference": "BOC-20260420-0007"},
    response={"id": 1, "report_id": 1, "payment_id": 3, "amount": "40000.00", "paid_on": "2026-04-20"},
    status=201,
)

DISTRIBUTION_SCHEMES_CREATE = write_examples(
    "distribution_schemes_create",
    summary="学校成果转化收益分配方案：团队 70%，学院 15%，学校 15%",
    request={
        "name": "广西科技大学科技成果转化收益分配办法（2026）",
        "effective_from": "2026-01-01",
        "min_researcher_percent": "70.00",
        "shares": [
            {"kind": "researcher", "name": "李明（项目负责人）", "user_id": None, "percent": "50.00"},
            {"kind": "researcher", "name": "王芳", "user_id": None, "percent": "20.00"},
            {"kind": "department", "name": "机械与汽车工程学院", "user_id": None, "percent": "15.00"},
            {"kind": "institution", "name": "广西科技大学", "user_id": None, "percent": "15.00"},
        ],
    },
    response={
        "id": 1,
        "organization_id": 2,
        "version": 1,
        "name": "广西科技大学科技成果转化收益分配办法（2026）",
        "effective_from": "2026-01-01",
        "min_researcher_percent": "70.00",
        "shares": [
            {"id": 1, "kind": "researcher", "name": "李明（项目负责人）", "user_id": None, "percent": "50.00"},
            {"id": 2, "kind": "researcher", "name": "王芳", "user_id": None, "percent": "20.00"},
            {"id": 3, "kind": "department", "name": "机械与汽车工程学院", "user_id": None, "percent": "15.00"},
            {"id": 4, "kind": "institution", "name": "广西科技大学", "user_id": None, "percent": "15.00"},
        ],
    },
    status=201,
)

INCOME_ALLOCATIONS_CREATE = write_examples(
    "income_allocations_create",
    summary="按分配方案拆分一笔转让款",
    request={"payment_id": 3},
    response={
        "id": 1,
        "payment_id": 3,
        "contract_id": 1,
        "scheme_id": 1,
        "organization_id": 2,
        "income_source": "transfer_price",
        "kind": "researcher",
        "name": "李明（项目负责人）",
        "user_id": None,
        "percent": "50.00",
        "amount": "150000.00",
        "received_on": "2026-12-08",
    },
    status=201,
)
