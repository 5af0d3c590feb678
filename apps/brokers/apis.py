"""HTTP for broker profiles, their verification, and the attribution ledger.

A broker's scorecard and commissions read deals and contracts, so they are served by
:mod:`apps.contracts.apis.brokers` (same URLs under ``brokers/``)."""

from __future__ import annotations

from decimal import Decimal

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.authentication import request_user
from apps.brokers import examples
from apps.brokers.models import Broker, BrokerLevel, BrokerStatus, Introduction
from apps.brokers.selectors import (
    access_broker,
    access_introduction,
    broker_list,
    introduction_list,
)
from apps.brokers.services import broker_register, broker_update, broker_verify, introduction_record
from apps.core.fields import DecimalNumberField, MoneyField
from apps.core.idempotency import IDEMPOTENCY_KEY_PARAMETER, IDEMPOTENCY_RESPONSES, idempotent
from apps.core.pagination import StandardCursorPagination, paginated_response

TAGS = ["brokers"]


class BrokerInputSerializer(serializers.Serializer):
    organization_id = serializers.IntegerField(help_text="Your agency (an organisation you belong to).")
    level = serializers.ChoiceField(choices=BrokerLevel.choices)
    certificate_number = serializers.CharField(max_length=64)
    bio = serializers.CharField(max_length=3000, required=False, allow_blank=True)
    field_codes = serializers.ListField(
        child=serializers.CharField(max_length=8), max_length=11, required=False, help_text="Technology field codes."
    )
    industry_codes = serializers.ListField(
        child=serializers.CharField(max_length=48), max_length=50, required=False, help_text="Industry codes."
    )
    region_codes = serializers.ListField(
        child=serializers.RegexField(r"^\d{6}$"), max_length=50, required=False, help_text="Service regions."
    )


class BrokerVerifyInputSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class BrokerCodeNameSerializer(serializers.Serializer):
    code = serializers.CharField()
    name_zh = serializers.CharField()
    name_en = serializers.CharField()


class BrokerAgencySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class BrokerOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    user_id = serializers.IntegerField()
    name = serializers.CharField(source="user.name")
    organization = BrokerAgencySerializer()
    level = serializers.CharField()
    level_display = serializers.CharField(source="get_level_display")
    certificate_number = serializers.CharField()
    bio = serializers.CharField()
    technology_fields = BrokerCodeNameSerializer(many=True, source="fields.all")
    industries = BrokerCodeNameSerializer(many=True, source="industries.all")
    regions = BrokerCodeNameSerializer(many=True, source="regions.all")
    status = serializers.CharField()
    status_display = serializers.CharField(source="get_status_display")
    verified_at = serializers.DateTimeField(allow_null=True)
    rejection_reason = serializers.CharField()
    created_at = serializers.DateTimeField()


class IntroductionInputSerializer(serializers.Serializer):
    party_a_id = serializers.IntegerField()
    party_b_id = serializers.IntegerField()
    demand_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    achievement_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    commission_rate = DecimalNumberField(
        max_digits=5,
        decimal_places=4,
        min_value=Decimal("0"),
        max_value=Decimal("1"),
        help_text="Share of the paid technology amount, e.g. 0.0300 for 3%.",
    )
    commission_fixed = MoneyField(
        max_digits=16, decimal_places=2, min_value=Decimal("0"), required=False, default=Decimal("0")
    )
    commission_cap = MoneyField(
        max_digits=16, decimal_places=2, min_value=Decimal("0"), required=False, allow_null=True, default=None
    )
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class IntroductionOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    broker_id = serializers.IntegerField()
    broker_name = serializers.CharField(source="broker.user.name")
    party_a = BrokerAgencySerializer()
    party_b = BrokerAgencySerializer()
    demand_id = serializers.IntegerField(allow_null=True)
    achievement_id = serializers.IntegerField(allow_null=True)
    commission_rate = serializers.DecimalField(max_digits=5, decimal_places=4)
    commission_fixed = serializers.DecimalField(max_digits=16, decimal_places=2)
    commission_cap = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)
    note = serializers.CharField()
    created_at = serializers.DateTimeField(help_text="When the introduction was recorded; never changes.")


def _broker_data(request: Request, broker: Broker, *, code: int = status.HTTP_200_OK) -> Response:
    fresh = access_broker(actor=request_user(request), pk=broker.pk)
    return Response(BrokerOutputSerializer(fresh).data, status=code)


