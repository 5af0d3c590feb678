"""HTTP for revenue sharing (成果转化收益分配): schemes, splitting an income, the allocation reports."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.authentication import request_user
from apps.accounts.models import User
from apps.core.fields import MarketDateField
from apps.core.pagination import paginated_response
from apps.core.schema import problem_response
from apps.organizations.models import Membership
from apps.settlement import examples
from apps.settlement.apis.common import SHARING_TAGS, OldestFirstPagination, money
from apps.settlement.models import BeneficiaryKind, IncomeSource
from apps.settlement.selectors import (
    access_payment_for_split,
    access_sharing_organization,
    allocation_list,
    allocation_report,
    my_allocation_list,
    scheme_list,
)
from apps.settlement.services import income_allocate_payment, scheme_create


class DistributionShareInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=BeneficiaryKind.choices)
    name = serializers.CharField(max_length=200)
    user_id = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="A member of the organisation, to see their own share."
    )
    percent = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=0, max_value=100)


class DistributionSchemeInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    effective_from = MarketDateField()
    min_researcher_percent = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        required=False,
        default=Decimal("70"),
        help_text="Policy floor for the researchers.",
    )
    shares = DistributionShareInputSerializer(many=True, help_text="Add up to 100%.")


class DistributionShareOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=BeneficiaryKind.choices)
    name = serializers.CharField()
    user_id = serializers.IntegerField(allow_null=True)
    percent = serializers.DecimalField(max_digits=5, decimal_places=2)


class DistributionSchemeOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    organization_id = serializers.IntegerField()
    version = serializers.IntegerField()
    name = serializers.CharField()
    effective_from = MarketDateField()
    min_researcher_percent = serializers.DecimalField(max_digits=5, decimal_places=2)
    shares = DistributionShareOutputSerializer(many=True)


class IncomeAllocationOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    payment_id = serializers.IntegerField()
    contract_id = serializers.IntegerField(source="payment.contract_id")
    scheme_id = serializers.IntegerField()
    organization_id = serializers.IntegerField()
    income_source = serializers.ChoiceField(choices=IncomeSource.choices, source="source")
    kind = serializers.ChoiceField(choices=BeneficiaryKind.choices)
    name = serializers.CharField()
    user_id = serializers.IntegerField(allow_null=True)
    percent = serializers.DecimalField(max_digits=5, decimal_places=2)
    amount = money()
    received_on = MarketDateField()


class IncomeSplitInputSerializer(serializers.Serializer):
    payment_id = serializers.IntegerField(help_text="A contract payment received by your organisation.")


class AllocationReportRowSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=BeneficiaryKind.choices)
    name = serializers.CharField()
    user_id = serializers.IntegerField(allow_null=True)
    total = money()
    transfer_price = money()
    royalty = money()


class AllocationReportQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=1990, max_value=2200, required=False, allow_null=True, default=None)


def _year(request: Request) -> int | None:
    query = AllocationReportQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    year: int | None = query.validated_data["year"]
    return year


def _share_users(organization_id: int, shares: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Named researchers with an account must be members of the organisation."""
    ids = {s["user_id"] for s in shares if s.get("user_id")}
    members = set(
        Membership.objects.filter(organization_id=organization_id, user_id__in=ids).values_list("user_id", flat=True)
    )
    if ids - members:
        raise serializers.ValidationError({"shares": [_("A share's user must be a member of the organisation.")]})
    users = {u.pk: u for u in User.objects.filter(pk__in=ids)}
    return [{**s, "user": users.get(s.pop("user_id", None) or 0)} for s in shares]


