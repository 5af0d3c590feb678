"""Request and response examples for the schema (OpenApiExample), realistic and in Chinese; recorded from
the business path and checked against their schemas by tests/core/test_schema_examples.py."""

from __future__ import annotations

from apps.core.examples import write_examples

_OWNER = {"id": 6, "name": "柳州精工齿轮有限公司"}
_CUSTODIAN = {"id": 11, "name": "柳州市知识产权运营服务中心"}

_AGREEMENT = {
    "id": 4,
    "owner": _OWNER,
    "custodian": _CUSTODIAN,
    "start_date": "2027-01-01",
    "end_date": "2027-12-31",
    "service_level": "pay_annuities",
    "fee": "3600.00",
    "status": "draft",
    "note": "托管 3 件有效专利的年费缴纳与提醒。",
    "asset_count": 3,
    "started_at": None,
    "ended_at": None,
    "created_at": "2026-12-08T14:10:36.512094+08:00",
}

CUSTODY_AGREEMENTS_CREATE = write_examples(
    "custody_agreements_create",
    summary="柳州精工齿轮有限公司将 3 件专利的年费托管给运营服务中心",
    request={
        "owner_id": 6,
        "custodian_id": 11,
        "start_date": "2027-01-01",
        "end_date": "2027-12-31",
        "service_level": "pay_annuities",
        "fee": "3600.00",
        "assets": [
            {"asset_id": 17, "reduction_share": "0.8500", "reduction_years": 10, "paid_through_year": 3},
            {"asset_id": 18, "paid_through_year": 2},
            {"asset_id": 21, "paid_through_year": 5},
        ],
        "note": "托管 3 件有效专利的年费缴纳与提醒。",
    },
    response=_AGREEMENT,
    status=201,
)


CUSTODY_AGREEMENTS_START = write_examples(
    "custody_agreements_start",
    summary="双方确认后托管协议生效",
    response={**_AGREEMENT, "status": "active", "started_at": "2027-01-01T09:00:12.083361+08:00"},
    status=200,
)


CUSTODY_AGREEMENTS_RENEW = write_examples(
    "custody_agreements_renew",
    summary="协议续签一年，服务费不变",
    request={"end_date": "2028-12-31", "note": "续签 2028 年度。"},
    response={
        **_AGREEMENT,
        "status": "active",
        "end_date": "2028-12-31",
        "note": "续签 2028 年度。",
        "started_at": "2027-01-01T09:00:12.083361+08:00",
    },
    status=200,
)


CUSTODY_AGREEMENTS_END = write_examples(
    "custody_agreements_end",
    summary="企业自行管理专利，提前终止托管",
    request={"note": "企业已设立知识产权专员，自行缴纳年费。"},
    response={
        **_AGREEMENT,
        "status": "ended",
        "note": "企业已设立知识产权专员，自行缴纳年费。",
        "started_at": "2027-01-01T09:00:12.083361+08:00",
        "ended_at": "2027-06-30T17:30:45.661207+08:00",
    },
    status=200,
)


_ASSET_BRIEF = {
    "id": 17,
    "kind": "utility_model",
    "title": "一种汽车变速箱齿轮用防变形淬火夹具",
    "application_number": "202321458736.4",
    "patent_number": "ZL202321458736.4",
    "registration_number": "",
    "legal_status": "granted",
}

CUSTODY_ASSETS_UPDATE = write_examples(
    "custody_assets_update",
    summary="登记年费减缴（85%，自第 4 年起 10 年）",
    request={"reduction_share": "0.8500", "reduction_years": 10, "reason": "企业获批专利年费减缴，见国知局通知书。"},
    response={
        "id": 9,
        "agreement_id": 4,
        "asset": _ASSET_BRIEF,
        "active": True,
        "reduction_share": "0.8500",
        "reduction_years": 10,
        "paid_through_year": 3,
        "next_year": 4,
        "next_due_date": "2027-06-09",
        "grace_deadline": "2027-12-09",
        "next_fee": "135.00",
        "next_reminder_on": "2027-05-10",
    },
    status=200,
)