class BrokerListCreateApi(APIView):
    pagination_class = StandardCursorPagination

    @extend_schema(
        tags=TAGS,
        operation_id="brokers_list",
        parameters=[
            OpenApiParameter("field", str, description="Technology field code."),
            OpenApiParameter("industry", str, description="Industry code."),
            OpenApiParameter("region", str, description="Region code (a province or prefecture matches its parts)."),
            OpenApiParameter("level", str, many=True, enum=BrokerLevel.values),
            OpenApiParameter("status", str, enum=BrokerStatus.values),
            OpenApiParameter("verified", bool),
            OpenApiParameter("organization", int, description="Agency id."),
            OpenApiParameter("q", str, description="Name, agency or certificate number."),
        ],
        responses={200: BrokerOutputSerializer(many=True)},
        summary="The broker directory: verified brokers, plus your own and your agency's pending profiles.",
    )
    def get(self, request: Request) -> Response:
        qs = broker_list(actor=request_user(request), filters=request.query_params)
        return paginated_response(request=request, view=self, queryset=qs, serializer_class=BrokerOutputSerializer)

    @extend_schema(
        tags=TAGS,
        operation_id="brokers_register",
        examples=examples.BROKERS_REGISTER,
        request=BrokerInputSerializer,
        responses={201: BrokerOutputSerializer},
        summary="File your broker profile; the operator verifies it.",
    )
    def post(self, request: Request) -> Response:
        serializer = BrokerInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        broker = broker_register(actor=request_user(request), data=serializer.validated_data)
        return _broker_data(request, broker, code=status.HTTP_201_CREATED)


class BrokerDetailApi(APIView):
    @extend_schema(tags=TAGS, operation_id="brokers_retrieve", responses={200: BrokerOutputSerializer})
    def get(self, request: Request, broker_id: int) -> Response:
        return Response(BrokerOutputSerializer(access_broker(actor=request_user(request), pk=broker_id)).data)

    @extend_schema(
        tags=TAGS,
        operation_id="brokers_update",
        examples=examples.BROKERS_UPDATE,
        request=BrokerInputSerializer,
        responses={200: BrokerOutputSerializer},
        summary="Edit your profile; a new level, certificate or agency goes back to verification.",
    )
    def patch(self, request: Request, broker_id: int) -> Response:
        actor = request_user(request)
        broker = access_broker(actor=actor, pk=broker_id)
        serializer = BrokerInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        broker = broker_update(actor=actor, broker=broker, data=serializer.validated_data)
        return _broker_data(request, broker)


class BrokerVerifyApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="brokers_verify",
        examples=examples.BROKERS_VERIFY,
        request=BrokerVerifyInputSerializer,
        responses={200: BrokerOutputSerializer},
        summary="The operator verifies a pending broker profile, or rejects it with a reason.",
    )
    def post(self, request: Request, broker_id: int) -> Response:
        actor = request_user(request)
        broker = access_broker(actor=actor, pk=broker_id)
        serializer = BrokerVerifyInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        broker = broker_verify(actor=actor, broker=broker, **serializer.validated_data)
        return _broker_data(request, broker)


class IntroductionListCreateApi(APIView):
    pagination_class = StandardCursorPagination

    @extend_schema(
        tags=TAGS,
        operation_id="introductions_list",
        parameters=[
            OpenApiParameter("broker", int, description="Broker id."),
            OpenApiParameter("organization", int, description="Either party."),
        ],
        responses={200: IntroductionOutputSerializer(many=True)},
        summary="The ledger entries you recorded or that introduce your organisations (the operator sees all).",
    )
    def get(self, request: Request) -> Response:
        qs = introduction_list(actor=request_user(request), filters=request.query_params)
        return paginated_response(
            request=request, view=self, queryset=qs, serializer_class=IntroductionOutputSerializer
        )

    @extend_schema(
        tags=TAGS,
        operation_id="introductions_record",
        examples=examples.INTRODUCTIONS_RECORD,
        request=IntroductionInputSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={201: IntroductionOutputSerializer, **IDEMPOTENCY_RESPONSES},
        summary="A verified broker records an introduction with its commission terms; it can never be edited.",
    )
    @idempotent
    def post(self, request: Request) -> Response:
        serializer = IntroductionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        actor = request_user(request)
        introduction = introduction_record(actor=actor, **serializer.validated_data)
        return Response(
            IntroductionOutputSerializer(access_introduction(actor=actor, pk=introduction.pk)).data,
            status=status.HTTP_201_CREATED,
        )


class IntroductionDetailApi(APIView):
    @extend_schema(tags=TAGS, operation_id="introductions_retrieve", responses={200: IntroductionOutputSerializer})
    def get(self, request: Request, introduction_id: int) -> Response:
        introduction: Introduction = access_introduction(actor=request_user(request), pk=introduction_id)
        return Response(IntroductionOutputSerializer(introduction).data)
