"""HTTP for running royalties (提成): the term, the licensee's sales reports, answers and payments."""

from __future__ import annotations

from decimal import Decimal

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.authentication import request_user
from apps.contracts.selectors import access_contract
from apps.core.fields import MarketDateField
from apps.core.idempotency import IDEMPOTENCY_KEY_PARAMETER, IDEMPOTENCY_RESPONSES, idempotent
from apps.settlement import examples
from apps.settlement.apis.common import ROYALTY_TAGS, money
from apps.settlement.models import RoyaltyPeriod, RoyaltyReportStatus
from apps.settlement.selectors import (
    access_royalty_report,
    royalty_report_figures,
    royalty_report_list,
    royalty_term_of,
)
from apps.settlement.services import (
    royalty_payment_record,
    royalty_report_answer,
    royalty_report_correct,
    royalty_report_submit,
    royalty_term_create,
)


class RoyaltyTermInputSerializer(serializers.Serializer):
    rate_percent = serializers.DecimalField(
        max_digits=6, decimal_places=3, required=False, default=Decimal("0"), help_text="% of net sales, 0–100."
    )
    per_unit_fee = money(required=False, default=Decimal("0"), help_text="Yuan per unit sold.")
    minimum_annual = money(required=False, default=Decimal("0"), help_text="Minimum royalty per royalty year, yuan.")
    period = serializers.ChoiceField(choices=RoyaltyPeriod.choices)
    starts_on = MarketDateField(help_text="The first period starts on this day.")
    due_days = serializers.IntegerField(min_value=0, max_value=365, required=False, default=30)


class RoyaltyTermOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    contract_id = serializers.IntegerField()
    rate_percent = serializers.DecimalField(max_digits=6, decimal_places=3)
    per_unit_fee = money()
    minimum_annual = money()
    period = serializers.ChoiceField(choices=RoyaltyPeriod.choices)
    starts_on = MarketDateField()
    due_days = serializers.IntegerField()


class RoyaltyReportInputSerializer(serializers.Serializer):
    period_index = serializers.IntegerField(
        min_value=1, max_value=1000, help_text="The next period to report (1, 2 …)."
    )
    net_sales = money(help_text="Net sales of the licensed products in the period, yuan.")
    units_sold = serializers.IntegerField(min_value=0, max_value=10**15, required=False, default=0)


class RoyaltyReportOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    contract_id = serializers.IntegerField()
    period_index = serializers.IntegerField()
    period_start = MarketDateField()
    period_end = MarketDateField()
    net_sales = money()
    units_sold = serializers.IntegerField()
    running_amount = money(help_text="net sales × rate + units × fee per unit.")
    minimum_top_up = money(help_text="In a royalty year's last period: what lifts the year to the minimum.")
    amount_due = money()
    due_on = MarketDateField()
    status = serializers.ChoiceField(choices=RoyaltyReportStatus.choices)
    dispute_reason = serializers.CharField()
    paid = money(help_text="Paid against this report so far.")


class RoyaltyDisputeInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class RoyaltyAcknowledgeInputSerializer(serializers.Serializer):
    pass


class RoyaltyPaymentInputSerializer(serializers.Serializer):
    amount = money(help_text="Yuan; payments together ≤ the report's amount due.")
    paid_on = MarketDateField(help_text="Not in the future.")
    reference = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class RoyaltyPaymentOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    report_id = serializers.IntegerField()
    payment_id = serializers.IntegerField(help_text="The contract payment recorded.")
    amount = money(source="payment.amount")
    paid_on = MarketDateField(source="payment.paid_on")


class RoyaltyTermApi(APIView):
    @extend_schema(
        tags=ROYALTY_TAGS,
        operation_id="royalty_term_retrieve",
        responses={200: RoyaltyTermOutputSerializer},
        summary="The contract's running-royalty terms (404 when it has none).",
    )
    def get(self, request: Request, contract_id: int) -> Response:
        contract = access_contract(actor=request_user(request), pk=contract_id)
        return Response(RoyaltyTermOutputSerializer(royalty_term_of(contract=contract)).data)

    @extend_schema(
        tags=ROYALTY_TAGS,
        operation_id="royalty_term_create",
        examples=examples.ROYALTY_TERM_CREATE,
        request=RoyaltyTermInputSerializer,
        responses={201: RoyaltyTermOutputSerializer},
        summary="Record the running-royalty terms of a licence or transfer contract (the parties or the operator).",
    )
    def post(self, request: Request, contract_id: int) -> Response:
        actor = request_user(request)
        contract = access_contract(actor=actor, pk=contract_id)
        serializer = RoyaltyTermInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        term = royalty_term_create(actor=actor, contract=contract, **serializer.validated_data)
        return Response(RoyaltyTermOutputSerializer(term).data, status=status.HTTP_201_CREATED)


