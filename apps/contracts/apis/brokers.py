"""HTTP for a broker's record that reads deals and contracts: their scorecard and their commissions.

Served under ``brokers/`` like the rest of the brokers' API; it lives here because the brokers app
stands below deals and contracts and may not read them."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.authentication import request_user
from apps.brokers.selectors import access_broker, broker_for_user
from apps.contracts.apis.common import money as _money
from apps.contracts.selectors import broker_commission_contracts, broker_commission_lines, broker_scorecard
from apps.core.errors import ApplicationError, ErrorCode
from apps.core.pagination import StandardCursorPagination, paginated_response
from apps.core.schema import problem_response

BROKER_TAGS = ["brokers"]


class BrokerScorecardOutputSerializer(serializers.Serializer):
    deals_closed = serializers.IntegerField(help_text="Deals the broker took part in that reached signed or later.")
    registered_technology_amount = serializers.DecimalField(
        max_digits=18, decimal_places=2, help_text="Recognised technology amount of registered contracts, yuan."
    )
    median_days_to_close = serializers.FloatField(
        allow_null=True, help_text="Median days from a deal's opening to its signing."
    )


class CommissionOutputSerializer(serializers.Serializer):
    contract_id = serializers.IntegerField(source="contract.pk")
    contract_title = serializers.CharField(source="contract.title")
    deal_id = serializers.IntegerField(source="contract.deal_id")
    introduction_id = serializers.IntegerField(source="introduction.pk", allow_null=True)
    commission_rate = serializers.DecimalField(
        max_digits=5, decimal_places=4, source="introduction.commission_rate", allow_null=True
    )
    commission_fixed = _money(source="introduction.commission_fixed", allow_null=True)
    commission_cap = _money(source="introduction.commission_cap", allow_null=True)
    contract_amount = _money(source="contract.contract_amount")
    technology_amount = _money(source="contract.technology_amount")
    paid_amount = _money()
    paid_technology_amount = _money(help_text="paid × technology amount / contract amount, half up to the fen.")
    commission = _money(help_text="min(cap, rate × paid technology amount + fixed once anything is paid).")


class BrokerCommissionListApi(APIView):
    pagination_class = StandardCursorPagination

    @extend_schema(
        tags=BROKER_TAGS,
        operation_id="brokers_me_commissions",
        # Named here: with a problem response beside the list, drf-spectacular does not add them itself.
        parameters=[OpenApiParameter("cursor", str), OpenApiParameter("page_size", int)],
        responses={200: CommissionOutputSerializer(many=True), **problem_response(404, "You have no broker profile.")},
        summary="Your commissions per contract of the deals you broker, on what was paid (404: no broker profile).",
    )
    def get(self, request: Request) -> Response:
        broker = broker_for_user(request_user(request))
        if broker is None:
            raise ApplicationError(_("You have no broker profile."), code=ErrorCode.NOT_FOUND, status=404)
        return paginated_response(
            request=request,
            view=self,
            queryset=broker_commission_contracts(broker=broker),
            render=lambda page: (
                CommissionOutputSerializer(broker_commission_lines(broker=broker, contracts=page), many=True).data
            ),
        )


class BrokerScorecardApi(APIView):
    @extend_schema(
        tags=BROKER_TAGS,
        operation_id="brokers_scorecard",
        responses={200: BrokerScorecardOutputSerializer},
        summary="A broker's record: deals closed, registered technology amount, median days to close.",
    )
    def get(self, request: Request, broker_id: int) -> Response:
        broker = access_broker(actor=request_user(request), pk=broker_id)
        return Response(BrokerScorecardOutputSerializer(broker_scorecard(broker=broker)).data)
