from django.urls import URLPattern, URLResolver, path

from apps.markets import apis

urlpatterns: list[URLPattern | URLResolver] = [
    path("markets", apis.MarketListCreateApi.as_view(), name="markets"),
    path("markets/<slug:code>", apis.MarketDetailApi.as_view(), name="market"),
    path("markets/<slug:code>/operators", apis.MarketOperatorListCreateApi.as_view(), name="market-operators"),
    path(
        "markets/<slug:code>/operators/<int:user_id>",
        apis.MarketOperatorDetailApi.as_view(),
        name="market-operator",
    ),
]
