from django.urls import URLPattern, URLResolver, path

from apps.stats import aftercare_apis, apis, drilldown_apis, open_data_apis

urlpatterns: list[URLPattern | URLResolver] = [
    path("stats/report", apis.StatsReportApi.as_view(), name="stats-report"),
    path(
        "stats/report/cell/contracts",
        drilldown_apis.StatsCellContractsApi.as_view(),
        name="stats-report-cell-contracts",
    ),
    path("stats/aftercare", aftercare_apis.StatsAftercareApi.as_view(), name="stats-aftercare"),
    path("open-data/market-figures", open_data_apis.MarketFiguresApi.as_view(), name="open-data-market-figures"),
]
