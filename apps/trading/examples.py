"""Request and response examples for the schema (OpenApiExample), realistic and in Chinese; checked against
their schemas by tests/core/test_schema_examples.py."""

from __future__ import annotations

from typing import Any

from apps.core.examples import write_examples

_SALE: dict[str, Any] = {
    "id": 7,
    "mode": "fixed_price",
    "mode_display": "挂牌转让",
    "status": "listed",
    "status_display": "挂牌中",
    "phase": "notice",
    "achievement_id": 12,
    "title": "一种汽车变速箱齿轮渗碳淬火变形控制方法（发明专利）",
    "seller_id": 3,
    "seller_name": "广西科技大学",
    "seller_type": "university",
    "price": "800000.00",
    "notice_days": 15,
    "notice_starts_at": "2026-12-08T09:30:00+08:00",
    "notice_ends_at": "2026-12-23T09:30:00+08:00",
    "objection_pending": False,
    "reserve_price": None,
    "reserve_met": None,
    "increment": None,
    "deposit_amount": None,
    "starts_at": None,
    "ends_at": None,
    "scheduled_ends_at": None,
    "extension_minutes": 0,
    "extension_count": 0,
    "current_price": None,
    "minimum_bid": None,
    "bid_count": 0,
    "bidder_count": 0,
    "leader_number": None,
    "buyer_id": None,
    "buyer_name": None,
    "final_price": None,
    "deal_id": None,
    "closed_at": None,
    "closing_note": "",
    "created_at": "2026-12-08T09:30:00.412300+08:00",
    "updated_at": "2026-12-08T09:30:00.412300+08:00",
}
_SOLD = {
    **_SALE,
    "status": "sold",
    "status_display": "已成交",
    "phase": "sold",
    "buyer_id": 5,
    "buyer_name": "柳州五菱汽车零部件有限公司",
    "final_price": "800000.00",
    "deal_id": 21,
    "closed_at": "2026-12-23T10:02:41.117000+08:00",
    "updated_at": "2026-12-23T10:02:41.117000+08:00",
}
_AUCTION: dict[str, Any] = {
    **_SALE,
    "id": 8,
    "mode": "auction",
    "mode_display": "竞价（拍卖）",
    "reserve_price": "1000000.00",
    "increment": "10000.00",
    "deposit_amount": "50000.00",
    "price": "600000.00",
    "starts_at": "2026-12-23T09:30:00+08:00",
    "ends_at": "2026-12-25T17:00:00+08:00",
    "scheduled_ends_at": "2026-12-25T17:00:00+08:00",
    "extension_minutes": 5,
    "minimum_bid": "600000.00",
}
_BIDDING = {
    **_AUCTION,
    "phase": "bidding",
    "reserve_price": None,
    "reserve_met": False,
    "current_price": "650000.00",
    "minimum_bid": "660000.00",
    "bid_count": 3,
    "bidder_count": 3,
    "leader_number": 2,
    "updated_at": "2026-12-24T15:12:08.530100+08:00",
}
_DEPOSIT = {
    "id": 31,
    "sale_id": 8,
    "bidder_number": 2,
    "organization_id": 5,
    "organization_name": "柳州五菱汽车零部件有限公司",
    "amount": "50000.00",
    "status": "pending",
    "status_display": "待确认到账",
    "payment_reference": "GX20261220-0088",
    "confirmed_at": None,
    "settled_at": None,
    "note": "",
    "created_at": "2026-12-20T10:11:12.000000+08:00",
}
_OBJECTION = {
    "id": 4,
    "sale_id": 7,
    "organization_id": 9,
    "organization_name": "柳州市精工热处理有限公司",
    "filed_by_name": "王工",
    "reason": "该方法与我公司2019年在先使用的工艺相同，专利权属存在争议。",
    "evidence": "2019年热处理工艺卡及生产记录（编号RC-2019-031）。",
    "status": "pending",
    "status_display": "待处理",
    "resolution": "",
    "resolved_at": None,
    "created_at": "2026-12-12T14:20:05.000000+08:00",
}

