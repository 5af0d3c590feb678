from django.urls import path

from apps.deals import apis

urlpatterns = [
    path("deals", apis.DealListCreateApi.as_view(), name="deals"),
    path("deals/<int:deal_id>", apis.DealDetailApi.as_view(), name="deal-detail"),
    path("deals/<int:deal_id>/advance", apis.DealAdvanceApi.as_view(), name="deal-advance"),
    path("deals/<int:deal_id>/brokers", apis.DealBrokerAddApi.as_view(), name="deal-brokers"),
    path("deals/<int:deal_id>/brokers/<int:broker_id>", apis.DealBrokerRemoveApi.as_view(), name="deal-broker-remove"),
    path("deals/<int:deal_id>/activities", apis.DealActivityListCreateApi.as_view(), name="deal-activities"),
    path("deals/<int:deal_id>/history", apis.DealHistoryApi.as_view(), name="deal-history"),
]
