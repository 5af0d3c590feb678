from django.urls import URLPattern, URLResolver, path

from apps.experts import apis

urlpatterns: list[URLPattern | URLResolver] = [
    path("experts", apis.ExpertListCreateApi.as_view(), name="experts"),
    path("experts/<int:pk>/conflicts", apis.ExpertConflictCreateApi.as_view(), name="expert-conflicts"),
    path("expert-reviews", apis.ReviewListCreateApi.as_view(), name="expert-reviews"),
    path("expert-reviews/<int:pk>", apis.ReviewDetailApi.as_view(), name="expert-review"),
    path("expert-reviews/<int:pk>/panel", apis.ReviewPanelApi.as_view(), name="expert-review-panel"),
    path("expert-reviews/<int:pk>/scores", apis.ReviewScoresApi.as_view(), name="expert-review-scores"),
    path("expert-reviews/<int:pk>/results", apis.ReviewResultsApi.as_view(), name="expert-review-results"),
]
