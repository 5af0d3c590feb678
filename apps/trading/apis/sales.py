"""HTTP for listed sales: listing, the notice board and results, objections, withdrawal and acceptance."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.authentication import request_user
from apps.core.fields import AwareDateTimeField
from apps.core.idempotency import IDEMPOTENCY_KEY_PARAMETER, IDEMPOTENCY_RESPONSES, idempotent
from apps.core.pagination import StandardCursorPagination, paginated_response
from apps.trading import examples
from apps.trading.apis.common import (
    PUBLIC_READ,
    TAGS,
    IdCursorPagination,
    SaleOutputSerializer,
    money_field,
    render_sale,
    render_sales,
)
from apps.trading.models import ObjectionStatus, SaleMode, SalePhase, SaleStatus
from apps.trading.selectors import (
    access_objection,
    access_sale,
    notice_list,
    objection_list,
    result_list,
    sale_list,
)
from apps.trading.services import objection_file, objection_resolve, sale_accept, sale_create, sale_withdraw


class SaleCreateInputSerializer(serializers.Serializer):
    achievement_id = serializers.IntegerField(help_text="A published achievement of your organisation.")
    mode = serializers.ChoiceField(choices=SaleMode.choices)
    price = money_field(min_value=0, help_text="The fixed price, or the auction's starting price (yuan).")
    notice_days = serializers.IntegerField(
        min_value=0,
        max_value=90,
        required=False,
        help_text="Public notice (公示) in days; default and minimum for universities and institutes: "
        "TRADING_NOTICE_DAYS.",
    )
    reserve_price = money_field(min_value=0, required=False, allow_null=True, help_text="Auction: hidden reserve.")
    increment = money_field(min_value=0, required=False, allow_null=True, help_text="Auction: minimum increment.")
    deposit_amount = money_field(min_value=0, required=False, allow_null=True, help_text="Auction: deposit (保证金).")
    starts_at = AwareDateTimeField(required=False, allow_null=True, help_text="Auction: default the notice's end.")
    ends_at = AwareDateTimeField(required=False, allow_null=True, help_text="Auction: scheduled end of bidding.")
    extension_minutes = serializers.IntegerField(
        min_value=0,
        max_value=60,
        required=False,
        allow_null=True,
        help_text="Auction: a bid in the last N minutes moves the end to N minutes after it (0: off).",
    )


class SaleFilterInputSerializer(serializers.Serializer):
    mode = serializers.ChoiceField(choices=SaleMode.choices, required=False)
    status = serializers.ChoiceField(choices=SaleStatus.choices, required=False)
    phase = serializers.ChoiceField(choices=SalePhase.choices, required=False)
    seller = serializers.IntegerField(required=False, help_text="Seller organisation id.")
    mine = serializers.BooleanField(required=False, default=False, help_text="Only your organisations' sales.")


class SaleReasonInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000)


class SaleAcceptInputSerializer(serializers.Serializer):
    organization_id = serializers.IntegerField(required=False, help_text="The buying organisation; default yours.")


class SaleObjectionInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)
    evidence = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    organization_id = serializers.IntegerField(
        required=False, allow_null=True, help_text="The organisation you object for (optional)."
    )


class SaleObjectionResolveInputSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=[("uphold", "uphold"), ("dismiss", "dismiss")])
    resolution = serializers.CharField(max_length=2000)


class SaleObjectionOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    sale_id = serializers.IntegerField()
    organization_id = serializers.IntegerField(allow_null=True)
    organization_name = serializers.CharField(source="organization.name", allow_null=True, default=None)
    filed_by_name = serializers.CharField(source="filed_by.name")
    reason = serializers.CharField()
    evidence = serializers.CharField()
    status = serializers.ChoiceField(choices=ObjectionStatus.choices)
    status_display = serializers.CharField(source="get_status_display")
    resolution = serializers.CharField()
    resolved_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()


class SaleListCreateApi(APIView):
    permission_classes = PUBLIC_READ
    pagination_class = StandardCursorPagination

    @extend_schema(
        tags=TAGS,
        operation_id="trading_sales_list",
        parameters=[SaleFilterInputSerializer],
        responses={200: SaleOutputSerializer(many=True)},
        summary="Listed sales and auctions (public), newest first.",
    )
    def get(self, request: Request) -> Response:
        filters = SaleFilterInputSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        qs = sale_list(actor=request.user, filters=filters.validated_data)
        return paginated_response(
            request=request, view=self, queryset=qs, render=lambda rows: render_sales(request.user, rows)
        )

    @extend_schema(
        tags=TAGS,
        operation_id="trading_sales_create",
        examples=examples.TRADING_SALES_CREATE,
        request=SaleCreateInputSerializer,
        responses={201: SaleOutputSerializer},
        summary="List a published achievement of yours for sale (挂牌) at a fixed price or by auction, with notice.",
    )
    def post(self, request: Request) -> Response:
        serializer = SaleCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        sale = sale_create(
            actor=request_user(request),
            achievement_id=data.pop("achievement_id"),
            mode=data.pop("mode"),
            price=data.pop("price"),
            data=data,
        )
        return Response(
            render_sale(request.user, access_sale(actor=request.user, pk=sale.pk)),
            status=status.HTTP_201_CREATED,
            headers={"Location": reverse("trading-sale-detail", kwargs={"sale_id": sale.pk})},
        )


class SaleDetailApi(APIView):
    permission_classes = PUBLIC_READ

    @extend_schema(tags=TAGS, operation_id="trading_sales_retrieve", responses={200: SaleOutputSerializer})
    def get(self, request: Request, sale_id: int) -> Response:
        return Response(render_sale(request.user, access_sale(actor=request.user, pk=sale_id)))


class NoticeListApi(APIView):
    permission_classes = PUBLIC_READ
    pagination_class = IdCursorPagination

    @extend_schema(
        tags=TAGS,
        operation_id="trading_notices_list",
        responses={200: SaleOutputSerializer(many=True)},
        summary="The notice board (挂牌公示): sales whose public notice runs, with its end (public).",
    )
    def get(self, request: Request) -> Response:
        return paginated_response(
            request=request, view=self, queryset=notice_list(), render=lambda rows: render_sales(request.user, rows)
        )


class ResultListApi(APIView):
    permission_classes = PUBLIC_READ
    pagination_class = StandardCursorPagination

    @extend_schema(
        tags=TAGS,
        operation_id="trading_results_list",
        responses={200: SaleOutputSerializer(many=True)},
        summary="Results notices (成交公告): sold with buyer and price, unsold, withdrawn or suspended (public).",
    )
    def get(self, request: Request) -> Response:
        return paginated_response(
            request=request, view=self, queryset=result_list(), render=lambda rows: render_sales(request.user, rows)
        )


class SaleWithdrawApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="trading_sales_withdraw",
        examples=examples.TRADING_SALES_WITHDRAW,
        request=SaleReasonInputSerializer,
        responses={200: SaleOutputSerializer},
        summary="The seller withdraws before the sale (an auction before its first bid); the operator any time.",
    )
    def post(self, request: Request, sale_id: int) -> Response:
        sale = access_sale(actor=request.user, pk=sale_id)
        serializer = SaleReasonInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        sale_withdraw(actor=request_user(request), sale=sale, reason=serializer.validated_data["reason"])
        return Response(render_sale(request.user, access_sale(actor=request.user, pk=sale_id)))


class SaleAcceptApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="trading_sales_accept",
        examples=examples.TRADING_SALES_ACCEPT,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        request=SaleAcceptInputSerializer,
        responses={200: SaleOutputSerializer, **IDEMPOTENCY_RESPONSES},
        summary="Buy at the listed price after the notice: the first acceptance wins; a deal opens.",
    )
    @idempotent
    def post(self, request: Request, sale_id: int) -> Response:
        sale = access_sale(actor=request.user, pk=sale_id)
        serializer = SaleAcceptInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        sale_accept(actor=request_user(request), sale=sale, **serializer.validated_data)
        return Response(render_sale(request.user, access_sale(actor=request.user, pk=sale_id)))


class SaleObjectionListCreateApi(APIView):
    pagination_class = IdCursorPagination

    @extend_schema(
        tags=TAGS,
        operation_id="trading_sales_objections_list",
        responses={200: SaleObjectionOutputSerializer(many=True)},
        summary="Objections to a sale: all for the seller and the operator, your own for others.",
    )
    def get(self, request: Request, sale_id: int) -> Response:
        sale = access_sale(actor=request.user, pk=sale_id)
        qs = objection_list(actor=request.user, sale=sale)
        return paginated_response(
            request=request, view=self, queryset=qs, serializer_class=SaleObjectionOutputSerializer
        )

    @extend_schema(
        tags=TAGS,
        operation_id="trading_sales_objections_create",
        examples=examples.TRADING_SALES_OBJECTIONS_CREATE,
        request=SaleObjectionInputSerializer,
        responses={201: SaleObjectionOutputSerializer},
        summary="Object (异议) to a sale while its public notice runs.",
    )
    def post(self, request: Request, sale_id: int) -> Response:
        sale = access_sale(actor=request.user, pk=sale_id)
        serializer = SaleObjectionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        objection = objection_file(actor=request_user(request), sale=sale, **serializer.validated_data)
        return Response(
            SaleObjectionOutputSerializer(access_objection(actor=request.user, pk=objection.pk)).data,
            status=status.HTTP_201_CREATED,
        )


class ObjectionResolveApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="trading_objections_resolve",
        examples=examples.TRADING_OBJECTIONS_RESOLVE,
        request=SaleObjectionResolveInputSerializer,
        responses={200: SaleObjectionOutputSerializer},
        summary="The operator upholds an objection (the sale is suspended) or dismisses it.",
    )
    def post(self, request: Request, objection_id: int) -> Response:
        objection = access_objection(actor=request.user, pk=objection_id)
        serializer = SaleObjectionResolveInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        objection_resolve(
            actor=request_user(request),
            objection=objection,
            uphold=serializer.validated_data["decision"] == "uphold",
            resolution=serializer.validated_data["resolution"],
        )
        return Response(SaleObjectionOutputSerializer(access_objection(actor=request.user, pk=objection_id)).data)
