from django.urls import path

from apps.webhooks import apis

urlpatterns = [
    path("webhooks/event-types", apis.WebhookEventTypesApi.as_view(), name="webhook-event-types"),
    path("webhooks/subscriptions", apis.WebhookSubscriptionListCreateApi.as_view(), name="webhook-subscriptions"),
    path(
        "webhooks/subscriptions/<int:subscription_id>",
        apis.WebhookSubscriptionDetailApi.as_view(),
        name="webhook-subscription-detail",
    ),
    path(
        "webhooks/subscriptions/<int:subscription_id>/rotate-secret",
        apis.WebhookRotateSecretApi.as_view(),
        name="webhook-subscription-rotate-secret",
    ),
    path(
        "webhooks/subscriptions/<int:subscription_id>/ping",
        apis.WebhookPingApi.as_view(),
        name="webhook-subscription-ping",
    ),
    path(
        "webhooks/subscriptions/<int:subscription_id>/deliveries",
        apis.WebhookDeliveryListApi.as_view(),
        name="webhook-subscription-deliveries",
    ),
    path("webhooks/deliveries/<int:delivery_id>", apis.WebhookDeliveryDetailApi.as_view(), name="webhook-delivery"),
    path(
        "webhooks/deliveries/<int:delivery_id>/redeliver",
        apis.WebhookRedeliverApi.as_view(),
        name="webhook-delivery-redeliver",
    ),
]
