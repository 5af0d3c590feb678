"""HTTP for indicative IP valuation worksheets (POST computes and keeps one; the owner reads its own)."""

from __future__ import annotations

from decimal import Decimal

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.authentication import request_user
from apps.core.fields import DecimalNumberField, MarketDateField, MoneyField
from apps.core.pagination import StandardCursorPagination, paginated_response
from apps.ip import examples
from apps.ip.valuations import access_ip_valuation, ip_valuation_create, ip_valuation_list

TAGS = ["ip"]


def _rate(**kwargs: object) -> DecimalNumberField:
    return DecimalNumberField(max_digits=7, decimal_places=6, **kwargs)  # type: ignore[arg-type]


class IncomeInputSerializer(serializers.Serializer):
    revenues = serializers.ListField(
        child=MoneyField(max_digits=16, decimal_places=2, min_value=Decimal("0")),
        min_length=1,
        max_length=30,
        help_text="Projected revenue per year of the useful life, or year 1 only with growth_rate.",
    )
    royalty_rate = _rate(help_text="Share of revenue a licensee would pay, e.g. 0.03.")
    tax_rate = _rate(help_text="Income tax on the royalty saved, e.g. 0.25 (0.15 for high-tech enterprises).")
    discount_rate = _rate(help_text="e.g. 0.12.")
    useful_life_years = serializers.IntegerField(min_value=1, max_value=30)
    growth_rate = _rate(required=False, allow_null=True, default=None, help_text="Yearly revenue growth, e.g. 0.05.")


class CostItemSerializer(serializers.Serializer):
    description = serializers.CharField(max_length=200)
    amount = MoneyField(max_digits=16, decimal_places=2, min_value=Decimal("0"))


class CostInputSerializer(serializers.Serializer):
    items = CostItemSerializer(many=True, min_length=1, max_length=50)  # type: ignore[call-arg]
    obsolescence_rate = _rate(help_text="Technical and economic obsolescence, e.g. 0.30.")


class ValuationInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    owner_id = serializers.IntegerField(required=False, allow_null=True, help_text="Default: your only organisation.")
    asset_id = serializers.IntegerField(
        required=False, allow_null=True, help_text="Your asset: the useful life is checked against its legal term."
    )
    valuation_date = MarketDateField(required=False, allow_null=True, help_text="Default: today.")
    income = IncomeInputSerializer(required=False, allow_null=True, help_text="Relief-from-royalty inputs.")
    cost = CostInputSerializer(required=False, allow_null=True, help_text="Cost-approach inputs.")


class ValuationOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    owner_id = serializers.IntegerField()
    asset_id = serializers.IntegerField(allow_null=True)
    title = serializers.CharField()
    valuation_date = MarketDateField()
    inputs = serializers.JSONField()
    result = serializers.JSONField(
        help_text="`income` (rows per year, value, formula, assumptions), `cost`, `indicative: true`, `disclaimer`."
    )
    created_at = serializers.DateTimeField()


class ValuationListCreateApi(APIView):
    pagination_class = StandardCursorPagination

    @extend_schema(
        tags=TAGS,
        operation_id="ip_valuations_list",
        responses={200: ValuationOutputSerializer(many=True)},
        summary="Your organisations' indicative valuation worksheets.",
    )
    def get(self, request: Request) -> Response:
        qs = ip_valuation_list(actor=request_user(request))
        return paginated_response(request=request, view=self, queryset=qs, serializer_class=ValuationOutputSerializer)

    @extend_schema(
        tags=TAGS,
        operation_id="ip_valuations_create",
        examples=examples.IP_VALUATIONS_CREATE,
        request=ValuationInputSerializer,
        responses={201: ValuationOutputSerializer},
        summary="Compute an indicative valuation (relief from royalty and/or cost approach); not an appraisal.",
    )
    def post(self, request: Request) -> Response:
        serializer = ValuationInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        valuation = ip_valuation_create(actor=request_user(request), **serializer.validated_data)
        return Response(ValuationOutputSerializer(valuation).data, status=status.HTTP_201_CREATED)


class ValuationDetailApi(APIView):
    @extend_schema(tags=TAGS, operation_id="ip_valuations_retrieve", responses={200: ValuationOutputSerializer})
    def get(self, request: Request, pk: int) -> Response:
        return Response(ValuationOutputSerializer(access_ip_valuation(actor=request_user(request), pk=pk)).data)
