"""HTTP for after the deal: the contract's implementation stage and the buyer's stage reports."""

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
from apps.settlement import examples
from apps.settlement.apis.common import AFTERCARE_TAGS, money
from apps.settlement.models import REPORTED_STAGES, ImplementationStage
from apps.settlement.selectors import implementation_of, implementation_report_list
from apps.settlement.services import implementation_report_create


class ImplementationReportInputSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(choices=REPORTED_STAGES, help_text="小试, 中试 or 产业化; forward only.")
    period_start = MarketDateField()
    period_end = MarketDateField(help_text="Not in the future.")
    revenue = money(required=False, default=Decimal("0"), help_text="Sales revenue from the technology, yuan.")
    output_value = money(required=False, default=Decimal("0"), help_text="Output value (产值), yuan.")
    jobs_created = serializers.IntegerField(min_value=0, max_value=1_000_000, required=False, default=0)
    units_produced = serializers.IntegerField(min_value=0, max_value=10**15, required=False, default=0)
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class ImplementationReportOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    contract_id = serializers.IntegerField()
    stage = serializers.ChoiceField(choices=ImplementationStage.choices)
    period_start = MarketDateField()
    period_end = MarketDateField()
    revenue = money()
    output_value = money()
    jobs_created = serializers.IntegerField()
    units_produced = serializers.IntegerField()
    note = serializers.CharField()
    reported_by_id = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()


class ImplementationOutputSerializer(serializers.Serializer):
    contract_id = serializers.IntegerField()
    stage = serializers.ChoiceField(choices=ImplementationStage.choices)
    small_trial_on = MarketDateField(allow_null=True)
    pilot_on = MarketDateField(allow_null=True)
    industrialisation_on = MarketDateField(allow_null=True)
    reports = ImplementationReportOutputSerializer(many=True)


class ImplementationApi(APIView):
    @extend_schema(
        tags=AFTERCARE_TAGS,
        operation_id="implementation_retrieve",
        responses={200: ImplementationOutputSerializer},
        summary="Where the contract's technology stands (小试 → 中试 → 产业化) and the buyer's reports.",
    )
    def get(self, request: Request, contract_id: int) -> Response:
        contract = access_contract(actor=request_user(request), pk=contract_id)
        implementation = implementation_of(contract=contract)
        data = {
            "contract_id": contract.pk,
            "stage": implementation.stage if implementation else ImplementationStage.NOT_STARTED,
            "small_trial_on": implementation.small_trial_on if implementation else None,
            "pilot_on": implementation.pilot_on if implementation else None,
            "industrialisation_on": implementation.industrialisation_on if implementation else None,
            "reports": list(implementation_report_list(contract=contract)),
        }
        return Response(ImplementationOutputSerializer(data).data)


class ImplementationReportCreateApi(APIView):
    @extend_schema(
        tags=AFTERCARE_TAGS,
        operation_id="implementation_reports_create",
        examples=examples.IMPLEMENTATION_REPORTS_CREATE,
        request=ImplementationReportInputSerializer,
        responses={201: ImplementationReportOutputSerializer},
        summary="The buyer reports a period of a stage; a later stage moves the contract there (409: earlier).",
    )
    def post(self, request: Request, contract_id: int) -> Response:
        actor = request_user(request)
        contract = access_contract(actor=actor, pk=contract_id)
        serializer = ImplementationReportInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        report = implementation_report_create(actor=actor, contract=contract, **serializer.validated_data)
        return Response(ImplementationReportOutputSerializer(report).data, status=status.HTTP_201_CREATED)
