"""HTTP for a deal's negotiation: threads, messages with attachments, read state."""

from __future__ import annotations

from django.conf import settings
from django.http import FileResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.authentication import request_user
from apps.core.negotiation import FileResponseNegotiation
from apps.core.pagination import StandardCursorPagination, paginated_response
from apps.core.schema import problem_response
from apps.negotiation import examples
from apps.negotiation.models import Thread
from apps.negotiation.selectors import (
    access_attachment,
    access_negotiation,
    access_thread,
    message_list,
    thread_list,
)
from apps.negotiation.services import message_post, thread_create, thread_mark_read

TAGS = ["negotiation"]

_ACCESS = {
    **problem_response(
        403, "Your organisation has not accepted the NDA of the deal's listing (negotiation_nda_required)."
    ),
    **problem_response(404, "No such deal, thread or file, or you are neither a party nor a broker of the deal."),
}


class NegotiationMessageInputSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=10000, required=False, allow_blank=True, default="")
    files = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        default=list,
        max_length=settings.NEGOTIATION_MAX_ATTACHMENTS,
        help_text=_("Attachments (multipart form): the file types and size of listing attachments."),
    )


class NegotiationThreadInputSerializer(NegotiationMessageInputSerializer):
    subject = serializers.CharField(max_length=200)


class NegotiationMarkReadInputSerializer(serializers.Serializer):
    up_to_message_id = serializers.IntegerField(
        required=False, min_value=1, help_text=_("Default: the thread's last message.")
    )


class NegotiationAttachmentOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="original_name")
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()


class NegotiationMessageOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    thread_id = serializers.IntegerField()
    author_id = serializers.IntegerField()
    author_name = serializers.CharField(source="author.name")
    author_role = serializers.CharField(help_text=_("buyer, seller or broker"))
    author_organization_id = serializers.IntegerField(allow_null=True)
    body = serializers.CharField()
    attachments = NegotiationAttachmentOutputSerializer(many=True)
    created_at = serializers.DateTimeField()


class NegotiationThreadOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    deal_id = serializers.IntegerField()
    subject = serializers.CharField()
    created_by_id = serializers.IntegerField(allow_null=True)
    message_count = serializers.IntegerField()
    unread_count = serializers.IntegerField(help_text=_("Messages by others you have not marked read."))
    last_message_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()


class NegotiationReadStateOutputSerializer(serializers.Serializer):
    thread_id = serializers.IntegerField()
    last_read_message_id = serializers.IntegerField()


class ThreadPagination(StandardCursorPagination):
    ordering = "-id"


class MessagePagination(StandardCursorPagination):
    ordering = "id"


def _thread_response(request: Request, deal_id: int, thread: Thread, code: int) -> Response:
    actor = request_user(request)
    deal, _taking_part = access_negotiation(actor=actor, deal_id=deal_id)
    fresh = access_thread(actor=actor, deal=deal, thread_id=thread.pk)
    return Response(NegotiationThreadOutputSerializer(fresh).data, status=code)


class ThreadListCreateApi(APIView):
    pagination_class = ThreadPagination

    @extend_schema(
        tags=TAGS,
        operation_id="negotiation_threads_list",
        # Named here: with problem responses beside the list, drf-spectacular does not add them itself.
        parameters=[OpenApiParameter("cursor", str), OpenApiParameter("page_size", int)],
        summary="The deal's negotiation threads with your unread counts (parties and brokers only).",
        responses={200: NegotiationThreadOutputSerializer(many=True), **_ACCESS},
    )
    def get(self, request: Request, deal_id: int) -> Response:
        actor = request_user(request)
        deal, _taking_part = access_negotiation(actor=actor, deal_id=deal_id)
        return paginated_response(
            request=request,
            view=self,
            queryset=thread_list(actor=actor, deal=deal),
            serializer_class=NegotiationThreadOutputSerializer,
        )

    @extend_schema(
        tags=TAGS,
        operation_id="negotiation_threads_create",
        summary="Open a thread on a subject, with a first message and files if given.",
        request={
            "application/json": NegotiationThreadInputSerializer,
            "multipart/form-data": NegotiationThreadInputSerializer,
        },
        examples=examples.NEGOTIATION_THREADS_CREATE,
        responses={201: NegotiationThreadOutputSerializer, **_ACCESS},
    )
    def post(self, request: Request, deal_id: int) -> Response:
        actor = request_user(request)
        deal, taking_part = access_negotiation(actor=actor, deal_id=deal_id)
        serializer = NegotiationThreadInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        thread = thread_create(
            actor=actor,
            deal=deal,
            taking_part=taking_part,
            subject=data["subject"],
            body=data["body"],
            uploads=data["files"],
        )
        return _thread_response(request, deal_id, thread, status.HTTP_201_CREATED)


class ThreadDetailApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="negotiation_threads_retrieve",
        summary="One thread with your unread count.",
        responses={200: NegotiationThreadOutputSerializer, **_ACCESS},
    )
    def get(self, request: Request, deal_id: int, thread_id: int) -> Response:
        actor = request_user(request)
        deal, _taking_part = access_negotiation(actor=actor, deal_id=deal_id)
        return Response(
            NegotiationThreadOutputSerializer(access_thread(actor=actor, deal=deal, thread_id=thread_id)).data
        )


class MessageListCreateApi(APIView):
    pagination_class = MessagePagination

    @extend_schema(
        tags=TAGS,
        operation_id="negotiation_messages_list",
        # Named here: with problem responses beside the list, drf-spectacular does not add them itself.
        parameters=[OpenApiParameter("cursor", str), OpenApiParameter("page_size", int)],
        summary="The thread's messages, oldest first (reading does not mark them read: POST …/read does).",
        responses={200: NegotiationMessageOutputSerializer(many=True), **_ACCESS},
    )
    def get(self, request: Request, deal_id: int, thread_id: int) -> Response:
        actor = request_user(request)
        deal, _taking_part = access_negotiation(actor=actor, deal_id=deal_id)
        thread = access_thread(actor=actor, deal=deal, thread_id=thread_id)
        return paginated_response(
            request=request,
            view=self,
            queryset=message_list(thread=thread),
            serializer_class=NegotiationMessageOutputSerializer,
        )

    @extend_schema(
        tags=TAGS,
        operation_id="negotiation_messages_create",
        summary="Send a message (text, files or both); the other participants are notified.",
        request={
            "application/json": NegotiationMessageInputSerializer,
            "multipart/form-data": NegotiationMessageInputSerializer,
        },
        examples=examples.NEGOTIATION_MESSAGES_CREATE,
        responses={
            201: NegotiationMessageOutputSerializer,
            **problem_response(400, "Neither text nor files (negotiation_empty_message), or too many files."),
            **problem_response(413, "A file is too large (attachment_too_large)."),
            **problem_response(415, "A file type that may not be attached (attachment_type)."),
            **_ACCESS,
        },
    )
    def post(self, request: Request, deal_id: int, thread_id: int) -> Response:
        actor = request_user(request)
        deal, taking_part = access_negotiation(actor=actor, deal_id=deal_id)
        thread = access_thread(actor=actor, deal=deal, thread_id=thread_id)
        serializer = NegotiationMessageInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        message = message_post(
            actor=actor,
            deal=deal,
            taking_part=taking_part,
            thread=thread,
            body=serializer.validated_data["body"],
            uploads=serializer.validated_data["files"],
        )
        fresh = message_list(thread=thread).get(pk=message.pk)
        return Response(NegotiationMessageOutputSerializer(fresh).data, status=status.HTTP_201_CREATED)


class ThreadReadApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="negotiation_threads_read",
        summary="Mark the thread read up to a message (default: all of it); never moves back.",
        request=NegotiationMarkReadInputSerializer,
        examples=examples.NEGOTIATION_THREADS_READ,
        responses={200: NegotiationReadStateOutputSerializer, **_ACCESS},
    )
    def post(self, request: Request, deal_id: int, thread_id: int) -> Response:
        actor = request_user(request)
        deal, _taking_part = access_negotiation(actor=actor, deal_id=deal_id)
        thread = access_thread(actor=actor, deal=deal, thread_id=thread_id)
        serializer = NegotiationMarkReadInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        state = thread_mark_read(
            actor=actor, thread=thread, up_to_message_id=serializer.validated_data.get("up_to_message_id")
        )
        return Response(NegotiationReadStateOutputSerializer(state).data)


class AttachmentDownloadApi(APIView):
    content_negotiation_class = FileResponseNegotiation

    @extend_schema(
        tags=TAGS,
        operation_id="negotiation_attachments_download",
        summary="Download a message's file (participants only, under the listing's NDA).",
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY, **_ACCESS},
    )
    def get(self, request: Request, deal_id: int, thread_id: int, message_id: int, attachment_id: int) -> FileResponse:
        actor = request_user(request)
        deal, _taking_part = access_negotiation(actor=actor, deal_id=deal_id)
        thread = access_thread(actor=actor, deal=deal, thread_id=thread_id)
        attachment = access_attachment(thread=thread, message_id=message_id, attachment_id=attachment_id)
        return FileResponse(
            attachment.file.open("rb"),
            as_attachment=True,
            filename=attachment.original_name,
            content_type=attachment.content_type,
        )
