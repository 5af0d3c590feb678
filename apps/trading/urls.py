"""Trading: listed sales (挂牌) with public notice, objections, auctions (竞价), deposits and bids."""

from django.urls import URLPattern, path

from apps.trading import apis

urlpatterns: list[URLPattern] = [
    path("trading/sales", apis.SaleListCreateApi.as_view(), name="trading-sales"),
    path("trading/sales/<int:sale_id>", apis.SaleDetailApi.as_view(), name="trading-sale-detail"),
    path("trading/sales/<int:sale_id>/withdraw", apis.SaleWithdrawApi.as_view(), name="trading-sale-withdraw"),
    path("trading/sales/<int:sale_id>/accept", apis.SaleAcceptApi.as_view(), name="trading-sale-accept"),
    path("trading/sales/<int:sale_id>/close", apis.SaleCloseApi.as_view(), name="trading-sale-close"),
    path(
        "trading/sales/<int:sale_id>/objections",
        apis.SaleObjectionListCreateApi.as_view(),
        name="trading-sale-objections",
    ),
    path("trading/sales/<int:sale_id>/deposits", apis.SaleDepositListCreateApi.as_view(), name="trading-sale-deposits"),
    path("trading/sales/<int:sale_id>/bids", apis.SaleBidListCreateApi.as_view(), name="trading-sale-bids"),
    path(
        "trading/objections/<int:objection_id>/resolve",
        apis.ObjectionResolveApi.as_view(),
        name="trading-objection-resolve",
    ),
    path("trading/deposits/<int:deposit_id>/confirm", apis.DepositConfirmApi.as_view(), name="trading-deposit-confirm"),
    path("trading/deposits/<int:deposit_id>/forfeit", apis.DepositForfeitApi.as_view(), name="trading-deposit-forfeit"),
    path("trading/notices", apis.NoticeListApi.as_view(), name="trading-notices"),
    path("trading/results", apis.ResultListApi.as_view(), name="trading-results"),
]
