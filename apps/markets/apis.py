"""HTTP for the market network: markets and their operators."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.authentication import request_user
from apps.core.pagination import StandardCursorPagination, paginated_response
from apps.markets import examples, selectors, services
from apps.markets.models import Market, MarketLevel, MarketOperatorRole

TAGS = ["markets"]


class MarketOutputSerializer(serializers.Serializer):
    code = serializers.CharField()
    name_zh = serializers.CharField()
    name_en = serializers.CharField()
    level = serializers.ChoiceField(choices=MarketLevel.choices)
    parent_code = serializers.CharField(source="parent_id", allow_null=True)
    region_codes = serializers.ListField(child=serializers.CharField())
    active = serializers.BooleanField()


class MarketCreateInputSerializer(serializers.Serializer):
    code = serializers.SlugField(max_length=24)
    name_zh = serializers.CharField(max_length=100)
    name_en = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    level = serializers.ChoiceField(choices=[MarketLevel.CITY, MarketLevel.COUNTY])
    parent_code = serializers.CharField(max_length=24)
    region_codes = serializers.ListField(
        child=serializers.RegexField(r"^\d{6}$", max_length=6), min_length=1, max_length=50,
        help_text="GB/T 2260 codes served: a county, a prefecture (xxxx00) or a province (xx0000).",
    )  # fmt: skip


class MarketUpdateInputSerializer(serializers.Serializer):
    name_zh = serializers.CharField(max_length=100, required=False)
    name_en = serializers.CharField(max_length=200, required=False, allow_blank=True)
    region_codes = serializers.ListField(
        child=serializers.RegexField(r"^\d{6}$", max_length=6), min_length=1, max_length=50, required=False
    )
    active = serializers.BooleanField(required=False)


class MarketOperatorOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    user_id = serializers.IntegerField()
    user_name = serializers.CharField(source="user.name")
    market_code = serializers.CharField(source="market_id")
    role = serializers.ChoiceField(choices=MarketOperatorRole.choices)


class MarketOperatorInputSerializer(serializers.Serializer):
    user_id = serializers.IntegerField(min_value=1)
    role = serializers.ChoiceField(choices=MarketOperatorRole.choices, default=MarketOperatorRole.REVIEWER)


class CodeOrderedPagination(StandardCursorPagination):
    ordering = "code"


class MarketListCreateApi(APIView):
    pagination_class = CodeOrderedPagination

    @extend_schema(
        tags=TAGS,
        operation_id="markets_list",
        parameters=[OpenApiParameter("level", str, enum=MarketLevel.values)],
        responses={200: MarketOutputSerializer(many=True)},
        summary="The markets of the network (main market, city markets, county stations).",
    )
    def get(self, request: Request) -> Response:
        level = request.query_params.get("level")
        if level and level not in MarketLevel.values:
            raise serializers.ValidationError({"level": ["Not a valid level."]})
        return paginated_response(
            request=request, view=self, queryset=selectors.market_list(level=level),
            serializer_class=MarketOutputSerializer,
        )  # fmt: skip

    @extend_schema(
        tags=TAGS,
        operation_id="markets_create",
        examples=examples.MARKETS_CREATE,
        request=MarketCreateInputSerializer,
        responses={201: MarketOutputSerializer},
        summary="Add a city market or a county station (the global operator).",
    )
    def post(self, request: Request) -> Response:
        serializer = MarketCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        market = services.market_create(actor=request_user(request), **serializer.validated_data)
        return Response(MarketOutputSerializer(market).data, status=status.HTTP_201_CREATED)


class MarketDetailApi(APIView):
    @extend_schema(tags=TAGS, operation_id="markets_retrieve", responses={200: MarketOutputSerializer})
    def get(self, request: Request, code: str) -> Response:
        return Response(MarketOutputSerializer(selectors.access_market(code=code)).data)

    @extend_schema(
        tags=TAGS,
        operation_id="markets_partial_update",
        examples=examples.MARKETS_PARTIAL_UPDATE,
        request=MarketUpdateInputSerializer,
        responses={200: MarketOutputSerializer},
        summary="Rename a market, change the regions it serves, or deactivate it (the global operator).",
    )
    def patch(self, request: Request, code: str) -> Response:
        market = selectors.access_market(code=code)
        serializer = MarketUpdateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        market = services.market_update(actor=request_user(request), market=market, **serializer.validated_data)
        return Response(MarketOutputSerializer(market).data)


class MarketOperatorListCreateApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="markets_operators_list",
        responses={200: MarketOperatorOutputSerializer(many=True)},
        summary="The operators of a market (seen by those who operate it).",
    )
    def get(self, request: Request, code: str) -> Response:
        market: Market = selectors.access_market(code=code)
        rows = selectors.market_operator_list(actor=request_user(request), market=market)[:200]
        return Response(MarketOperatorOutputSerializer(rows, many=True).data)

    @extend_schema(
        tags=TAGS,
        operation_id="markets_operators_create",
        examples=examples.MARKETS_OPERATORS_CREATE,
        request=MarketOperatorInputSerializer,
        responses={201: MarketOperatorOutputSerializer},
        summary="Make a person an operator of this market (the global operator or a manager above it).",
    )
    def post(self, request: Request, code: str) -> Response:
        market = selectors.access_market(code=code)
        serializer = MarketOperatorInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        row = services.market_operator_add(actor=request_user(request), market=market, **serializer.validated_data)
        return Response(MarketOperatorOutputSerializer(row).data, status=status.HTTP_201_CREATED)


class MarketOperatorDetailApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="markets_operators_destroy",
        responses={204: None},
        summary="Remove a person from this market's operators.",
    )
    def delete(self, request: Request, code: str, user_id: int) -> Response:
        market = selectors.access_market(code=code)
        services.market_operator_remove(actor=request_user(request), market=market, user_id=user_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