class DistributionSchemeListCreateApi(APIView):
    @extend_schema(
        tags=SHARING_TAGS,
        operation_id="distribution_schemes_list",
        responses={200: DistributionSchemeOutputSerializer(many=True)},
        summary="The organisation's income distribution schemes, newest first (its admins; others 404).",
    )
    def get(self, request: Request, organization_id: int) -> Response:
        organization = access_sharing_organization(actor=request_user(request), pk=organization_id)
        return Response(DistributionSchemeOutputSerializer(scheme_list(organization=organization), many=True).data)

    @extend_schema(
        tags=SHARING_TAGS,
        operation_id="distribution_schemes_create",
        examples=examples.DISTRIBUTION_SCHEMES_CREATE,
        request=DistributionSchemeInputSerializer,
        responses={201: DistributionSchemeOutputSerializer},
        summary="A new version of the scheme (shares add up to 100%, researchers at least the floor).",
    )
    def post(self, request: Request, organization_id: int) -> Response:
        actor = request_user(request)
        organization = access_sharing_organization(actor=actor, pk=organization_id)
        serializer = DistributionSchemeInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data["shares"] = _share_users(organization.pk, [dict(s) for s in data["shares"]])
        scheme = scheme_create(actor=actor, organization=organization, **data)
        return Response(
            DistributionSchemeOutputSerializer(scheme_list(organization=organization).get(pk=scheme.pk)).data,
            status=status.HTTP_201_CREATED,
        )


class IncomeSplitApi(APIView):
    @extend_schema(
        tags=SHARING_TAGS,
        operation_id="income_allocations_create",
        examples=examples.INCOME_ALLOCATIONS_CREATE,
        request=IncomeSplitInputSerializer,
        responses={
            201: IncomeAllocationOutputSerializer(many=True),
            **problem_response(404, "The payment does not exist or is not visible to you."),
        },
        summary="Split a payment received under the scheme in force on its date (the seller's admins; once).",
    )
    def post(self, request: Request) -> Response:
        actor = request_user(request)
        serializer = IncomeSplitInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        payment = access_payment_for_split(actor=actor, pk=serializer.validated_data["payment_id"])
        allocations = income_allocate_payment(actor=actor, payment=payment)
        response = Response(
            IncomeAllocationOutputSerializer(allocations, many=True).data, status=status.HTTP_201_CREATED
        )
        response["Location"] = f"/api/v1/organizations/{payment.contract.seller_id}/income-allocations"
        return response


class AllocationListApi(APIView):
    pagination_class = OldestFirstPagination

    @extend_schema(
        tags=SHARING_TAGS,
        operation_id="income_allocations_list",
        parameters=[AllocationReportQuerySerializer],
        responses={200: IncomeAllocationOutputSerializer(many=True)},
        summary="Every allocation of the organisation's income (its admins; others 404).",
    )
    def get(self, request: Request, organization_id: int) -> Response:
        organization = access_sharing_organization(actor=request_user(request), pk=organization_id)
        return paginated_response(
            request=request,
            view=self,
            queryset=allocation_list(organization=organization, year=_year(request)),
            serializer_class=IncomeAllocationOutputSerializer,
        )


class AllocationReportApi(APIView):
    @extend_schema(
        tags=SHARING_TAGS,
        operation_id="income_allocations_report",
        parameters=[AllocationReportQuerySerializer],
        responses={200: AllocationReportRowSerializer(many=True)},
        summary="Income allocated per beneficiary and year (its admins; others 404).",
    )
    def get(self, request: Request, organization_id: int) -> Response:
        organization = access_sharing_organization(actor=request_user(request), pk=organization_id)
        rows = allocation_report(organization=organization, year=_year(request))
        return Response(AllocationReportRowSerializer(rows, many=True).data)


class MyAllocationListApi(APIView):
    pagination_class = OldestFirstPagination

    @extend_schema(
        tags=SHARING_TAGS,
        operation_id="income_allocations_mine",
        parameters=[OpenApiParameter("cursor", str, required=False)],
        responses={200: IncomeAllocationOutputSerializer(many=True)},
        summary="The allocations made to the signed-in researcher.",
    )
    def get(self, request: Request) -> Response:
        return paginated_response(
            request=request,
            view=self,
            queryset=my_allocation_list(actor=request_user(request)).select_related("payment"),
            serializer_class=IncomeAllocationOutputSerializer,
        )
