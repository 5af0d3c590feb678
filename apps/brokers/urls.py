from django.urls import path

from apps.brokers import apis

urlpatterns = [
    path("brokers", apis.BrokerListCreateApi.as_view(), name="brokers"),
    path("brokers/<int:broker_id>", apis.BrokerDetailApi.as_view(), name="broker-detail"),
    path("brokers/<int:broker_id>/verify", apis.BrokerVerifyApi.as_view(), name="broker-verify"),
    path("introductions", apis.IntroductionListCreateApi.as_view(), name="introductions"),
    path("introductions/<int:introduction_id>", apis.IntroductionDetailApi.as_view(), name="introduction-detail"),
]
