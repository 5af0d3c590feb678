"""HTTP for deals: the pipeline, its participants, its activity log and its history.

Reads send ``ETag`` (the deal's version); writes to a deal need ``If-Match`` (428 without, 412 when
stale). Creating a deal honours ``Idempotency-Key``.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.authentication import request_user
from apps.core.changes import UPDATED_SINCE_PARAMETER
from apps.core.fields import AwareDateTimeField
from apps.core.history import HistoryEventOutputSerializer, HistoryPagination
from apps.core.idempotency import IDEMPOTENCY_KEY_PARAMETER, IDEMPOTENCY_RESPONSES, idempotent
from apps.core.pagination import StandardCursorPagination, paginated_response
from apps.core.versioning import (
    ETAG_HEADER_PARAMETER,
    IF_MATCH_PARAMETER,
    PRECONDITION_RESPONSES,
    if_none_match_matches,
    require_if_match,
    with_etag,
)
from apps.deals import examples, transitions
from apps.deals.models import ActivityKind, Deal, DealActivity, DealCloseReason, DealStage
from apps.deals.selectors import access_deal, actor_roles, deal_activity_list, deal_history, deal_list
from apps.deals.services import (
    deal_activity_add,
    deal_advance,
    deal_broker_add,
    deal_broker_remove,
    deal_create,
    deal_update,
)

TAGS = ["deals"]


class DealCreateInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    buyer_id = serializers.IntegerField()
    seller_id = serializers.IntegerField()
    introduction_id = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="The broker's introduction this deal grew from."
    )
    demand_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    achievement_id = serializers.IntegerField(required=False, allow_null=True, default=None)


class DealUpdateInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True)


class DealAdvanceInputSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=DealStage.choices, help_text="The stage to move to.")
    reason = serializers.ChoiceField(
        choices=DealCloseReason.choices, required=False, allow_blank=True, default="", help_text="For lost/cancelled."
    )
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class DealBrokerInputSerializer(serializers.Serializer):
    broker_id = serializers.IntegerField()


class DealOrganizationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class DealParticipantOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    role = serializers.CharField()
    organization = DealOrganizationSerializer(allow_null=True)
    broker_id = serializers.IntegerField(allow_null=True)
    broker_name = serializers.SerializerMethodField()

    def get_broker_name(self, obj: Any) -> str | None:
        return obj.broker.user.name if obj.broker_id else None


class DealOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    description = serializers.CharField()
    buyer = DealOrganizationSerializer()
    seller = DealOrganizationSerializer()
    stage = serializers.CharField(help_text="One of the deal stages.")
    stage_display = serializers.CharField(source="get_stage_display")
    version = serializers.IntegerField(help_text="Also sent as the ETag; send it back in If-Match.")
    introduction_id = serializers.IntegerField(allow_null=True)
    demand_id = serializers.IntegerField(allow_null=True)
    achievement_id = serializers.IntegerField(allow_null=True)
    close_reason = serializers.CharField()
    close_note = serializers.CharField()
    participants = DealParticipantOutputSerializer(many=True)
    allowed_stages = serializers.SerializerMethodField(help_text="The stages you may move this deal to now.")
    stage_changed_at = serializers.DateTimeField()
    signed_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def get_allowed_stages(self, obj: Deal) -> list[str]:
        actor = self.context.get("actor")
        roles = actor_roles(actor=actor, deal=obj) if actor is not None else frozenset()
        return [str(to) for to, allowed in transitions.TRANSITIONS[obj.stage_value].items() if allowed & roles]


class DealActivityInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=[(k, v) for k, v in ActivityKind.choices if k != ActivityKind.SYSTEM], help_text="note, call or meeting"
    )
    text = serializers.CharField(max_length=5000)
    occurred_at = AwareDateTimeField(required=False, allow_null=True, default=None)


class DealActivityOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    text = serializers.CharField()
    occurred_at = serializers.DateTimeField()
    actor_id = serializers.IntegerField(allow_null=True)
    actor_name = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    def get_actor_name(self, obj: DealActivity) -> str | None:
        return obj.actor.name if obj.actor_id and obj.actor else None


class DealHistoryOutputSerializer(HistoryEventOutputSerializer):
    model = serializers.CharField(source="pgh_obj_model", help_text="deals.Deal, deals.DealParticipant, …")
    event = serializers.CharField(source="pgh_label", help_text="insert, update or delete.")
    snapshot = serializers.JSONField(source="pgh_data", help_text="The row after the change.")


def _deal_response(request: Request, deal_id: int, *, code: int = status.HTTP_200_OK) -> Response:
    actor = request_user(request)
    deal = access_deal(actor=actor, pk=deal_id)
    response = Response(DealOutputSerializer(deal, context={"actor": actor}).data, status=code)
    if code == status.HTTP_201_CREATED:
        response["Location"] = f"/api/v1/deals/{deal.pk}"
    return with_etag(response, deal.version)


class DealListCreateApi(APIView):
    pagination_class = StandardCursorPagination

    @extend_schema(
        tags=TAGS,
        operation_id="deals_list",
        parameters=[
            OpenApiParameter("stage", str, many=True, enum=DealStage.values),
            OpenApiParameter("buyer", int),
            OpenApiParameter("seller", int),
            OpenApiParameter("organization", int, description="Buyer or seller."),
            OpenApiParameter("broker", int, description="A broker taking part."),
            UPDATED_SINCE_PARAMETER,
        ],
        responses={200: DealOutputSerializer(many=True)},
        summary="Deals you take part in (as a party's member or a broker); the operator sees all.",
    )
    def get(self, request: Request) -> Response:
        actor = request_user(request)
        qs = deal_list(actor=actor, filters=request.query_params)
        return paginated_response(
            request=request,
            view=self,
            queryset=qs,
            render=lambda rows: DealOutputSerializer(rows, many=True, context={"actor": actor}).data,
        )

    @extend_schema(
        tags=TAGS,
        operation_id="deals_create",
        examples=examples.DEAL_CREATE,
        request=DealCreateInputSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={201: DealOutputSerializer, **IDEMPOTENCY_RESPONSES},
        summary="Open a deal: by a member of the buyer or seller, or by a broker from their introduction.",
    )
    @idempotent
    def post(self, request: Request) -> Response:
        serializer = DealCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        deal = deal_create(actor=request_user(request), **serializer.validated_data)
        return _deal_response(request, deal.pk, code=status.HTTP_201_CREATED)


class DealDetailApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="deals_retrieve",
        responses={
            200: OpenApiResponse(DealOutputSerializer, description="The deal; ETag carries its version."),
            304: OpenApiResponse(description="Not modified: If-None-Match names the current version; no body."),
        },
        parameters=[
            ETAG_HEADER_PARAMETER,
            OpenApiParameter(
                "If-None-Match", str, location=OpenApiParameter.HEADER, description="An ETag you hold: 304 if current."
            ),
        ],
    )
    def get(self, request: Request, deal_id: int) -> Response:
        actor = request_user(request)
        deal = access_deal(actor=actor, pk=deal_id)
        if if_none_match_matches(request, deal.version):
            return with_etag(Response(status=status.HTTP_304_NOT_MODIFIED), deal.version)
        return with_etag(Response(DealOutputSerializer(deal, context={"actor": actor}).data), deal.version)

    @extend_schema(
        tags=TAGS,
        operation_id="deals_update",
        examples=examples.DEALS_UPDATE,
        request=DealUpdateInputSerializer,
        parameters=[IF_MATCH_PARAMETER],
        responses={200: DealOutputSerializer, **PRECONDITION_RESPONSES},
        summary="Edit the title or description (If-Match required).",
    )
    def patch(self, request: Request, deal_id: int) -> Response:
        actor = request_user(request)
        deal = access_deal(actor=actor, pk=deal_id)
        expected = require_if_match(request)
        serializer = DealUpdateInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        deal_update(actor=actor, deal=deal, expected_version=expected, data=serializer.validated_data)
        return _deal_response(request, deal_id)


class DealAdvanceApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="deals_advance",
        examples=examples.DEALS_ADVANCE,
        request=DealAdvanceInputSerializer,
        parameters=[IF_MATCH_PARAMETER],
        responses={200: DealOutputSerializer, **PRECONDITION_RESPONSES},
        summary="Move the deal to another stage as the transition table allows you (If-Match required).",
        description=(
            "Parties and their brokers move lead → contacted → negotiating → contract drafted (and back to "
            "negotiating); signed, registered, in performance and completed follow the contract (the contracts "
            "side or the operator). Lost and cancelled need a reason and a note. A move the pipeline does not "
            "have is a 409 (deal_bad_transition, with `allowed`); one that is not yours a 403."
        ),
    )
    def post(self, request: Request, deal_id: int) -> Response:
        actor = request_user(request)
        deal = access_deal(actor=actor, pk=deal_id)
        expected = require_if_match(request)
        serializer = DealAdvanceInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        deal_advance(actor=actor, deal=deal, expected_version=expected, **serializer.validated_data)
        return _deal_response(request, deal_id)


class DealBrokerAddApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="deals_brokers_add",
        examples=examples.DEALS_BROKERS_ADD,
        request=DealBrokerInputSerializer,
        parameters=[IF_MATCH_PARAMETER],
        responses={200: DealOutputSerializer, **PRECONDITION_RESPONSES},
        summary="A party or the operator brings a verified broker into the deal (If-Match required).",
    )
    def post(self, request: Request, deal_id: int) -> Response:
        actor = request_user(request)
        deal = access_deal(actor=actor, pk=deal_id)
        expected = require_if_match(request)
        serializer = DealBrokerInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        deal_broker_add(actor=actor, deal=deal, expected_version=expected, **serializer.validated_data)
        return _deal_response(request, deal_id)


class DealBrokerRemoveApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="deals_brokers_remove",
        examples=examples.DEALS_BROKERS_REMOVE,
        parameters=[IF_MATCH_PARAMETER],
        responses={200: DealOutputSerializer, **PRECONDITION_RESPONSES},
        summary="A party or the operator takes a broker off the deal (If-Match required).",
    )
    def delete(self, request: Request, deal_id: int, broker_id: int) -> Response:
        actor = request_user(request)
        deal = access_deal(actor=actor, pk=deal_id)
        expected = require_if_match(request)
        deal_broker_remove(actor=actor, deal=deal, broker_id=broker_id, expected_version=expected)
        return _deal_response(request, deal_id)


class ActivityPagination(StandardCursorPagination):
    ordering = ("-occurred_at", "-id")  # type: ignore[assignment]  # DRF accepts a tuple; the stub says str


class DealActivityListCreateApi(APIView):
    pagination_class = ActivityPagination

    @extend_schema(
        tags=TAGS,
        operation_id="deals_activities_list",
        responses={200: DealActivityOutputSerializer(many=True)},
        summary="The deal's log, newest first: notes, calls, meetings and system entries.",
    )
    def get(self, request: Request, deal_id: int) -> Response:
        actor = request_user(request)
        deal = access_deal(actor=actor, pk=deal_id)
        return paginated_response(
            request=request,
            view=self,
            queryset=deal_activity_list(actor=actor, deal=deal),
            serializer_class=DealActivityOutputSerializer,
        )

    @extend_schema(
        tags=TAGS,
        operation_id="deals_activities_create",
        examples=examples.DEALS_ACTIVITIES_CREATE,
        request=DealActivityInputSerializer,
        responses={201: DealActivityOutputSerializer},
        summary="Add a note, call or meeting to the deal's log.",
    )
    def post(self, request: Request, deal_id: int) -> Response:
        actor = request_user(request)
        deal = access_deal(actor=actor, pk=deal_id)
        serializer = DealActivityInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        activity = deal_activity_add(actor=actor, deal=deal, **serializer.validated_data)
        activity = DealActivity.objects.select_related("actor").get(pk=activity.pk)
        return Response(DealActivityOutputSerializer(activity).data, status=status.HTTP_201_CREATED)


class DealHistoryApi(APIView):
    pagination_class = HistoryPagination

    @extend_schema(
        tags=TAGS,
        operation_id="deals_history",
        responses={200: DealHistoryOutputSerializer(many=True)},
        summary="Operator: every recorded change of the deal, its participants and its log, with actor and time.",
    )
    def get(self, request: Request, deal_id: int) -> Response:
        actor = request_user(request)
        deal = access_deal(actor=actor, pk=deal_id)
        return paginated_response(
            request=request,
            view=self,
            queryset=deal_history(actor=actor, deal=deal),
            serializer_class=DealHistoryOutputSerializer,
        )
