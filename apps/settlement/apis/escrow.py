"""HTTP for the settlement plan: escrow milestones, deposits, acceptance, disputes, refunds, the ledger
and the reconciliation report."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.http import HttpResponseBase, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.authentication import request_user
from apps.contracts.selectors import access_contract
from apps.core.exporting import csv_chunks
from apps.core.fields import MarketDateField
from apps.core.idempotency import IDEMPOTENCY_KEY_PARAMETER, IDEMPOTENCY_RESPONSES, idempotent
from apps.core.negotiation import FileResponseNegotiation
from apps.core.pagination import paginated_response
from apps.settlement import examples
from apps.settlement.apis.common import ESCROW_TAGS, OldestFirstPagination, money
from apps.settlement.models import EscrowStatus, PostingKind
from apps.settlement.selectors import (
    Reconciliation,
    access_escrow_milestone,
    contract_reconciliation,
    escrow_figures,
    escrow_milestone_list,
    market_reconciliation,
    posting_list,
)
from apps.settlement.services import (
    escrow_accept,
    escrow_deposit,
    escrow_dispute,
    escrow_milestone_create,
    escrow_refund,
    escrow_resolve,
)


class EscrowMilestoneInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    amount = money(help_text="Yuan, more than zero; all payment milestones together ≤ the contract amount.")
    due_on = MarketDateField()
    acceptance_criteria = serializers.CharField(max_length=2000)


class EscrowMilestoneOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    contract_id = serializers.IntegerField()
    payment_milestone_id = serializers.IntegerField(help_text="The contract's payment milestone it settles.")
    title = serializers.CharField()
    amount = money()
    due_on = MarketDateField()
    acceptance_criteria = serializers.CharField()
    status = serializers.ChoiceField(choices=EscrowStatus.choices)
    deposited = money(help_text="Deposited into escrow so far.")
    held = money(help_text="Held now: deposits − releases − refunds.")
    dispute_reason = serializers.CharField()
    decided_at = serializers.DateTimeField(allow_null=True)


class EscrowDepositInputSerializer(serializers.Serializer):
    amount = money(help_text="Yuan, more than zero; deposits together ≤ the milestone amount.")
    external_reference = serializers.CharField(
        max_length=100, help_text="The bank transfer's reference: the same one again is recognised, not counted twice."
    )
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class PostingLineOutputSerializer(serializers.Serializer):
    account = serializers.CharField()
    debit = money()
    credit = money()


class PostingOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    contract_id = serializers.IntegerField()
    milestone_id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=PostingKind.choices)
    amount = money()
    external_reference = serializers.CharField()
    payment_id = serializers.IntegerField(allow_null=True, help_text="The contract payment a release made.")
    note = serializers.CharField()
    created_at = serializers.DateTimeField()
    lines = PostingLineOutputSerializer(many=True)


class EscrowNoteInputSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class EscrowDisputeInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class EscrowResolveInputSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=[("release", "release"), ("refund", "refund")])
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class ReconciliationOutputSerializer(serializers.Serializer):
    contract_id = serializers.IntegerField(allow_null=True)
    contract_title = serializers.CharField()
    deposited = money()
    held = money()
    released = money()
    refunded = money()
    payments_total = money(help_text="All payments recorded on the contract(s).")
    payments_from_escrow = money(help_text="Payments made by escrow releases; equals `released` when all agrees.")
    ledger_balanced = serializers.BooleanField()
    differences = serializers.ListField(child=serializers.CharField())


class MarketReconciliationOutputSerializer(serializers.Serializer):
    market = ReconciliationOutputSerializer()
    contracts = ReconciliationOutputSerializer(many=True)


def _milestone_data(pk: int) -> dict[str, Any]:
    return dict(EscrowMilestoneOutputSerializer(escrow_figures(pk=pk)).data)


class EscrowMilestoneListCreateApi(APIView):
    @extend_schema(
        tags=ESCROW_TAGS,
        operation_id="settlement_milestones_list",
        responses={200: EscrowMilestoneOutputSerializer(many=True)},
        summary="The contract's settlement plan with what escrow holds for each milestone.",
    )
    def get(self, request: Request, contract_id: int) -> Response:
        contract = access_contract(actor=request_user(request), pk=contract_id)
        return Response(EscrowMilestoneOutputSerializer(escrow_milestone_list(contract=contract), many=True).data)

    @extend_schema(
        tags=ESCROW_TAGS,
        operation_id="settlement_milestones_create",
        examples=examples.SETTLEMENT_MILESTONES_CREATE,
        request=EscrowMilestoneInputSerializer,
        responses={201: EscrowMilestoneOutputSerializer},
        summary="Add a milestone to the settlement plan (the parties or the operator).",
    )
    def post(self, request: Request, contract_id: int) -> Response:
        actor = request_user(request)
        contract = access_contract(actor=actor, pk=contract_id)
        serializer = EscrowMilestoneInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        milestone = escrow_milestone_create(actor=actor, contract=contract, **serializer.validated_data)
        return Response(_milestone_data(milestone.pk), status=status.HTTP_201_CREATED)


class EscrowDepositApi(APIView):
    @extend_schema(
        tags=ESCROW_TAGS,
        operation_id="settlement_deposits_create",
        examples=examples.SETTLEMENT_DEPOSITS_CREATE,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        request=EscrowDepositInputSerializer,
        responses={201: PostingOutputSerializer, 200: PostingOutputSerializer, **IDEMPOTENCY_RESPONSES},
        summary="Record the buyer's deposit into escrow (the buyer or the operator); 200 for a known reference.",
    )
    @idempotent
    def post(self, request: Request, milestone_id: int) -> Response:
        actor = request_user(request)
        milestone = access_escrow_milestone(actor=actor, pk=milestone_id)
        serializer = EscrowDepositInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        posting, created = escrow_deposit(actor=actor, milestone=milestone, **serializer.validated_data)
        response = Response(
            PostingOutputSerializer(posting).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )
        if created:  # the contract's settlement plan shows the milestone's deposits
            response["Location"] = f"/api/v1/contracts/{milestone.contract_id}/settlement/milestones"
        return response


def _action_view(name: str, summary: str, serializer_class: type[serializers.Serializer], run: Any, ex: Any) -> Any:
    class _Api(APIView):
        @extend_schema(
            tags=ESCROW_TAGS,
            operation_id=f"settlement_milestones_{name}",
            examples=ex,
            request=serializer_class,
            responses={200: EscrowMilestoneOutputSerializer},
            summary=summary,
        )
        def post(self, request: Request, milestone_id: int) -> Response:
            actor = request_user(request)
            milestone = access_escrow_milestone(actor=actor, pk=milestone_id)
            serializer = serializer_class(data=request.data)
            serializer.is_valid(raise_exception=True)
            run(actor=actor, milestone=milestone, **serializer.validated_data)
            return Response(_milestone_data(milestone.pk))

    _Api.__name__ = f"EscrowMilestone{name.title()}Api"
    return _Api


EscrowAcceptApi = _action_view(
    "accept",
    "The buyer accepts the milestone: escrow releases it to the seller as a contract payment.",
    EscrowNoteInputSerializer,
    escrow_accept,
    examples.SETTLEMENT_MILESTONES_ACCEPT,
)
EscrowDisputeApi = _action_view(
    "dispute",
    "Either party disputes the milestone; the operator then releases or refunds.",
    EscrowDisputeInputSerializer,
    escrow_dispute,
    examples.SETTLEMENT_MILESTONES_DISPUTE,
)
EscrowRefundApi = _action_view(
    "refund",
    "Refund what escrow holds to the buyer (the seller gives the milestone up, or the operator).",
    EscrowNoteInputSerializer,
    escrow_refund,
    examples.SETTLEMENT_MILESTONES_REFUND,
)
EscrowResolveApi = _action_view(
    "resolve",
    "The operator decides a disputed milestone: release to the seller or refund to the buyer.",
    EscrowResolveInputSerializer,
    escrow_resolve,
    examples.SETTLEMENT_MILESTONES_RESOLVE,
)


class ContractLedgerApi(APIView):
    pagination_class = OldestFirstPagination

    @extend_schema(
        tags=ESCROW_TAGS,
        operation_id="settlement_ledger_list",
        responses={200: PostingOutputSerializer(many=True)},
        summary="The contract's escrow ledger, oldest first; each posting's debits equal its credits.",
    )
    def get(self, request: Request, contract_id: int) -> Response:
        contract = access_contract(actor=request_user(request), pk=contract_id)
        return paginated_response(
            request=request,
            view=self,
            queryset=posting_list(contract=contract),
            serializer_class=PostingOutputSerializer,
        )


class ContractReconciliationApi(APIView):
    @extend_schema(
        tags=ESCROW_TAGS,
        operation_id="settlement_contract_reconciliation",
        responses={200: ReconciliationOutputSerializer},
        summary="Deposited, held, released and refunded against the contract's payments.",
    )
    def get(self, request: Request, contract_id: int) -> Response:
        contract = access_contract(actor=request_user(request), pk=contract_id)
        return Response(ReconciliationOutputSerializer(contract_reconciliation(contract=contract)).data)


CSV_HEADERS = [
    "合同编号ID",
    "合同名称",
    "存入托管（元）",
    "托管余额（元）",
    "已放款（元）",
    "已退款（元）",
    "合同已付款（元）",
    "托管放款形成的付款（元）",
    "账目平衡",
    "差异",
]


def _csv_row(row: Reconciliation) -> list[Any]:
    return [
        row.contract_id if row.contract_id is not None else "合计",
        row.contract_title,
        row.deposited,
        row.held,
        row.released,
        row.refunded,
        row.payments_total,
        row.payments_from_escrow,
        "是" if row.ledger_balanced else "否",
        ";".join(row.differences),
    ]


class MarketReconciliationApi(APIView):
    content_negotiation_class = FileResponseNegotiation

    @extend_schema(
        tags=ESCROW_TAGS,
        operation_id="settlement_reconciliation",
        parameters=[OpenApiParameter("format", str, enum=["json", "csv"], required=False)],
        responses={
            (200, "application/json"): MarketReconciliationOutputSerializer,
            (200, "text/csv"): OpenApiTypes.BINARY,
        },
        summary="The market-wide escrow reconciliation (the operator; 403 otherwise); format=csv for a file.",
    )
    def get(self, request: Request) -> HttpResponseBase:
        market, rows = market_reconciliation(actor=request_user(request))
        fmt = request.query_params.get("format", "json")
        if fmt not in ("json", "csv"):
            raise serializers.ValidationError({"format": [_("Choose json or csv.")]})
        if fmt == "json":
            return Response(
                MarketReconciliationOutputSerializer(
                    {"market": asdict(market), "contracts": [asdict(r) for r in rows]}
                ).data
            )
        response = StreamingHttpResponse(
            csv_chunks(CSV_HEADERS, [_csv_row(r) for r in [*rows, market]]), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = (
            f'attachment; filename="escrow-reconciliation-{timezone.localdate():%Y%m%d}.csv"'
        )
        response["Cache-Control"] = "private, no-store"
        return response
