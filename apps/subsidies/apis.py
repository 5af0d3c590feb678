"""HTTP for post-subsidies (后补助): policies and rounds (the operator writes, everyone signed in reads),
claims (the enterprise submits and reads its own; the operator reviews, decides and disburses)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.authentication import request_user
from apps.core.fields import DecimalNumberField, MarketDateField, MoneyField
from apps.core.idempotency import IDEMPOTENCY_KEY_PARAMETER, IDEMPOTENCY_RESPONSES, idempotent
from apps.core.pagination import StandardCursorPagination, paginated_response
from apps.core.schema import problem_response
from apps.subsidies import examples, selectors, services
from apps.subsidies.models import ClaimStatus, PolicyStatus, SubsidyClaim

TAGS = ["subsidies"]


def _money(**kwargs: Any) -> MoneyField:
    return MoneyField(max_digits=16, decimal_places=2, **kwargs)


class SubsidyRulesSerializer(serializers.Serializer):
    """The rules of a policy version (see docs/subsidies.md); validated by the rules module."""

    claimant_role = serializers.ChoiceField(choices=["buyer", "seller"], default="buyer")
    shares = serializers.DictField(
        child=DecimalNumberField(max_digits=5, decimal_places=4),
        help_text='Share by contract type, e.g. {"transfer": "0.10"} (10%).',
    )
    min_paid_technology_amount = _money(default="0.00")
    cap_per_contract = _money(allow_null=True, default=None)
    cap_per_enterprise_year = _money(allow_null=True, default=None)
    require_registered = serializers.BooleanField(default=True)
    claimant_region_prefixes = serializers.ListField(child=serializers.CharField(max_length=6), default=list)
    counterparty_location = serializers.ChoiceField(choices=["any", "in_city", "out_of_city"], default="any")
    city_region_prefix = serializers.CharField(max_length=6, default="4502")
    max_contracts_per_claim = serializers.IntegerField(
        min_value=1, allow_null=True, default=None, help_text="null: any number; 1: one contract per claim."
    )
    cap_by_new_sales_revenue = serializers.BooleanField(
        default=False,
        help_text="The claim is never above the new sales revenue the claimant declares for the year "
        "(new_sales_revenue, required in each claim then).",
    )


class PolicyInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    version = serializers.CharField(max_length=20)
    effective_from = MarketDateField()
    effective_until = MarketDateField(required=False, allow_null=True)
    rules = SubsidyRulesSerializer()
    source_document = serializers.CharField(
        max_length=500, required=False, allow_blank=True, default="", help_text="The policy document it implements."
    )


class PolicyOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    version = serializers.CharField()
    effective_from = MarketDateField()
    effective_until = MarketDateField(allow_null=True)
    status = serializers.ChoiceField(choices=PolicyStatus.choices)
    rules = serializers.JSONField()
    source_document = serializers.CharField(source="source")
    created_at = serializers.DateTimeField()


class RoundInputSerializer(serializers.Serializer):
    policy_id = serializers.IntegerField(min_value=1)
    name = serializers.CharField(max_length=200)
    opens_on = MarketDateField()
    closes_on = MarketDateField()
    budget = _money(min_value=Decimal("0.01"))


class RoundOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    policy = PolicyOutputSerializer()
    name = serializers.CharField()
    opens_on = MarketDateField()
    closes_on = MarketDateField()
    budget = _money()


class ClaimInputSerializer(serializers.Serializer):
    round_id = serializers.IntegerField(min_value=1)
    enterprise_id = serializers.IntegerField(
        min_value=1, required=False, allow_null=True, help_text="Default: your only organisation."
    )
    contract_ids = serializers.ListField(child=serializers.IntegerField(min_value=1), min_length=1, max_length=50)
    new_sales_revenue = _money(
        required=False,
        allow_null=True,
        help_text="Yuan: the new sales revenue the claimed technology brought this year, from the accounts the "
        "operator may audit. Required when the policy caps the claim by it.",
    )


class ClaimDecisionInputSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["approve", "reject"])
    approved_amount = _money(required=False, allow_null=True, help_text="Default: the computed amount.")
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class DisbursementInputSerializer(serializers.Serializer):
    paid_on = MarketDateField()
    reference = serializers.CharField(max_length=64)
    amount = _money(required=False, allow_null=True, help_text="If given, must equal the approved amount.")


class DisbursementOutputSerializer(serializers.Serializer):
    amount = _money()
    paid_on = MarketDateField()
    reference = serializers.CharField()
    created_at = serializers.DateTimeField()


class SubsidyOrgBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ClaimOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    round_id = serializers.IntegerField()
    policy_id = serializers.IntegerField()
    policy_version = serializers.CharField(source="policy.version")
    enterprise = SubsidyOrgBriefSerializer()
    status = serializers.ChoiceField(choices=ClaimStatus.choices)
    year = serializers.IntegerField()
    computed_amount = _money()
    approved_amount = _money(allow_null=True)
    decision_note = serializers.CharField()
    breakdown = serializers.JSONField(
        help_text="The computation at submission: the policy version and rules, each contract's line (base, share, "
        "caps, amount) and the reasons a contract was excluded or reduced."
    )
    disbursement = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)

    @staticmethod
    def _disbursement(obj: SubsidyClaim) -> Any:
        try:
            return obj.disbursement
        except SubsidyClaim.disbursement.RelatedObjectDoesNotExist:
            return None

    @extend_schema_field(DisbursementOutputSerializer(allow_null=True))
    def get_disbursement(self, obj: SubsidyClaim) -> dict[str, Any] | None:
        found = self._disbursement(obj)
        return None if found is None else dict(DisbursementOutputSerializer(found).data)


def _choice_param(request: Request, name: str, values: list[str]) -> str | None:
    value = request.query_params.get(name)
    if value and value not in values:
        raise serializers.ValidationError({name: [_("Not a valid choice.")]})
    return value or None


def _int_param(request: Request, name: str) -> int | None:
    value = request.query_params.get(name)
    if value is None or value == "":
        return None
    if not value.isdigit():
        raise serializers.ValidationError({name: [_("A number is required.")]})
    return int(value)


class PolicyListCreateApi(APIView):
    pagination_class = StandardCursorPagination

    @extend_schema(
        tags=TAGS,
        operation_id="subsidies_policies_list",
        parameters=[OpenApiParameter("status", str, enum=PolicyStatus.values)],
        responses={200: PolicyOutputSerializer(many=True)},
        summary="Post-subsidy policy versions.",
    )
    def get(self, request: Request) -> Response:
        qs = selectors.policy_list(
            actor=request_user(request), status=_choice_param(request, "status", PolicyStatus.values)
        )
        return paginated_response(request=request, view=self, queryset=qs, serializer_class=PolicyOutputSerializer)

    @extend_schema(
        tags=TAGS,
        operation_id="subsidies_policies_create",
        examples=examples.SUBSIDIES_POLICIES_CREATE,
        request=PolicyInputSerializer,
        responses={201: PolicyOutputSerializer, **problem_response(403, "Only the market operator writes policies.")},
        summary="Create a policy version (a draft); new rules are a new version (operator).",
    )
    def post(self, request: Request) -> Response:
        serializer = PolicyInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data["source"] = data.pop("source_document")
        policy = services.policy_create(actor=request_user(request), **data)
        return Response(PolicyOutputSerializer(policy).data, status=status.HTTP_201_CREATED)


class PolicyDetailApi(APIView):
    @extend_schema(tags=TAGS, operation_id="subsidies_policies_retrieve", responses={200: PolicyOutputSerializer})
    def get(self, request: Request, pk: int) -> Response:
        return Response(PolicyOutputSerializer(selectors.access_policy(actor=request_user(request), pk=pk)).data)


class PolicyActivateApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="subsidies_policies_activate",
        examples=examples.SUBSIDIES_POLICIES_ACTIVATE,
        request=None,
        responses={200: PolicyOutputSerializer},
        summary="Put a draft policy version in force (operator).",
    )
    def post(self, request: Request, pk: int) -> Response:
        actor = request_user(request)
        policy = services.policy_activate(actor=actor, policy=selectors.access_policy(actor=actor, pk=pk))
        return Response(PolicyOutputSerializer(policy).data)


class PolicyRetireApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="subsidies_policies_retire",
        examples=examples.SUBSIDIES_POLICIES_RETIRE,
        request=None,
        responses={200: PolicyOutputSerializer},
        summary="Retire a policy version: no new rounds; its claims keep their numbers (operator).",
    )
    def post(self, request: Request, pk: int) -> Response:
        actor = request_user(request)
        policy = services.policy_retire(actor=actor, policy=selectors.access_policy(actor=actor, pk=pk))
        return Response(PolicyOutputSerializer(policy).data)


class RoundListCreateApi(APIView):
    pagination_class = StandardCursorPagination

    @extend_schema(
        tags=TAGS,
        operation_id="subsidies_rounds_list",
        responses={200: RoundOutputSerializer(many=True)},
        summary="Subsidy rounds (calls for claims).",
    )
    def get(self, request: Request) -> Response:
        qs = selectors.round_list(actor=request_user(request))
        return paginated_response(request=request, view=self, queryset=qs, serializer_class=RoundOutputSerializer)

    @extend_schema(
        tags=TAGS,
        operation_id="subsidies_rounds_create",
        examples=examples.SUBSIDIES_ROUNDS_CREATE,
        request=RoundInputSerializer,
        responses={
            201: RoundOutputSerializer,
            **problem_response(404, "The policy does not exist or is not visible to you."),
        },
        summary="Open a round under an active policy version, with its window and budget (operator).",
    )
    def post(self, request: Request) -> Response:
        actor = request_user(request)
        serializer = RoundInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        policy = selectors.access_policy(actor=actor, pk=data.pop("policy_id"))
        created = services.round_create(actor=actor, policy=policy, **data)
        return Response(RoundOutputSerializer(created).data, status=status.HTTP_201_CREATED)


class RoundDetailApi(APIView):
    @extend_schema(tags=TAGS, operation_id="subsidies_rounds_retrieve", responses={200: RoundOutputSerializer})
    def get(self, request: Request, pk: int) -> Response:
        return Response(RoundOutputSerializer(selectors.access_round(actor=request_user(request), pk=pk)).data)


class ClaimListCreateApi(APIView):
    pagination_class = StandardCursorPagination

    @extend_schema(
        tags=TAGS,
        operation_id="subsidies_claims_list",
        parameters=[OpenApiParameter("status", str, enum=ClaimStatus.values), OpenApiParameter("round", int)],
        responses={200: ClaimOutputSerializer(many=True)},
        summary="Your organisations' claims (the operator reads all).",
    )
    def get(self, request: Request) -> Response:
        qs = selectors.claim_list(
            actor=request_user(request),
            status=_choice_param(request, "status", ClaimStatus.values),
            round_id=_int_param(request, "round"),
        )
        return paginated_response(request=request, view=self, queryset=qs, serializer_class=ClaimOutputSerializer)

    @extend_schema(
        tags=TAGS,
        operation_id="subsidies_claims_create",
        examples=examples.SUBSIDIES_CLAIMS_CREATE,
        request=ClaimInputSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={
            201: ClaimOutputSerializer,
            **IDEMPOTENCY_RESPONSES,
            **problem_response(404, "The round or a contract does not exist or is not visible to you."),
        },
        summary="Claim the post-subsidy on paid, registered contracts; the amount is computed at once.",
    )
    @idempotent
    def post(self, request: Request) -> Response:
        actor = request_user(request)
        serializer = ClaimInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        found = selectors.access_round(actor=actor, pk=data.pop("round_id"))
        claim = services.claim_submit(actor=actor, round=found, **data)
        return Response(
            ClaimOutputSerializer(selectors.access_claim(actor=actor, pk=claim.pk)).data, status=status.HTTP_201_CREATED
        )


class ClaimDetailApi(APIView):
    @extend_schema(tags=TAGS, operation_id="subsidies_claims_retrieve", responses={200: ClaimOutputSerializer})
    def get(self, request: Request, pk: int) -> Response:
        return Response(ClaimOutputSerializer(selectors.access_claim(actor=request_user(request), pk=pk)).data)


class ClaimReviewApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="subsidies_claims_review",
        examples=examples.SUBSIDIES_CLAIMS_REVIEW,
        request=None,
        responses={200: ClaimOutputSerializer},
        summary="Take a submitted claim under review (operator).",
    )
    def post(self, request: Request, pk: int) -> Response:
        actor = request_user(request)
        services.claim_start_review(actor=actor, claim=selectors.access_claim(actor=actor, pk=pk))
        return Response(ClaimOutputSerializer(selectors.access_claim(actor=actor, pk=pk)).data)


class ClaimDecideApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="subsidies_claims_decide",
        examples=examples.SUBSIDIES_CLAIMS_DECIDE,
        request=ClaimDecisionInputSerializer,
        responses={200: ClaimOutputSerializer},
        summary="Approve (possibly less, with a reason, within the budget) or reject a claim (operator).",
    )
    def post(self, request: Request, pk: int) -> Response:
        actor = request_user(request)
        claim = selectors.access_claim(actor=actor, pk=pk)
        serializer = ClaimDecisionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.claim_decide(actor=actor, claim=claim, **serializer.validated_data)
        return Response(ClaimOutputSerializer(selectors.access_claim(actor=actor, pk=pk)).data)


class ClaimDisburseApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="subsidies_claims_disburse",
        examples=examples.SUBSIDIES_CLAIMS_DISBURSE,
        request=DisbursementInputSerializer,
        responses={200: ClaimOutputSerializer},
        summary="Record the payment of an approved claim (operator).",
    )
    def post(self, request: Request, pk: int) -> Response:
        actor = request_user(request)
        claim = selectors.access_claim(actor=actor, pk=pk)
        serializer = DisbursementInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.claim_disburse(actor=actor, claim=claim, **serializer.validated_data)
        return Response(ClaimOutputSerializer(selectors.access_claim(actor=actor, pk=pk)).data)
