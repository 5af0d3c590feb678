from django.urls import URLPattern, URLResolver, path

from apps.subsidies import apis

urlpatterns: list[URLPattern | URLResolver] = [
    path("subsidies/policies", apis.PolicyListCreateApi.as_view(), name="subsidies-policies"),
    path("subsidies/policies/<int:pk>", apis.PolicyDetailApi.as_view(), name="subsidies-policy"),
    path("subsidies/policies/<int:pk>/activate", apis.PolicyActivateApi.as_view(), name="subsidies-policy-activate"),
    path("subsidies/policies/<int:pk>/retire", apis.PolicyRetireApi.as_view(), name="subsidies-policy-retire"),
    path("subsidies/rounds", apis.RoundListCreateApi.as_view(), name="subsidies-rounds"),
    path("subsidies/rounds/<int:pk>", apis.RoundDetailApi.as_view(), name="subsidies-round"),
    path("subsidies/claims", apis.ClaimListCreateApi.as_view(), name="subsidies-claims"),
    path("subsidies/claims/<int:pk>", apis.ClaimDetailApi.as_view(), name="subsidies-claim"),
    path("subsidies/claims/<int:pk>/review", apis.ClaimReviewApi.as_view(), name="subsidies-claim-review"),
    path("subsidies/claims/<int:pk>/decide", apis.ClaimDecideApi.as_view(), name="subsidies-claim-decide"),
    path("subsidies/claims/<int:pk>/disburse", apis.ClaimDisburseApi.as_view(), name="subsidies-claim-disburse"),
]
