"""HTTP for trading: listed sales and notices (:mod:`.sales`), auctions (:mod:`.auctions`)."""

from apps.trading.apis.auctions import (
    DepositConfirmApi,
    DepositForfeitApi,
    SaleBidListCreateApi,
    SaleCloseApi,
    SaleDepositListCreateApi,
)
from apps.trading.apis.sales import (
    NoticeListApi,
    ObjectionResolveApi,
    ResultListApi,
    SaleAcceptApi,
    SaleDetailApi,
    SaleListCreateApi,
    SaleObjectionListCreateApi,
    SaleWithdrawApi,
)

__all__ = [
    "DepositConfirmApi",
    "DepositForfeitApi",
    "NoticeListApi",
    "ObjectionResolveApi",
    "ResultListApi",
    "SaleAcceptApi",
    "SaleBidListCreateApi",
    "SaleCloseApi",
    "SaleDepositListCreateApi",
    "SaleDetailApi",
    "SaleListCreateApi",
    "SaleObjectionListCreateApi",
    "SaleWithdrawApi",
]