class RoyaltyReportListCreateApi(APIView):
    @extend_schema(
        tags=ROYALTY_TAGS,
        operation_id="royalty_reports_list",
        responses={200: RoyaltyReportOutputSerializer(many=True)},
        summary="The licensee's sales reports, by period, with the amounts due and paid.",
    )
    def get(self, request: Request, contract_id: int) -> Response:
        contract = access_contract(actor=request_user(request), pk=contract_id)
        return Response(RoyaltyReportOutputSerializer(royalty_report_list(contract=contract), many=True).data)

    @extend_schema(
        tags=ROYALTY_TAGS,
        operation_id="royalty_reports_create",
        examples=examples.ROYALTY_REPORTS_CREATE,
        request=RoyaltyReportInputSerializer,
        responses={201: RoyaltyReportOutputSerializer},
        summary="The licensee reports a period's sales; the amount due is computed.",
    )
    def post(self, request: Request, contract_id: int) -> Response:
        actor = request_user(request)
        contract = access_contract(actor=actor, pk=contract_id)
        term = royalty_term_of(contract=contract)
        serializer = RoyaltyReportInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        report = royalty_report_submit(actor=actor, term=term, **serializer.validated_data)
        return Response(
            RoyaltyReportOutputSerializer(royalty_report_figures(pk=report.pk)).data, status=status.HTTP_201_CREATED
        )


class RoyaltyReportAcknowledgeApi(APIView):
    @extend_schema(
        tags=ROYALTY_TAGS,
        operation_id="royalty_reports_acknowledge",
        examples=examples.ROYALTY_REPORTS_ACKNOWLEDGE,
        request=RoyaltyAcknowledgeInputSerializer,
        responses={200: RoyaltyReportOutputSerializer},
        summary="The licensor acknowledges the report (also after a dispute is settled).",
    )
    def post(self, request: Request, report_id: int) -> Response:
        actor = request_user(request)
        report = access_royalty_report(actor=actor, pk=report_id)
        royalty_report_answer(actor=actor, report=report, action="acknowledge")
        return Response(RoyaltyReportOutputSerializer(royalty_report_figures(pk=report.pk)).data)


class RoyaltyReportDisputeApi(APIView):
    @extend_schema(
        tags=ROYALTY_TAGS,
        operation_id="royalty_reports_dispute",
        examples=examples.ROYALTY_REPORTS_DISPUTE,
        request=RoyaltyDisputeInputSerializer,
        responses={200: RoyaltyReportOutputSerializer},
        summary="The licensor disputes the report, saying why.",
    )
    def post(self, request: Request, report_id: int) -> Response:
        actor = request_user(request)
        report = access_royalty_report(actor=actor, pk=report_id)
        serializer = RoyaltyDisputeInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        royalty_report_answer(actor=actor, report=report, action="dispute", **serializer.validated_data)
        return Response(RoyaltyReportOutputSerializer(royalty_report_figures(pk=report.pk)).data)


class RoyaltyReportCorrectInputSerializer(serializers.Serializer):
    net_sales = money(help_text="The corrected net sales of the period, yuan.")
    units_sold = serializers.IntegerField(min_value=0, max_value=10**15, required=False, default=0)


class RoyaltyReportCorrectApi(APIView):
    @extend_schema(
        tags=ROYALTY_TAGS,
        operation_id="royalty_reports_correct",
        examples=examples.ROYALTY_REPORTS_CORRECT,
        request=RoyaltyReportCorrectInputSerializer,
        responses={200: RoyaltyReportOutputSerializer},
        summary="The licensee corrects a disputed report (the latest); the amount due is computed again.",
    )
    def post(self, request: Request, report_id: int) -> Response:
        actor = request_user(request)
        report = access_royalty_report(actor=actor, pk=report_id)
        serializer = RoyaltyReportCorrectInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        royalty_report_correct(actor=actor, report=report, **serializer.validated_data)
        return Response(RoyaltyReportOutputSerializer(royalty_report_figures(pk=report.pk)).data)


class RoyaltyPaymentCreateApi(APIView):
    @extend_schema(
        tags=ROYALTY_TAGS,
        operation_id="royalty_payments_create",
        examples=examples.ROYALTY_PAYMENTS_CREATE,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        request=RoyaltyPaymentInputSerializer,
        responses={201: RoyaltyPaymentOutputSerializer, **IDEMPOTENCY_RESPONSES},
        summary="Record a payment of an acknowledged report (a contract payment; split among the researchers).",
    )
    @idempotent
    def post(self, request: Request, report_id: int) -> Response:
        actor = request_user(request)
        report = access_royalty_report(actor=actor, pk=report_id)
        serializer = RoyaltyPaymentInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        record = royalty_payment_record(actor=actor, report=report, **serializer.validated_data)
        response = Response(RoyaltyPaymentOutputSerializer(record).data, status=status.HTTP_201_CREATED)
        response["Location"] = (
            f"/api/v1/contracts/{report.contract_id}/royalty-reports"  # the report shows its payments
        )
        return response
