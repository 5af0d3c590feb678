"""HTTP for the risk compensation pool (风险补偿资金池): pools, capital, enrolments, recoveries, the report."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.authentication import request_user
from apps.core.fields import MarketDateField
from apps.core.pagination import StandardCursorPagination, paginated_response
from apps.finance import examples, selectors, services
from apps.finance.apis.common import TAGS, money_field

SHARE_HELP = "Percent of a defaulted loan's loss; the three shares sum to 100."


def _share(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=Decimal(0), max_value=Decimal(100), help_text=SHARE_HELP, **kwargs
    )


class PoolInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    region_code = serializers.RegexField(r"^\d{6}$")
    pool_share = _share()
    bank_share = _share()
    guarantor_share = _share()


class PoolOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    region_code = serializers.CharField(source="region_id")
    pool_share = serializers.DecimalField(max_digits=5, decimal_places=2)
    bank_share = serializers.DecimalField(max_digits=5, decimal_places=2)
    guarantor_share = serializers.DecimalField(max_digits=5, decimal_places=2)
    active = serializers.BooleanField()
    created_at = serializers.DateTimeField()


class CapitalInputSerializer(serializers.Serializer):
    amount = money_field(min_value=Decimal("0.01"))
    posted_on = MarketDateField()
    memo = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class LedgerPostingOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    amount = money_field()
    posted_on = MarketDateField()
    memo = serializers.CharField()


class PoolReportOutputSerializer(serializers.Serializer):
    pool_id = serializers.IntegerField()
    capital_paid_in = money_field()
    compensation_paid = money_field()
    recoveries_returned = money_field()
    pool_balance = money_field(help_text="Capital paid in − compensation paid + recoveries returned.")
    bank_loss = money_field()
    guarantor_loss = money_field()
    losses_total = money_field()
    enrolled_loans = serializers.IntegerField()
    enrolled_amount = money_field()
    defaulted_loans = serializers.IntegerField()
    total_debits = money_field()
    total_credits = money_field()
    balanced = serializers.BooleanField()


class EnrolmentInputSerializer(serializers.Serializer):
    application_id = serializers.IntegerField(min_value=1)
    guarantor_id = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None)


class EnrolmentOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    pool_id = serializers.IntegerField()
    application_id = serializers.IntegerField()
    guarantor_id = serializers.IntegerField(allow_null=True)
    covered_amount = money_field()
    status = serializers.CharField()
    decision_note = serializers.CharField()
    created_at = serializers.DateTimeField()


class EnrolmentDecideInputSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class RecoveryInputSerializer(serializers.Serializer):
    amount = money_field(min_value=Decimal("0.01"))
    posted_on = MarketDateField()


class PoolListCreateApi(APIView):
    pagination_class = StandardCursorPagination

    @extend_schema(tags=TAGS, operation_id="finance_pools_list", responses={200: PoolOutputSerializer(many=True)})
    def get(self, request: Request) -> Response:
        qs = selectors.pool_list(actor=request_user(request))
        return paginated_response(request=request, view=self, queryset=qs, serializer_class=PoolOutputSerializer)

    @extend_schema(
        tags=TAGS,
        operation_id="finance_pools_create",
        examples=examples.FINANCE_POOLS_CREATE,
        request=PoolInputSerializer,
        responses={201: PoolOutputSerializer},
        summary="The operator sets up a risk compensation pool and its loss-sharing ratios.",
    )
    def post(self, request: Request) -> Response:
        serializer = PoolInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        pool = services.pool_create(actor=request_user(request), **serializer.validated_data)
        return Response(PoolOutputSerializer(pool).data, status=status.HTTP_201_CREATED)


class PoolDetailApi(APIView):
    @extend_schema(tags=TAGS, operation_id="finance_pools_retrieve", responses={200: PoolOutputSerializer})
    def get(self, request: Request, pk: int) -> Response:
        return Response(PoolOutputSerializer(selectors.access_pool(actor=request_user(request), pk=pk)).data)


class PoolCapitalApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="finance_pools_capital",
        examples=examples.FINANCE_POOLS_CAPITAL,
        request=CapitalInputSerializer,
        responses={201: LedgerPostingOutputSerializer},
        summary="The operator records capital paid into the pool.",
    )
    def post(self, request: Request, pk: int) -> Response:
        actor = request_user(request)
        pool = selectors.access_pool(actor=actor, pk=pk)
        serializer = CapitalInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        posting = services.pool_contribute(actor=actor, pool=pool, **serializer.validated_data)
        return Response(LedgerPostingOutputSerializer(posting).data, status=status.HTTP_201_CREATED)


class PoolReportApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="finance_pools_report",
        responses={200: PoolReportOutputSerializer},
        summary="The pool's ledger summed up: capital, compensation, recoveries, balance, losses by party.",
    )
    def get(self, request: Request, pk: int) -> Response:
        pool = selectors.access_pool(actor=request_user(request), pk=pk)
        return Response(PoolReportOutputSerializer(selectors.pool_report(pool)).data)


class PoolEnrolmentCreateApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="finance_pools_enrolments_create",
        examples=examples.FINANCE_POOLS_ENROLMENTS_CREATE,
        request=EnrolmentInputSerializer,
        responses={201: EnrolmentOutputSerializer},
        summary="The lender (or the operator) asks to enrol a disbursed loan; the operator approves.",
    )
    def post(self, request: Request, pk: int) -> Response:
        actor = request_user(request)
        pool = selectors.access_pool(actor=actor, pk=pk)
        serializer = EnrolmentInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        application = selectors.access_application(actor=actor, pk=serializer.validated_data["application_id"])
        enrolment = services.enrolment_request(
            actor=actor, application=application, pool=pool, guarantor_id=serializer.validated_data["guarantor_id"]
        )
        return Response(EnrolmentOutputSerializer(enrolment).data, status=status.HTTP_201_CREATED)


class EnrolmentDecideApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="finance_enrolments_decide",
        examples=examples.FINANCE_ENROLMENTS_DECIDE,
        request=EnrolmentDecideInputSerializer,
        responses={200: EnrolmentOutputSerializer},
        summary="The operator approves or rejects an enrolment.",
    )
    def post(self, request: Request, pk: int) -> Response:
        actor = request_user(request)
        enrolment = selectors.access_enrolment(actor=actor, pk=pk)
        serializer = EnrolmentDecideInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        enrolment = services.enrolment_decide(actor=actor, enrolment=enrolment, **serializer.validated_data)
        return Response(EnrolmentOutputSerializer(enrolment).data)


class EnrolmentRecoveryApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="finance_enrolments_recoveries",
        examples=examples.FINANCE_ENROLMENTS_RECOVERIES,
        request=RecoveryInputSerializer,
        responses={201: LedgerPostingOutputSerializer},
        summary="Money recovered after a default, returned to pool, bank and guarantor in their loss proportions.",
    )
    def post(self, request: Request, pk: int) -> Response:
        actor = request_user(request)
        enrolment = selectors.access_enrolment(actor=actor, pk=pk)
        serializer = RecoveryInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        posting = services.recovery_record(actor=actor, enrolment=enrolment, **serializer.validated_data)
        response = Response(LedgerPostingOutputSerializer(posting).data, status=status.HTTP_201_CREATED)
        response["Location"] = f"/api/v1/finance/pools/{enrolment.pool_id}"  # the pool's report counts it
        return response
