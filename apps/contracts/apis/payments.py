"""HTTP for a contract's payment milestones and payments received."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.authentication import request_user
from apps.contracts import examples
from apps.contracts.apis.common import TAGS
from apps.contracts.apis.common import money as _money
from apps.contracts.selectors import (
    access_contract,
    milestone_list,
    payment_list,
)
from apps.contracts.services import (
    milestone_create,
    payment_create,
)
from apps.core.fields import MarketDateField
from apps.core.idempotency import IDEMPOTENCY_KEY_PARAMETER, IDEMPOTENCY_RESPONSES, idempotent
from apps.core.pagination import StandardCursorPagination, paginated_response


class OldestFirstPagination(StandardCursorPagination):
    ordering = "id"


class ContractMilestoneInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    due_on = MarketDateField()
    amount = _money(help_text="Yuan, more than zero; all milestones together ≤ the contract amount.")


class ContractMilestoneOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    due_on = MarketDateField()
    amount = _money()
    paid_amount = _money(help_text="Payments recorded against this milestone.")


class ContractPaymentInputSerializer(serializers.Serializer):
    amount = _money(help_text="Yuan, more than zero; all payments together ≤ the contract amount.")
    paid_on = MarketDateField(help_text="Not in the future.")
    reference = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    milestone_id = serializers.IntegerField(required=False, allow_null=True)


class ContractPaymentOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    contract_id = serializers.IntegerField()
    milestone_id = serializers.IntegerField(allow_null=True)
    amount = _money()
    paid_on = MarketDateField()
    reference = serializers.CharField()
    note = serializers.CharField()
    recorded_by_id = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()


class ContractMilestoneListCreateApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="contracts_milestones_list",
        responses={200: ContractMilestoneOutputSerializer(many=True)},
        summary="The payment schedule, by due date.",
    )
    def get(self, request: Request, contract_id: int) -> Response:
        contract = access_contract(actor=request_user(request), pk=contract_id)
        return Response(ContractMilestoneOutputSerializer(milestone_list(contract=contract), many=True).data)

    @extend_schema(
        tags=TAGS,
        operation_id="contracts_milestones_create",
        examples=examples.CONTRACTS_MILESTONES_CREATE,
        request=ContractMilestoneInputSerializer,
        responses={201: ContractMilestoneOutputSerializer},
        summary="Schedule a payment (the parties or the operator).",
    )
    def post(self, request: Request, contract_id: int) -> Response:
        actor = request_user(request)
        contract = access_contract(actor=actor, pk=contract_id)
        serializer = ContractMilestoneInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        milestone = milestone_create(actor=actor, contract=contract, **serializer.validated_data)
        milestone.paid_amount = 0  # type: ignore[attr-defined]
        return Response(ContractMilestoneOutputSerializer(milestone).data, status=status.HTTP_201_CREATED)


class ContractPaymentListCreateApi(APIView):
    pagination_class = OldestFirstPagination

    @extend_schema(
        tags=TAGS,
        operation_id="contracts_payments_list",
        responses={200: ContractPaymentOutputSerializer(many=True)},
        summary="Payments received, oldest first.",
    )
    def get(self, request: Request, contract_id: int) -> Response:
        contract = access_contract(actor=request_user(request), pk=contract_id)
        return paginated_response(
            request=request,
            view=self,
            queryset=payment_list(contract=contract),
            serializer_class=ContractPaymentOutputSerializer,
        )

    @extend_schema(
        tags=TAGS,
        operation_id="contracts_payments_create",
        examples=examples.PAYMENT_CREATE,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        request=ContractPaymentInputSerializer,
        responses={201: ContractPaymentOutputSerializer, **IDEMPOTENCY_RESPONSES},
        summary="Record money received (the parties or the operator); never beyond the contract amount.",
    )
    @idempotent
    def post(self, request: Request, contract_id: int) -> Response:
        actor = request_user(request)
        contract = access_contract(actor=actor, pk=contract_id)
        serializer = ContractPaymentInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        payment = payment_create(actor=actor, contract=contract, **serializer.validated_data)
        return Response(ContractPaymentOutputSerializer(payment).data, status=status.HTTP_201_CREATED)
