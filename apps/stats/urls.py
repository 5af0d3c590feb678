from django.urls import URLPattern, URLResolver, path

from apps.stats import apis

urlpatterns: list[URLPattern | URLResolver] = [
    path("stats/report", apis.StatsReportApi.as_view(), name="stats-report"),
]
