"""HTTP for webhook subscriptions, their delivery logs, tests and redeliveries (docs/webhooks.md)."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.authentication import request_user
from apps.core.apis import NoStoreMixin
from apps.core.pagination import StandardCursorPagination, paginated_response
from apps.webhooks import examples
from apps.webhooks.models import Delivery, DeliveryStatus, EventType
from apps.webhooks.selectors import access_delivery, access_subscription, delivery_list, subscription_list
from apps.webhooks.services import (
    MAX_GRACE_SECONDS,
    delivery_redeliver,
    subscription_create,
    subscription_delete,
    subscription_ping,
    subscription_rotate_secret,
    subscription_update,
)

TAGS = ["webhooks"]
SUBSCRIBABLE = [t for t in EventType.values if t != EventType.PING]


class WebhookSubscriptionCreateInputSerializer(serializers.Serializer):
    organization_id = serializers.IntegerField(
        required=False, min_value=1, help_text=_("Needed when you administer several organisations.")
    )
    api_key_id = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=16,
        help_text=_("Bind the subscription to one of the organisation's API keys (its prefix)."),
    )
    url = serializers.URLField(max_length=2000)
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=SUBSCRIBABLE),
        required=False,
        default=list,
        max_length=len(SUBSCRIBABLE),
        help_text=_("Empty: every event type."),
    )
    description = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    is_active = serializers.BooleanField(required=False, default=True)


class WebhookSubscriptionUpdateInputSerializer(serializers.Serializer):
    url = serializers.URLField(max_length=2000, required=False)
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=SUBSCRIBABLE), required=False, max_length=len(SUBSCRIBABLE)
    )
    description = serializers.CharField(max_length=500, required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False)


class WebhookRotateSecretInputSerializer(serializers.Serializer):
    grace_seconds = serializers.IntegerField(
        required=False,
        min_value=0,
        max_value=MAX_GRACE_SECONDS,
        help_text=_("How long the previous secret keeps signing beside the new one (0: not at all)."),
    )


class WebhookSubscriptionOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    organization_id = serializers.IntegerField()
    api_key_id = serializers.CharField(source="api_key.prefix", allow_null=True, default=None)
    url = serializers.CharField()
    description = serializers.CharField()
    event_types = serializers.ListField(child=serializers.CharField())
    is_active = serializers.BooleanField()
    disabled_reason = serializers.CharField()
    disabled_at = serializers.DateTimeField(allow_null=True)
    consecutive_failures = serializers.IntegerField()
    failing_since = serializers.DateTimeField(allow_null=True)
    previous_secret_expires_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class WebhookSubscriptionSecretOutputSerializer(WebhookSubscriptionOutputSerializer):
    secret = serializers.CharField(help_text=_("The signing secret: shown only now, keep it safe."))


class WebhookDeliveryOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    subscription_id = serializers.IntegerField()
    event_id = serializers.CharField(source="event.message_id")
    event_type = serializers.CharField(source="event.type")
    status = serializers.CharField()
    attempt_count = serializers.IntegerField()
    next_attempt_at = serializers.DateTimeField(allow_null=True)
    last_status_code = serializers.IntegerField(allow_null=True)
    last_error = serializers.CharField()
    delivered_at = serializers.DateTimeField(allow_null=True)
    redelivery_of_id = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()


class WebhookAttemptOutputSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    attempted_at = serializers.DateTimeField()
    url = serializers.CharField()
    succeeded = serializers.BooleanField()
    status_code = serializers.IntegerField(allow_null=True)
    duration_ms = serializers.IntegerField(allow_null=True)
    response_body = serializers.CharField()
    error = serializers.CharField()


class WebhookDeliveryDetailOutputSerializer(WebhookDeliveryOutputSerializer):
    payload = serializers.SerializerMethodField()
    attempts = WebhookAttemptOutputSerializer(many=True)

    def get_payload(self, obj: Delivery) -> dict[str, Any]:
        payload: dict[str, Any] = json.loads(obj.event.body)
        return payload


class WebhookEventTypeOutputSerializer(serializers.Serializer):
    type = serializers.CharField()
    description = serializers.CharField()


class WebhookEventTypesOutputSerializer(serializers.Serializer):
    event_types = WebhookEventTypeOutputSerializer(many=True)
    signature_scheme = serializers.CharField()
    replay_window_seconds = serializers.IntegerField()
    retry_schedule_seconds = serializers.ListField(child=serializers.FloatField())


class WebhookDeliveryListQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=DeliveryStatus.choices, required=False)


class WebhookSubscriptionListQuerySerializer(serializers.Serializer):
    organization = serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1)


class WebhookEventTypesApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="webhooks_event_types",
        responses={200: WebhookEventTypesOutputSerializer},
        summary="The event types one can subscribe to, and how deliveries are signed and retried.",
    )
    def get(self, request: Request) -> Response:
        data = {
            "event_types": [{"type": value, "description": str(label)} for value, label in EventType.choices],
            "signature_scheme": "v1 HMAC-SHA256 over '<Webhook-Id>.<Webhook-Timestamp>.<body>' (Standard Webhooks)",
            "replay_window_seconds": settings.WEBHOOKS_REPLAY_WINDOW_SECONDS,
            "retry_schedule_seconds": list(settings.WEBHOOKS_RETRY_SCHEDULE_SECONDS),
        }
        return Response(WebhookEventTypesOutputSerializer(data).data)


class WebhookSubscriptionListCreateApi(NoStoreMixin, APIView):
    pagination_class = StandardCursorPagination

    @extend_schema(
        tags=TAGS,
        operation_id="webhooks_subscriptions_list",
        parameters=[OpenApiParameter("organization", int, description="Only this organisation's subscriptions.")],
        responses={200: WebhookSubscriptionOutputSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        query = WebhookSubscriptionListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        qs = subscription_list(actor=request_user(request), organization_id=query.validated_data.get("organization"))
        return paginated_response(
            request=request, view=self, queryset=qs, serializer_class=WebhookSubscriptionOutputSerializer
        )

    @extend_schema(
        tags=TAGS,
        operation_id="webhooks_subscriptions_create",
        examples=examples.WEBHOOKS_SUBSCRIPTIONS_CREATE,
        request=WebhookSubscriptionCreateInputSerializer,
        responses={201: WebhookSubscriptionSecretOutputSerializer},
        summary="Subscribe a URL to events; the answer shows the signing secret, once.",
    )
    def post(self, request: Request) -> Response:
        serializer = WebhookSubscriptionCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        subscription = subscription_create(actor=request_user(request), **serializer.validated_data)
        return Response(WebhookSubscriptionSecretOutputSerializer(subscription).data, status=status.HTTP_201_CREATED)


class WebhookSubscriptionDetailApi(NoStoreMixin, APIView):
    @extend_schema(
        tags=TAGS, operation_id="webhooks_subscriptions_retrieve", responses={200: WebhookSubscriptionOutputSerializer}
    )
    def get(self, request: Request, subscription_id: int) -> Response:
        subscription = access_subscription(actor=request_user(request), pk=subscription_id)
        return Response(WebhookSubscriptionOutputSerializer(subscription).data)

    @extend_schema(
        tags=TAGS,
        operation_id="webhooks_subscriptions_update",
        examples=examples.WEBHOOKS_SUBSCRIPTIONS_UPDATE,
        request=WebhookSubscriptionUpdateInputSerializer,
        responses={200: WebhookSubscriptionOutputSerializer},
        summary="Change the URL, event types, description; switch it off, or on again (clears the failure count).",
    )
    def patch(self, request: Request, subscription_id: int) -> Response:
        subscription = access_subscription(actor=request_user(request), pk=subscription_id)
        serializer = WebhookSubscriptionUpdateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        subscription = subscription_update(
            actor=request_user(request), subscription=subscription, data=serializer.validated_data
        )
        return Response(WebhookSubscriptionOutputSerializer(subscription).data)

    @extend_schema(tags=TAGS, operation_id="webhooks_subscriptions_delete", responses={204: None})
    def delete(self, request: Request, subscription_id: int) -> Response:
        subscription = access_subscription(actor=request_user(request), pk=subscription_id)
        subscription_delete(actor=request_user(request), subscription=subscription)
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookRotateSecretApi(NoStoreMixin, APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="webhooks_subscriptions_rotate_secret",
        examples=examples.WEBHOOKS_SUBSCRIPTIONS_ROTATE_SECRET,
        request=WebhookRotateSecretInputSerializer,
        responses={200: WebhookSubscriptionSecretOutputSerializer},
        summary="A new signing secret; the previous one keeps signing beside it during the grace period.",
    )
    def post(self, request: Request, subscription_id: int) -> Response:
        subscription = access_subscription(actor=request_user(request), pk=subscription_id)
        serializer = WebhookRotateSecretInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        subscription = subscription_rotate_secret(
            actor=request_user(request), subscription=subscription, **serializer.validated_data
        )
        return Response(WebhookSubscriptionSecretOutputSerializer(subscription).data)


class WebhookPingApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="webhooks_subscriptions_ping",
        examples=examples.WEBHOOKS_SUBSCRIPTIONS_PING,
        request=None,
        responses={202: WebhookDeliveryOutputSerializer},
        summary="Send a signed webhook.ping test event to the subscription's URL.",
    )
    def post(self, request: Request, subscription_id: int) -> Response:
        subscription = access_subscription(actor=request_user(request), pk=subscription_id)
        delivery = subscription_ping(actor=request_user(request), subscription=subscription)
        return Response(WebhookDeliveryOutputSerializer(delivery).data, status=status.HTTP_202_ACCEPTED)


class WebhookDeliveryListApi(APIView):
    pagination_class = StandardCursorPagination

    @extend_schema(
        tags=TAGS,
        operation_id="webhooks_subscriptions_deliveries",
        parameters=[WebhookDeliveryListQuerySerializer],
        responses={200: WebhookDeliveryOutputSerializer(many=True)},
        summary="The subscription's delivery log, newest first.",
    )
    def get(self, request: Request, subscription_id: int) -> Response:
        subscription = access_subscription(actor=request_user(request), pk=subscription_id)
        query = WebhookDeliveryListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        qs = delivery_list(
            actor=request_user(request), subscription=subscription, status=query.validated_data.get("status")
        )
        return paginated_response(
            request=request, view=self, queryset=qs, serializer_class=WebhookDeliveryOutputSerializer
        )


class WebhookDeliveryDetailApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="webhooks_deliveries_retrieve",
        responses={200: WebhookDeliveryDetailOutputSerializer},
        summary="One delivery: the payload sent and every attempt (status code, response time, response, error).",
    )
    def get(self, request: Request, delivery_id: int) -> Response:
        delivery = access_delivery(actor=request_user(request), pk=delivery_id)
        return Response(WebhookDeliveryDetailOutputSerializer(delivery).data)


class WebhookRedeliverApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="webhooks_deliveries_redeliver",
        examples=examples.WEBHOOKS_DELIVERIES_REDELIVER,
        request=None,
        responses={202: WebhookDeliveryOutputSerializer},
        summary="Send the delivery's event again (same Webhook-Id and body) as a new delivery.",
    )
    def post(self, request: Request, delivery_id: int) -> Response:
        delivery = access_delivery(actor=request_user(request), pk=delivery_id)
        again = delivery_redeliver(actor=request_user(request), delivery=delivery)
        return Response(WebhookDeliveryOutputSerializer(again).data, status=status.HTTP_202_ACCEPTED)