TRADING_SALES_CREATE = write_examples(
    "trading_sales_create",
    summary="广西科技大学将发明专利挂牌转让，公示15天",
    request={"achievement_id": 12, "mode": "fixed_price", "price": "800000.00", "notice_days": 15},
    response=_SALE,
    status=201,
)
TRADING_SALES_WITHDRAW = write_examples(
    "trading_sales_withdraw",
    summary="卖方在成交前撤牌",
    request={"reason": "学校决定改为作价投资方式转化。"},
    response={
        **_SALE,
        "status": "withdrawn",
        "status_display": "已撤牌",
        "phase": "withdrawn",
        "closed_at": "2026-12-15T11:00:00+08:00",
        "closing_note": "学校决定改为作价投资方式转化。",
    },
)
TRADING_SALES_ACCEPT = write_examples(
    "trading_sales_accept",
    summary="公示期满后，柳州五菱汽车零部件有限公司按挂牌价摘牌",
    request={"organization_id": 5},
    response=_SOLD,
)
TRADING_SALES_OBJECTIONS_CREATE = write_examples(
    "trading_sales_objections_create",
    summary="公示期内提出异议",
    request={"reason": _OBJECTION["reason"], "evidence": _OBJECTION["evidence"], "organization_id": 9},
    response=_OBJECTION,
    status=201,
)
TRADING_OBJECTIONS_RESOLVE = write_examples(
    "trading_objections_resolve",
    summary="运营方驳回异议，挂牌继续",
    request={"decision": "dismiss", "resolution": "经核查，在先使用工艺与专利技术方案不同，异议不成立。"},
    response={
        **_OBJECTION,
        "status": "dismissed",
        "status_display": "已驳回",
        "resolution": "经核查，在先使用工艺与专利技术方案不同，异议不成立。",
        "resolved_at": "2026-12-16T09:00:00+08:00",
    },
)
TRADING_SALES_DEPOSITS_CREATE = write_examples(
    "trading_sales_deposits_create",
    summary="报名竞买并登记保证金汇款",
    request={"organization_id": 5, "payment_reference": "GX20261220-0088"},
    response=_DEPOSIT,
    status=201,
)
TRADING_DEPOSITS_CONFIRM = write_examples(
    "trading_deposits_confirm",
    summary="运营方确认保证金到账",
    request={"payment_reference": "GX20261220-0088"},
    response={
        **_DEPOSIT,
        "status": "held",
        "status_display": "已冻结",
        "confirmed_at": "2026-12-20T15:00:00+08:00",
    },
)
TRADING_DEPOSITS_FORFEIT = write_examples(
    "trading_deposits_forfeit",
    summary="竞得人逾期未签约，保证金不予退还",
    request={"reason": "竞得人未在成交后10个工作日内签订技术转让合同。"},
    response={
        **_DEPOSIT,
        "status": "forfeited",
        "status_display": "已没收",
        "confirmed_at": "2026-12-20T15:00:00+08:00",
        "settled_at": "2027-01-12T10:00:00+08:00",
        "note": "竞得人未在成交后10个工作日内签订技术转让合同。",
    },
)
TRADING_SALES_BIDS_CREATE = write_examples(
    "trading_sales_bids_create",
    summary="2号竞买人出价65万元，并设置代理最高价80万元",
    request={"amount": "650000.00", "max_amount": "800000.00"},
    response={
        "sale": _BIDDING,
        "bids": [
            {
                "sequence": 3,
                "bidder_number": 2,
                "amount": "650000.00",
                "is_proxy": False,
                "placed_at": "2026-12-24T15:12:08.530100+08:00",
                "mine": True,
                "organization_name": None,
            }
        ],
        "bidder_number": 2,
        "leading": True,
    },
    status=201,
)
TRADING_SALES_CLOSE = write_examples(
    "trading_sales_close",
    summary="竞价结束，达到保留价，2号竞买人竞得",
    response={
        **_BIDDING,
        "status": "sold",
        "status_display": "已成交",
        "phase": "sold",
        "reserve_price": "1000000.00",
        "reserve_met": True,
        "current_price": "1020000.00",
        "minimum_bid": None,
        "bid_count": 14,
        "buyer_id": 5,
        "buyer_name": "柳州五菱汽车零部件有限公司",
        "final_price": "1020000.00",
        "deal_id": 22,
        "closed_at": "2026-12-25T17:06:00+08:00",
    },
)
