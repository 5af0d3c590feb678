"""HTTP for auctions: registering with a deposit, the operator's deposit decisions, bids and the close."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.authentication import request_user
from apps.core.idempotency import IDEMPOTENCY_KEY_PARAMETER, IDEMPOTENCY_RESPONSES, idempotent
from apps.core.pagination import paginated_response
from apps.organizations.access import Actor, is_operator, organization_ids
from apps.trading import examples
from apps.trading.apis.common import (
    PUBLIC_READ,
    TAGS,
    IdCursorPagination,
    OldestFirstCursorPagination,
    SaleOutputSerializer,
    money_field,
    render_sale,
)
from apps.trading.models import Bid, DepositStatus
from apps.trading.selectors import access_deposit, access_sale, bid_list, deposit_list
from apps.trading.services import auction_bid, auction_close, bidder_register, deposit_confirm, deposit_forfeit


class AuctionDepositInputSerializer(serializers.Serializer):
    organization_id = serializers.IntegerField(required=False, help_text="The bidding organisation; default yours.")
    payment_reference = serializers.CharField(
        max_length=100, required=False, allow_blank=True, default="", help_text="Your bank transfer's reference."
    )


class AuctionDepositConfirmInputSerializer(serializers.Serializer):
    payment_reference = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class AuctionDepositForfeitInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000)


class AuctionDepositOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    sale_id = serializers.IntegerField()
    bidder_number = serializers.IntegerField(source="bidder.number")
    organization_id = serializers.IntegerField(source="bidder.organization_id")
    organization_name = serializers.CharField(source="bidder.organization.name")
    amount = serializers.DecimalField(max_digits=16, decimal_places=2)
    status = serializers.ChoiceField(choices=DepositStatus.choices)
    status_display = serializers.CharField(source="get_status_display")
    payment_reference = serializers.CharField()
    confirmed_at = serializers.DateTimeField(allow_null=True)
    settled_at = serializers.DateTimeField(allow_null=True)
    note = serializers.CharField()
    created_at = serializers.DateTimeField()


class AuctionBidInputSerializer(serializers.Serializer):
    amount = money_field(min_value=0, help_text="At least the minimum bid (the sale's minimum_bid).")
    max_amount = money_field(
        min_value=0,
        required=False,
        allow_null=True,
        help_text="Proxy maximum: the system bids for you up to it. The leader sends it to raise its maximum.",
    )
    organization_id = serializers.IntegerField(required=False, help_text="The registered bidding organisation.")


class AuctionBidOutputSerializer(serializers.Serializer):
    sequence = serializers.IntegerField()
    bidder_number = serializers.IntegerField(source="bidder.number")
    amount = serializers.DecimalField(max_digits=16, decimal_places=2)
    is_proxy = serializers.BooleanField()
    placed_at = serializers.DateTimeField()
    mine = serializers.BooleanField(help_text="Placed by or for your organisation.")
    organization_name = serializers.CharField(allow_null=True, help_text="The operator only; null for others.")

    def to_representation(self, instance: Bid) -> dict[str, Any]:
        context = self.context
        org_id = instance.bidder.organization_id
        return {
            "sequence": instance.sequence,
            "bidder_number": instance.bidder.number,
            "amount": f"{instance.amount:.2f}",
            "is_proxy": instance.is_proxy,
            "placed_at": serializers.DateTimeField().to_representation(instance.placed_at),
            "mine": org_id in context["orgs"],
            "organization_name": instance.bidder.organization.name if context["operator"] else None,
        }


class AuctionBidResultOutputSerializer(serializers.Serializer):
    sale = SaleOutputSerializer()
    bids = AuctionBidOutputSerializer(many=True, help_text="The bids this request placed, proxies' answers too.")
    bidder_number = serializers.IntegerField()
    leading = serializers.BooleanField()


def _bid_context(actor: Actor) -> dict[str, Any]:
    return {"orgs": organization_ids(actor), "operator": is_operator(actor)}


class SaleDepositListCreateApi(APIView):
    pagination_class = IdCursorPagination

    @extend_schema(
        tags=TAGS,
        operation_id="trading_sales_deposits_list",
        responses={200: AuctionDepositOutputSerializer(many=True)},
        summary="Bidder registrations and deposits: all for the operator, your own for bidders.",
    )
    def get(self, request: Request, sale_id: int) -> Response:
        sale = access_sale(actor=request.user, pk=sale_id)
        qs = deposit_list(actor=request.user, sale=sale)
        return paginated_response(
            request=request, view=self, queryset=qs, serializer_class=AuctionDepositOutputSerializer
        )

    @extend_schema(
        tags=TAGS,
        operation_id="trading_sales_deposits_create",
        examples=examples.TRADING_SALES_DEPOSITS_CREATE,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        request=AuctionDepositInputSerializer,
        responses={201: AuctionDepositOutputSerializer, **IDEMPOTENCY_RESPONSES},
        summary="Register to bid and record your deposit (保证金) payment; the operator confirms it.",
    )
    @idempotent
    def post(self, request: Request, sale_id: int) -> Response:
        sale = access_sale(actor=request.user, pk=sale_id)
        serializer = AuctionDepositInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        deposit = bidder_register(actor=request_user(request), sale=sale, **serializer.validated_data)
        return Response(
            AuctionDepositOutputSerializer(access_deposit(actor=request.user, pk=deposit.pk)).data,
            status=status.HTTP_201_CREATED,
        )


class DepositConfirmApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="trading_deposits_confirm",
        examples=examples.TRADING_DEPOSITS_CONFIRM,
        request=AuctionDepositConfirmInputSerializer,
        responses={200: AuctionDepositOutputSerializer},
        summary="The operator confirms a deposit was received: it is held and the bidder may bid.",
    )
    def post(self, request: Request, deposit_id: int) -> Response:
        deposit = access_deposit(actor=request.user, pk=deposit_id)
        serializer = AuctionDepositConfirmInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        deposit_confirm(actor=request_user(request), deposit=deposit, **serializer.validated_data)
        return Response(AuctionDepositOutputSerializer(access_deposit(actor=request.user, pk=deposit_id)).data)


class DepositForfeitApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="trading_deposits_forfeit",
        examples=examples.TRADING_DEPOSITS_FORFEIT,
        request=AuctionDepositForfeitInputSerializer,
        responses={200: AuctionDepositOutputSerializer},
        summary="The operator forfeits a deposit (e.g. the winner did not sign by the deadline).",
    )
    def post(self, request: Request, deposit_id: int) -> Response:
        deposit = access_deposit(actor=request.user, pk=deposit_id)
        serializer = AuctionDepositForfeitInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        deposit_forfeit(actor=request_user(request), deposit=deposit, reason=serializer.validated_data["reason"])
        return Response(AuctionDepositOutputSerializer(access_deposit(actor=request.user, pk=deposit_id)).data)


class SaleBidListCreateApi(APIView):
    permission_classes = PUBLIC_READ
    pagination_class = OldestFirstCursorPagination

    @extend_schema(
        tags=TAGS,
        operation_id="trading_sales_bids_list",
        responses={200: AuctionBidOutputSerializer(many=True)},
        summary="The bid history, anonymised by bidder number (public); in the order bids were accepted.",
    )
    def get(self, request: Request, sale_id: int) -> Response:
        sale = access_sale(actor=request.user, pk=sale_id)
        context = _bid_context(request.user)
        return paginated_response(
            request=request,
            view=self,
            queryset=bid_list(actor=request.user, sale=sale),
            render=lambda rows: AuctionBidOutputSerializer(rows, many=True, context=context).data,
        )

    @extend_schema(
        tags=TAGS,
        operation_id="trading_sales_bids_create",
        examples=examples.TRADING_SALES_BIDS_CREATE,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        request=AuctionBidInputSerializer,
        responses={201: AuctionBidResultOutputSerializer, **IDEMPOTENCY_RESPONSES},
        summary="Bid (with an optional proxy maximum); 409 trading_bid_too_low with the current price if outbid.",
    )
    @idempotent
    def post(self, request: Request, sale_id: int) -> Response:
        sale = access_sale(actor=request.user, pk=sale_id)
        serializer = AuctionBidInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = auction_bid(actor=request_user(request), sale=sale, **serializer.validated_data)
        context = _bid_context(request.user)
        return Response(
            {
                "sale": render_sale(request.user, access_sale(actor=request.user, pk=sale_id)),
                "bids": AuctionBidOutputSerializer(
                    Bid.objects.filter(pk__in=[b.pk for b in result.bids])
                    .select_related("bidder", "bidder__organization")
                    .order_by("sequence"),
                    many=True,
                    context=context,
                ).data,
                "bidder_number": result.bidder.number,
                "leading": result.leading,
            },
            status=status.HTTP_201_CREATED,
        )


class SaleCloseApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="trading_sales_close",
        examples=examples.TRADING_SALES_CLOSE,
        request=None,
        responses={200: SaleOutputSerializer},
        summary="Close an auction after its end (the seller or the operator; a scheduled task does it too).",
    )
    def post(self, request: Request, sale_id: int) -> Response:
        sale = access_sale(actor=request.user, pk=sale_id)
        auction_close(actor=request_user(request), sale=sale)
        return Response(render_sale(request.user, access_sale(actor=request.user, pk=sale_id)))
