"""HTTP for the assets in custody: their next annuity, fee reduction, payments and reminders."""

from __future__ import annotations

from decimal import Decimal

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.authentication import request_user
from apps.core.fields import DecimalNumberField, MarketDateField
from apps.core.idempotency import IDEMPOTENCY_KEY_PARAMETER, IDEMPOTENCY_RESPONSES, idempotent
from apps.core.pagination import StandardCursorPagination, paginated_response
from apps.custody import examples, selectors
from apps.custody.apis.common import TAGS, CustodyAssetOutputSerializer, money_field
from apps.custody.services import custody_asset_update, payment_record


class CustodyAssetUpdateInputSerializer(serializers.Serializer):
    reduction_share = DecimalNumberField(
        max_digits=5, decimal_places=4, min_value=0, max_value=1, required=False, allow_null=True
    )
    reduction_years = serializers.IntegerField(min_value=0, max_value=20, required=False, allow_null=True)
    paid_through_year = serializers.IntegerField(
        min_value=0,
        max_value=20,
        required=False,
        help_text="A correction by the custodian only, with a reason (payments advance it); recorded in the "
        "agreement's events.",
    )
    reason = serializers.CharField(
        max_length=1000, required=False, allow_blank=True, help_text="Why paid_through_year is corrected."
    )


class PaymentInputSerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=1, max_value=20, help_text="The patent year paid (the one due).")
    amount = money_field(min_value=Decimal("0.01"), help_text="Yuan, more than zero.")
    paid_on = MarketDateField()
    receipt_number = serializers.CharField(max_length=64)
    restoration = serializers.BooleanField(
        default=False, help_text="Paid with a restoration request (恢复权利请求) after the grace period."
    )


class PaymentOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    asset_id = serializers.IntegerField()
    year = serializers.IntegerField()
    amount = money_field()
    paid_on = MarketDateField()
    receipt_number = serializers.CharField()
    amount_owed = money_field(
        source="required", help_text="What was owed that day: fee, late fee and any restoration fee."
    )
    late_fee = money_field()
    shortfall = money_field()
    underpaid = serializers.BooleanField(help_text="Less than owed: the year stays due.")
    restoration = serializers.BooleanField()
    code = serializers.CharField(help_text="on_time, late, restored or underpaid.")
    created_at = serializers.DateTimeField()


class ReminderOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    year = serializers.IntegerField()
    kind = serializers.CharField(help_text="before_<days>, grace_<month> or lapsed.")
    due_date = MarketDateField()
    amount = money_field()
    late_fee = money_field()
    sent_on = MarketDateField()


class CustodyAssetDetailApi(APIView):
    @extend_schema(tags=TAGS, operation_id="custody_assets_retrieve", responses={200: CustodyAssetOutputSerializer})
    def get(self, request: Request, pk: int) -> Response:
        row = selectors.access_custody_asset(actor=request_user(request), pk=pk)
        return Response(CustodyAssetOutputSerializer(row).data)

    @extend_schema(
        tags=TAGS,
        operation_id="custody_assets_update",
        examples=examples.CUSTODY_ASSETS_UPDATE,
        request=CustodyAssetUpdateInputSerializer,
        responses={200: CustodyAssetOutputSerializer},
        summary="Set the fee reduction (either party) or, as the custodian with a reason, correct the year paid "
        "through; the next annuity is recomputed.",
    )
    def patch(self, request: Request, pk: int) -> Response:
        actor = request_user(request)
        row = selectors.access_custody_asset(actor=actor, pk=pk)
        serializer = CustodyAssetUpdateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        custody_asset_update(actor=actor, custody_asset=row, data=serializer.validated_data)
        return Response(CustodyAssetOutputSerializer(selectors.access_custody_asset(actor=actor, pk=pk)).data)


class PaymentListCreateApi(APIView):
    pagination_class = StandardCursorPagination

    @extend_schema(
        tags=TAGS,
        operation_id="custody_assets_payments_list",
        responses={200: PaymentOutputSerializer(many=True)},
        summary="The asset's annuity payments, newest first (underpayments flagged).",
    )
    def get(self, request: Request, pk: int) -> Response:
        row = selectors.access_custody_asset(actor=request_user(request), pk=pk)
        qs = selectors.payment_list(custody_asset=row)
        return paginated_response(request=request, view=self, queryset=qs, serializer_class=PaymentOutputSerializer)

    @extend_schema(
        tags=TAGS,
        operation_id="custody_assets_payments_create",
        examples=examples.CUSTODY_ASSETS_PAYMENTS_CREATE,
        request=PaymentInputSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={201: PaymentOutputSerializer, **IDEMPOTENCY_RESPONSES},
        summary="Record an annuity payment, checked against the schedule (409 after lapse without restoration).",
    )
    @idempotent
    def post(self, request: Request, pk: int) -> Response:
        actor = request_user(request)
        row = selectors.access_custody_asset(actor=actor, pk=pk)
        serializer = PaymentInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        payment = payment_record(actor=actor, custody_asset=row, **serializer.validated_data)
        return Response(PaymentOutputSerializer(payment).data, status=status.HTTP_201_CREATED)


class ReminderListApi(APIView):
    pagination_class = StandardCursorPagination

    @extend_schema(
        tags=TAGS,
        operation_id="custody_assets_reminders",
        responses={200: ReminderOutputSerializer(many=True)},
        summary="Annuity reminders sent about the asset, newest first.",
    )
    def get(self, request: Request, pk: int) -> Response:
        row = selectors.access_custody_asset(actor=request_user(request), pk=pk)
        qs = selectors.reminder_list(custody_asset=row)
        return paginated_response(request=request, view=self, queryset=qs, serializer_class=ReminderOutputSerializer)
