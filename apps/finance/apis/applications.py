"""HTTP for financing applications: the enterprise applies, the institution decides, disburses and closes."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.authentication import request_user
from apps.core.fields import MarketDateField
from apps.core.pagination import StandardCursorPagination, paginated_response
from apps.core.schema import problem_response
from apps.finance import examples, selectors, services
from apps.finance.apis.common import TAGS, FinanceOrgBriefSerializer, money_field, rate_field
from apps.finance.apis.requests import FinancingRequestOutputSerializer
from apps.finance.models import ApplicationStatus, FinancingApplication


class ApplicationInputSerializer(serializers.Serializer):
    request_id = serializers.IntegerField(min_value=1)
    product_id = serializers.IntegerField(min_value=1)
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class FinanceProductBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()


class ApplicationEventSerializer(serializers.Serializer):
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    note = serializers.CharField()
    at = serializers.DateTimeField()


class ApplicationOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    request = FinancingRequestOutputSerializer()
    product = FinanceProductBriefSerializer()
    institution = FinanceOrgBriefSerializer()
    enterprise = FinanceOrgBriefSerializer()
    status = serializers.CharField()
    status_display = serializers.CharField(source="get_status_display")
    match = serializers.JSONField(help_text="The match at submission: eligible, score, rules and fit with reasons.")
    note = serializers.CharField()
    decision_note = serializers.CharField()
    approved_amount = money_field(allow_null=True)
    approved_rate = rate_field(allow_null=True)
    approved_term_months = serializers.IntegerField(allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)
    disbursed_amount = money_field(allow_null=True)
    disbursed_on = MarketDateField(allow_null=True)
    closed_on = MarketDateField(allow_null=True)
    loss_amount = money_field(allow_null=True)
    events = ApplicationEventSerializer(many=True)
    created_at = serializers.DateTimeField()


class ApplicationNoteInputSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class ApplicationDeclineInputSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=1000, help_text="Why the institution declines (the enterprise reads it).")


class ApplicationApproveInputSerializer(serializers.Serializer):
    amount = money_field(min_value=Decimal("0.01"))
    rate = rate_field(min_value=Decimal("0"), help_text="Annual rate in percent.")
    term_months = serializers.IntegerField(min_value=1, max_value=600)
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class DisburseInputSerializer(serializers.Serializer):
    amount = money_field(min_value=Decimal("0.01"))
    disbursed_on = MarketDateField()


class RepayInputSerializer(serializers.Serializer):
    closed_on = MarketDateField()


class DefaultInputSerializer(serializers.Serializer):
    closed_on = MarketDateField()
    loss_amount = money_field(min_value=Decimal("0.01"), help_text="The principal lost, shared by the risk pool.")


def _fresh(actor: Any, pk: int) -> dict[str, Any]:
    application = selectors.application_visible_qs(actor).prefetch_related("events").get(pk=pk)
    return ApplicationOutputSerializer(application).data


class ApplicationListCreateApi(APIView):
    pagination_class = StandardCursorPagination

    @extend_schema(
        tags=TAGS,
        operation_id="finance_applications_list",
        parameters=[
            OpenApiParameter("status", str, enum=ApplicationStatus.values),
            OpenApiParameter("role", str, enum=["enterprise", "institution"], description="Which side you read as."),
        ],
        responses={200: ApplicationOutputSerializer(many=True)},
        summary="Applications you made (enterprise) or received (institution); the operator reads all.",
    )
    def get(self, request: Request) -> Response:
        params = request.query_params
        status_value, role = params.get("status"), params.get("role")
        if status_value and status_value not in ApplicationStatus.values:
            raise serializers.ValidationError({"status": [_("Not a valid status.")]})
        if role and role not in ("enterprise", "institution"):
            raise serializers.ValidationError({"role": [_("Not a valid role.")]})
        qs = selectors.application_list(actor=request_user(request), status=status_value, role=role).prefetch_related(
            "events"
        )
        return paginated_response(request=request, view=self, queryset=qs, serializer_class=ApplicationOutputSerializer)

    @extend_schema(
        tags=TAGS,
        operation_id="finance_applications_create",
        examples=examples.FINANCE_APPLICATIONS_CREATE,
        request=ApplicationInputSerializer,
        responses={
            201: ApplicationOutputSerializer,
            **problem_response(404, "The request or the product does not exist or is not visible to you."),
        },
        summary="Apply with a request to a published product whose eligibility rules it meets (409 not_eligible).",
    )
    def post(self, request: Request) -> Response:
        actor = request_user(request)
        serializer = ApplicationInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        found = selectors.access_request(actor=actor, pk=data["request_id"])
        product = selectors.access_product(actor=actor, pk=data["product_id"])
        application = services.application_submit(actor=actor, request=found, product=product, note=data["note"])
        return Response(_fresh(actor, application.pk), status=status.HTTP_201_CREATED)


class ApplicationDetailApi(APIView):
    @extend_schema(
        tags=TAGS, operation_id="finance_applications_retrieve", responses={200: ApplicationOutputSerializer}
    )
    def get(self, request: Request, pk: int) -> Response:
        actor = request_user(request)
        selectors.access_application(actor=actor, pk=pk)
        return Response(_fresh(actor, pk))


def _action_view(
    action: str,
    input_serializer: type[serializers.Serializer] | None,
    service: Callable[..., FinancingApplication],
    summary: str,
    example: Any,
) -> type[APIView]:
    class ActionApi(APIView):
        @extend_schema(
            tags=TAGS,
            operation_id=f"finance_applications_{action}",
            request=input_serializer,
            examples=example,
            responses={200: ApplicationOutputSerializer},
            summary=summary,
        )
        def post(self, request: Request, pk: int) -> Response:
            actor = request_user(request)
            application = selectors.access_application(actor=actor, pk=pk)
            data: dict[str, Any] = {}
            if input_serializer is not None:
                serializer = input_serializer(data=request.data)
                serializer.is_valid(raise_exception=True)
                data = dict(serializer.validated_data)
            service(actor=actor, application=application, **data)
            return Response(_fresh(actor, pk))

    ActionApi.__name__ = ActionApi.__qualname__ = f"Application{action.title()}Api"
    return ActionApi


ApplicationReviewApi = _action_view(
    "review",
    None,
    services.application_review,
    "The institution starts reviewing.",
    examples.FINANCE_APPLICATIONS_REVIEW,
)
ApplicationApproveApi = _action_view(
    "approve",
    ApplicationApproveInputSerializer,
    services.application_approve,
    "The institution approves with an amount, rate and term within the product's ranges.",
    examples.FINANCE_APPLICATIONS_APPROVE,
)
ApplicationDeclineApi = _action_view(
    "decline",
    ApplicationDeclineInputSerializer,
    services.application_decline,
    "The institution declines, saying why.",
    examples.FINANCE_APPLICATIONS_DECLINE,
)
ApplicationWithdrawApi = _action_view(
    "withdraw",
    ApplicationNoteInputSerializer,
    services.application_withdraw,
    "The enterprise withdraws before a decision.",
    examples.FINANCE_APPLICATIONS_WITHDRAW,
)
ApplicationDisburseApi = _action_view(
    "disburse",
    DisburseInputSerializer,
    services.application_disburse,
    "The institution records the money paid out (at most the approved amount).",
    examples.FINANCE_APPLICATIONS_DISBURSE,
)
ApplicationRepayApi = _action_view(
    "repay",
    RepayInputSerializer,
    services.application_repay,
    "The institution records the loan repaid.",
    examples.FINANCE_APPLICATIONS_REPAY,
)
ApplicationDefaultApi = _action_view(
    "default",
    DefaultInputSerializer,
    services.application_default,
    "The institution records a default and its loss; an enrolled loan's loss is shared by the risk pool.",
    examples.FINANCE_APPLICATIONS_DEFAULT,
)
