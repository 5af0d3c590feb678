from django.urls import URLPattern, URLResolver, path

from apps.matching.apis import (
    AchievementMatchListApi,
    DemandMatchListApi,
    MatchDetailApi,
    MatchFeedbackApi,
    MatchIndexStatusApi,
    MatchQualityReportApi,
)

urlpatterns: list[URLPattern | URLResolver] = [
    path("demands/<int:pk>/matches", DemandMatchListApi.as_view(), name="demands-matches"),
    path("achievements/<int:pk>/matches", AchievementMatchListApi.as_view(), name="achievements-matches"),
    path("matches/<int:pk>", MatchDetailApi.as_view(), name="match-detail"),
    path("matches/<int:pk>/feedback", MatchFeedbackApi.as_view(), name="match-feedback"),
    path("matching/index-status", MatchIndexStatusApi.as_view(), name="matching-index-status"),
    path("matching/quality-report", MatchQualityReportApi.as_view(), name="matching-quality-report"),
]
