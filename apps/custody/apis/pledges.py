"""HTTP for pledges (质押) of IP assets: record, read, release, and the operator's totals."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.authentication import request_user
from apps.core.fields import MarketDateField
from apps.core.idempotency import IDEMPOTENCY_KEY_PARAMETER, IDEMPOTENCY_RESPONSES, idempotent
from apps.core.pagination import StandardCursorPagination, paginated_response
from apps.core.schema import problem_response
from apps.custody import examples, selectors
from apps.custody.apis.common import TAGS, AssetBriefSerializer, money_field
from apps.custody.models import PledgeStatus
from apps.custody.services import pledge_create, pledge_release
from apps.ip.selectors import access_ip_asset


class PledgorSerializer(serializers.Serializer):
    organization_id = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    name = serializers.CharField(required=False, allow_blank=True, max_length=100)


class PledgeInputSerializer(serializers.Serializer):
    asset_id = serializers.IntegerField(min_value=1)
    pledgors = serializers.ListField(
        child=PledgorSerializer(), min_length=1, max_length=20, help_text="The owner and every co-owner."
    )
    pledgee = serializers.CharField(max_length=200, help_text="The bank or lender.")
    secured_amount = money_field(min_value=Decimal("0.01"))
    term_start = MarketDateField()
    term_end = MarketDateField()
    registration_date = MarketDateField(help_text="CNIPA registration (质押登记) date.")
    registration_number = serializers.CharField(max_length=40)


class PledgeOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    asset = AssetBriefSerializer()
    pledgors = PledgorSerializer(many=True)
    pledgee = serializers.CharField()
    secured_amount = money_field()
    term_start = MarketDateField()
    term_end = MarketDateField()
    registration_date = MarketDateField()
    registration_number = serializers.CharField()
    status = serializers.ChoiceField(choices=PledgeStatus.choices)
    released_on = MarketDateField(allow_null=True)
    created_at = serializers.DateTimeField()


class PledgeReleaseInputSerializer(serializers.Serializer):
    released_on = MarketDateField()


class PledgeMonthSerializer(serializers.Serializer):
    month = serializers.CharField()
    count = serializers.IntegerField()
    amount = money_field()


class PledgeTotalsOutputSerializer(serializers.Serializer):
    active_count = serializers.IntegerField()
    active_amount = money_field()
    released_count = serializers.IntegerField()
    total_count = serializers.IntegerField()
    total_amount = money_field()
    by_month = PledgeMonthSerializer(many=True, help_text="Registrations by month of registration.")


class PledgeListCreateApi(APIView):
    pagination_class = StandardCursorPagination

    @extend_schema(
        tags=TAGS,
        operation_id="custody_pledges_list",
        parameters=[OpenApiParameter("status", str, enum=PledgeStatus.values), OpenApiParameter("asset", int)],
        responses={200: PledgeOutputSerializer(many=True)},
        summary="Pledges of your assets or of assets in your custody (the operator reads all).",
    )
    def get(self, request: Request) -> Response:
        params = request.query_params
        status_value = params.get("status")
        if status_value and status_value not in PledgeStatus.values:
            raise serializers.ValidationError({"status": [_("Not a valid status.")]})
        asset = params.get("asset")
        if asset is not None and not asset.isdigit():
            raise serializers.ValidationError({"asset": [_("A number is required.")]})
        qs = selectors.pledge_list(
            actor=request_user(request), status=status_value, asset_id=int(asset) if asset else None
        )
        return paginated_response(request=request, view=self, queryset=qs, serializer_class=PledgeOutputSerializer)

    @extend_schema(
        tags=TAGS,
        operation_id="custody_pledges_create",
        examples=examples.CUSTODY_PLEDGES_CREATE,
        request=PledgeInputSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={
            201: PledgeOutputSerializer,
            **IDEMPOTENCY_RESPONSES,
            **problem_response(404, "The asset does not exist or is not visible to the caller."),
        },
        summary="Record a registered pledge; the pledgors must be all the asset's holders.",
    )
    @idempotent
    def post(self, request: Request) -> Response:
        actor = request_user(request)
        serializer = PledgeInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        asset = access_ip_asset(actor=actor, pk=data.pop("asset_id"))
        pledge = pledge_create(actor=actor, asset=asset, **data)
        fresh = selectors.access_pledge(actor=actor, pk=pledge.pk)
        return Response(PledgeOutputSerializer(fresh).data, status=status.HTTP_201_CREATED)


class PledgeDetailApi(APIView):
    @extend_schema(tags=TAGS, operation_id="custody_pledges_retrieve", responses={200: PledgeOutputSerializer})
    def get(self, request: Request, pk: int) -> Response:
        return Response(PledgeOutputSerializer(selectors.access_pledge(actor=request_user(request), pk=pk)).data)


class PledgeReleaseApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="custody_pledges_release",
        examples=examples.CUSTODY_PLEDGES_RELEASE,
        request=PledgeReleaseInputSerializer,
        responses={200: PledgeOutputSerializer},
        summary="Record the release of a pledge.",
    )
    def post(self, request: Request, pk: int) -> Response:
        actor = request_user(request)
        pledge = selectors.access_pledge(actor=actor, pk=pk)
        serializer = PledgeReleaseInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        released = pledge_release(actor=actor, pledge=pledge, **serializer.validated_data)
        return Response(PledgeOutputSerializer(released).data)


class PledgeTotalsApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="custody_pledges_totals",
        responses={200: PledgeTotalsOutputSerializer},
        summary="Pledge financing totals (operator).",
    )
    def get(self, request: Request) -> Response:
        return Response(PledgeTotalsOutputSerializer(selectors.pledge_totals(actor=request_user(request))).data)
