"""HTTP for a user's own notifications: list, read, mark read, unread count."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.pagination import StandardCursorPagination, paginated_response
from apps.notifications import examples
from apps.notifications.selectors import access_notification, notification_list, unread_count
from apps.notifications.services import notification_mark_all_read, notification_mark_read

TAGS = ["notifications"]


class NotificationFilterInputSerializer(serializers.Serializer):
    unread = serializers.BooleanField(required=False, allow_null=True, default=None)
    kind = serializers.CharField(max_length=64, required=False, allow_blank=True)


class NotificationOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    title = serializers.CharField()
    body = serializers.CharField()
    target_type = serializers.CharField(help_text="app_label.model of the object it is about, or empty.")
    target_id = serializers.CharField(help_text="Primary key of that object, or empty.")
    is_read = serializers.SerializerMethodField()
    read_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()

    def get_is_read(self, obj: object) -> bool:
        return getattr(obj, "read_at", None) is not None


class NotificationReadAllOutputSerializer(serializers.Serializer):
    marked_read = serializers.IntegerField(help_text="How many unread notifications were marked read.")


class NotificationUnreadCountOutputSerializer(serializers.Serializer):
    unread = serializers.IntegerField()


class NotificationListApi(APIView):
    pagination_class = StandardCursorPagination

    @extend_schema(
        tags=TAGS,
        operation_id="notifications_list",
        parameters=[
            OpenApiParameter("unread", bool, description="true: only unread; false: only read."),
            OpenApiParameter("kind", str, description="Machine name, e.g. organization.verification."),
        ],
        responses={200: NotificationOutputSerializer(many=True)},
        summary="The caller's notifications, newest first.",
    )
    def get(self, request: Request) -> Response:
        filters = NotificationFilterInputSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        qs = notification_list(actor=request.user, filters=filters.validated_data)  # type: ignore[arg-type]
        return paginated_response(
            request=request, view=self, queryset=qs, serializer_class=NotificationOutputSerializer
        )


class NotificationDetailApi(APIView):
    @extend_schema(tags=TAGS, operation_id="notifications_retrieve", responses={200: NotificationOutputSerializer})
    def get(self, request: Request, notification_id: int) -> Response:
        notification = access_notification(actor=request.user, pk=notification_id)  # type: ignore[arg-type]
        return Response(NotificationOutputSerializer(notification).data)


class NotificationReadApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="notifications_read",
        examples=examples.NOTIFICATIONS_READ,
        request=None,
        responses={200: NotificationOutputSerializer},
        summary="Mark a notification read. Reading it again keeps the first reading time.",
    )
    def post(self, request: Request, notification_id: int) -> Response:
        notification = access_notification(actor=request.user, pk=notification_id)  # type: ignore[arg-type]
        notification = notification_mark_read(actor=request.user, notification=notification)  # type: ignore[arg-type]
        return Response(NotificationOutputSerializer(notification).data)


class NotificationReadAllApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="notifications_read_all",
        examples=examples.NOTIFICATIONS_READ_ALL,
        request=None,
        responses={200: NotificationReadAllOutputSerializer},
        summary="Mark all of the caller's unread notifications read.",
    )
    def post(self, request: Request) -> Response:
        marked = notification_mark_all_read(actor=request.user)  # type: ignore[arg-type]
        return Response(NotificationReadAllOutputSerializer({"marked_read": marked}).data)


class NotificationUnreadCountApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="notifications_unread_count",
        responses={200: NotificationUnreadCountOutputSerializer},
        summary="How many of the caller's notifications are unread (for a badge).",
    )
    def get(self, request: Request) -> Response:
        count = unread_count(actor=request.user)  # type: ignore[arg-type]
        return Response(NotificationUnreadCountOutputSerializer({"unread": count}).data)