CUSTODY_ASSETS_PAYMENTS_CREATE = write_examples(
    "custody_assets_payments_create",
    summary="按期缴纳第 4 年年费（减缴后 135 元）",
    request={"year": 4, "amount": "135.00", "paid_on": "2027-05-20", "receipt_number": "GZJ2027052000318"},
    response={
        "id": 31,
        "asset_id": 17,
        "year": 4,
        "amount": "135.00",
        "paid_on": "2027-05-20",
        "receipt_number": "GZJ2027052000318",
        "amount_owed": "135.00",
        "late_fee": "0.00",
        "shortfall": "0.00",
        "underpaid": False,
        "restoration": False,
        "code": "on_time",
        "created_at": "2027-05-20T10:26:03.771845+08:00",
    },
    status=201,
)


CUSTODY_CALENDAR_FEED_ROTATE = write_examples(
    "custody_calendar_feed_rotate",
    summary="生成新的年费日历订阅地址（旧地址失效）",
    response={"url": "https://kj.liuzhou.gov.cn/api/v1/custody/calendar/k7Qm2XvR9pLw4NcT8bZs1HyE6dFj3GaU.ics"},
    status=201,
)


_PLEDGE = {
    "id": 2,
    "asset": _ASSET_BRIEF,
    "owner": {"id": 6, "name": "柳州精工齿轮有限公司"},
    "pledgors": [{"organization_id": 6, "name": "柳州精工齿轮有限公司"}],
    "pledgee_organization": {"id": 31, "name": "柳州银行股份有限公司城中支行"},
    "pledgee_name": "柳州银行股份有限公司城中支行",
    "secured_amount": "3000000.00",
    "term_start": "2027-03-01",
    "term_end": "2028-02-29",
    "registration_date": "2027-03-06",
    "registration_number": "Y2027450000123",
    "status": "active",
    "released_on": None,
    "release_reason": "",
    "next_annuity_year": 6,
    "next_annuity_due": "2027-08-14",
    "next_annuity_grace": "2028-02-14",
    "created_at": "2027-03-07T09:45:18.226519+08:00",
}

CUSTODY_PLEDGES_CREATE = write_examples(
    "custody_pledges_create",
    summary="以实用新型专利向柳州银行质押融资 300 万元",
    request={
        "asset_id": 17,
        "pledgors": [{"organization_id": 6, "name": "柳州精工齿轮有限公司"}],
        "pledgee_organization_id": 31,
        "secured_amount": "3000000.00",
        "term_start": "2027-03-01",
        "term_end": "2028-02-29",
        "registration_date": "2027-03-06",
        "registration_number": "Y2027450000123",
    },
    response=_PLEDGE,
    status=201,
)


CUSTODY_PLEDGES_RELEASE = write_examples(
    "custody_pledges_release",
    summary="贷款还清，办理质押注销",
    request={"released_on": "2028-02-20", "reason": "贷款已还清"},
    response={**_PLEDGE, "status": "released", "released_on": "2028-02-20", "release_reason": "贷款已还清"},
    status=200,
)


CUSTODY_PLEDGE_CONSENTS_CREATE = write_examples(
    "custody_pledge_consents_create",
    summary="质权人同意将出质专利转让给指定受让方",
    request={"action": "transfer", "counterparty_id": 12, "contract_id": None, "note": "转让价款优先偿还贷款"},
    response={
        "id": 4,
        "pledge_id": 2,
        "action": "transfer",
        "counterparty": {"id": 12, "name": "柳州市恒达机械有限公司"},
        "contract_id": None,
        "note": "转让价款优先偿还贷款",
        "granted_by_id": 45,
        "at": "2027-09-02T10:12:40.118201+08:00",
    },
    status=201,
)
