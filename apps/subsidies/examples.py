"""Request and response examples for the schema, realistic and in Chinese."""

from __future__ import annotations

from apps.core.examples import write_examples

_RULES = {
    "claimant_role": "buyer",
    "shares": {"transfer": "0.1", "development": "0.05"},
    "min_paid_technology_amount": "300000.00",
    "cap_per_contract": "500000.00",
    "cap_per_enterprise_year": "1000000.00",
    "require_registered": True,
    "claimant_region_prefixes": ["4502"],
    "counterparty_location": "any",
    "city_region_prefix": "4502",
}
_POLICY = {
    "id": 3,
    "name": "柳州市技术交易后补助",
    "version": "2027-01",
    "effective_from": "2027-01-01",
    "effective_until": "2027-12-31",
    "status": "draft",
    "rules": _RULES,
    "source_document": "柳科规〔2027〕1号（演示）",
    "created_at": "2026-12-20T09:30:00.000000+08:00",
}

SUBSIDIES_POLICIES_CREATE = write_examples(
    "subsidies_policies_create",
    summary="技术转让按实际支付技术交易额的10%补助，单个合同最高50万元",
    request={
        "name": "柳州市技术交易后补助",
        "version": "2027-01",
        "effective_from": "2027-01-01",
        "effective_until": "2027-12-31",
        "rules": _RULES,
        "source_document": "柳科规〔2027〕1号（演示）",
    },
    response=_POLICY,
    status=201,
)

SUBSIDIES_ROUNDS_CREATE = write_examples(
    "subsidies_rounds_create",
    summary="2027 年第一批技术交易后补助申报",
    request={
        "policy_id": 3,
        "name": "2027年第一批技术交易后补助",
        "opens_on": "2027-03-01",
        "closes_on": "2027-04-30",
        "budget": "5000000.00",
    },
    response={
        "id": 5,
        "policy": {**_POLICY, "status": "active"},
        "name": "2027年第一批技术交易后补助",
        "opens_on": "2027-03-01",
        "closes_on": "2027-04-30",
        "budget": "5000000.00",
    },
    status=201,
)

_CLAIM = {
    "id": 9,
    "round_id": 5,
    "policy_id": 3,
    "policy_version": "2027-01",
    "enterprise": {"id": 6, "name": "柳州精工齿轮有限公司"},
    "status": "submitted",
    "year": 2027,
    "computed_amount": "64000.00",
    "approved_amount": None,
    "decision_note": "",
    "breakdown": {
        "policy": {"id": 3, "name": "柳州市技术交易后补助", "version": "2027-01", "rules": _RULES},
        "already_granted_this_year": "0.00",
        "enterprise_cap_remaining_before": "1000000.00",
        "lines": [
            {
                "contract_id": 41,
                "eligible": True,
                "reasons": [],
                "base": "640000.00",
                "share": "0.1",
                "raw": "64000.00",
                "after_contract_cap": "64000.00",
                "amount": "64000.00",
            }
        ],
        "total": "64000.00",
    },
    "disbursement": None,
    "created_at": "2027-03-12T10:02:11.000000+08:00",
    "decided_at": None,
}

SUBSIDIES_CLAIMS_CREATE = write_examples(
    "subsidies_claims_create",
    summary="企业就已登记、已付款的技术转让合同申报后补助",
    request={"round_id": 5, "enterprise_id": 6, "contract_ids": [41]},
    response=_CLAIM,
    status=201,
)

SUBSIDIES_CLAIMS_DECIDE = write_examples(
    "subsidies_claims_decide",
    summary="核减后批准：部分价款凭证不全",
    request={"decision": "approve", "approved_amount": "60000.00", "note": "第二笔付款凭证不全，核减4000元。"},
    response={
        **_CLAIM,
        "status": "approved",
        "approved_amount": "60000.00",
        "decision_note": "第二笔付款凭证不全，核减4000元。",
        "decided_at": "2027-05-10T15:00:00.000000+08:00",
    },
)

SUBSIDIES_CLAIMS_DISBURSE = write_examples(
    "subsidies_claims_disburse",
    summary="财政拨付到账",
    request={"paid_on": "2027-06-01", "reference": "LZCZ-2027-000123", "amount": "60000.00"},
    response={
        **_CLAIM,
        "status": "disbursed",
        "approved_amount": "60000.00",
        "decision_note": "第二笔付款凭证不全，核减4000元。",
        "decided_at": "2027-05-10T15:00:00.000000+08:00",
        "disbursement": {
            "amount": "60000.00",
            "paid_on": "2027-06-01",
            "reference": "LZCZ-2027-000123",
            "created_at": "2027-06-01T16:20:00.000000+08:00",
        },
    },
)


SUBSIDIES_POLICIES_ACTIVATE = write_examples(
    "subsidies_policies_activate", summary="政策版本生效", response={**_POLICY, "status": "active"}
)

SUBSIDIES_POLICIES_RETIRE = write_examples(
    "subsidies_policies_retire", summary="旧版本废止，已测算的申请不受影响", response={**_POLICY, "status": "retired"}
)

SUBSIDIES_CLAIMS_REVIEW = write_examples(
    "subsidies_claims_review", summary="受理申请，进入审核", response={**_CLAIM, "status": "under_review"}
)
