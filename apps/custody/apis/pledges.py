"""HTTP for pledges (质押) of IP assets: record, read, release, the pledgee's consents and warnings, and the
operator's totals."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.authentication import request_user
from apps.core.fields import MarketDateField
from apps.core.idempotency import IDEMPOTENCY_KEY_PARAMETER, IDEMPOTENCY_RESPONSES, idempotent
from apps.core.pagination import StandardCursorPagination, paginated_response
from apps.core.schema import problem_response
from apps.custody import examples, selectors
from apps.custody.apis.common import TAGS, AssetBriefSerializer, OrgBriefSerializer, money_field
from apps.custody.models import ConsentAction, PledgeStatus
from apps.custody.services import pledge_consent_record, pledge_create, pledge_release
from apps.ip.selectors import access_ip_asset


class PledgorSerializer(serializers.Serializer):
    organization_id = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    name = serializers.CharField(required=False, allow_blank=True, max_length=100)


class PledgeInputSerializer(serializers.Serializer):
    asset_id = serializers.IntegerField(min_value=1)
    pledgors = serializers.ListField(
        child=PledgorSerializer(), min_length=1, max_length=20, help_text="The owner and every co-owner."
    )
    pledgee_organization_id = serializers.IntegerField(
        min_value=1, help_text="The bank or lender: a verified organisation on the platform."
    )
    secured_amount = money_field(min_value=Decimal("0.01"))
    term_start = MarketDateField()
    term_end = MarketDateField()
    registration_date = MarketDateField(help_text="CNIPA registration (质押登记) date.")
    registration_number = serializers.CharField(max_length=40)


class PledgeOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    asset = AssetBriefSerializer()
    owner = OrgBriefSerializer(source="asset.owner")
    pledgors = PledgorSerializer(many=True)
    pledgee_organization = OrgBriefSerializer(allow_null=True, help_text="Empty for pledges recorded by name only.")
    pledgee_name = serializers.CharField()
    secured_amount = money_field()
    term_start = MarketDateField()
    term_end = MarketDateField()
    registration_date = MarketDateField()
    registration_number = serializers.CharField()
    status = serializers.ChoiceField(choices=PledgeStatus.choices)
    released_on = MarketDateField(allow_null=True)
    release_reason = serializers.CharField()
    next_annuity_year = serializers.IntegerField(allow_null=True, help_text="From custody; empty if not in custody.")
    next_annuity_due = MarketDateField(allow_null=True)
    next_annuity_grace = MarketDateField(allow_null=True, help_text="Unpaid after this day, the patent lapses.")
    created_at = serializers.DateTimeField()


class PledgeReleaseInputSerializer(serializers.Serializer):
    released_on = MarketDateField()
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class PledgeConsentInputSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=ConsentAction.choices)
    counterparty_id = serializers.IntegerField(
        min_value=1, required=False, allow_null=True, help_text="Only for this buyer, licensee or new pledgee."
    )
    contract_id = serializers.IntegerField(
        min_value=1, required=False, allow_null=True, help_text="Only this contract."
    )
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class PledgeConsentOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    pledge_id = serializers.IntegerField()
    action = serializers.ChoiceField(choices=ConsentAction.choices)
    counterparty = OrgBriefSerializer(allow_null=True)
    contract_id = serializers.IntegerField(allow_null=True)
    note = serializers.CharField()
    granted_by_id = serializers.IntegerField(allow_null=True)
    at = serializers.DateTimeField()


class PledgeWarningOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    key = serializers.CharField(help_text="y<year>_<stage> (annuity due or overdue) or status_<legal status>.")
    message = serializers.CharField()
    sent_on = MarketDateField()


class PledgeMonthSerializer(serializers.Serializer):
    month = serializers.CharField()
    count = serializers.IntegerField()
    amount = money_field()


class PledgeTotalsOutputSerializer(serializers.Serializer):
    active_count = serializers.IntegerField()
    active_amount = money_field()
    released_count = serializers.IntegerField()
    total_count = serializers.IntegerField()
    total_amount = money_field()
    by_month = PledgeMonthSerializer(many=True, help_text="Registrations by month of registration.")


class PledgeListCreateApi(APIView):
    pagination_class = StandardCursorPagination

    @extend_schema(
        tags=TAGS,
        operation_id="custody_pledges_list",
        parameters=[
            OpenApiParameter("status", str, enum=PledgeStatus.values),
            OpenApiParameter("asset", int),
            OpenApiParameter("role", str, enum=["pledgee"], description="`pledgee`: only pledges you hold as lender."),
        ],
        responses={200: PledgeOutputSerializer(many=True)},
        summary="Pledges of your assets, in your custody, or held by you as pledgee (the operator reads all).",
    )
    def get(self, request: Request) -> Response:
        params = request.query_params
        status_value = params.get("status")
        if status_value and status_value not in PledgeStatus.values:
            raise serializers.ValidationError({"status": [_("Not a valid status.")]})
        asset = params.get("asset")
        if asset is not None and not asset.isdigit():
            raise serializers.ValidationError({"asset": [_("A number is required.")]})
        role = params.get("role")
        if role not in (None, "", "pledgee"):
            raise serializers.ValidationError({"role": [_("Not a valid role.")]})
        qs = selectors.pledge_list(
            actor=request_user(request),
            status=status_value,
            asset_id=int(asset) if asset else None,
            as_pledgee=role == "pledgee",
        )
        return paginated_response(request=request, view=self, queryset=qs, serializer_class=PledgeOutputSerializer)

    @extend_schema(
        tags=TAGS,
        operation_id="custody_pledges_create",
        examples=examples.CUSTODY_PLEDGES_CREATE,
        request=PledgeInputSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={
            201: PledgeOutputSerializer,
            **IDEMPOTENCY_RESPONSES,
            **problem_response(404, "The asset does not exist or is not visible to the caller."),
        },
        summary="Record a registered pledge; the pledgors must be all the asset's holders.",
    )
    @idempotent
    def post(self, request: Request) -> Response:
        actor = request_user(request)
        serializer = PledgeInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        asset = access_ip_asset(actor=actor, pk=data.pop("asset_id"))
        pledge = pledge_create(actor=actor, asset=asset, **data)
        fresh = selectors.access_pledge(actor=actor, pk=pledge.pk)
        return Response(PledgeOutputSerializer(fresh).data, status=status.HTTP_201_CREATED)


class PledgeDetailApi(APIView):
    @extend_schema(tags=TAGS, operation_id="custody_pledges_retrieve", responses={200: PledgeOutputSerializer})
    def get(self, request: Request, pk: int) -> Response:
        return Response(PledgeOutputSerializer(selectors.access_pledge(actor=request_user(request), pk=pk)).data)


class PledgeReleaseApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="custody_pledges_release",
        examples=examples.CUSTODY_PLEDGES_RELEASE,
        request=PledgeReleaseInputSerializer,
        responses={200: PledgeOutputSerializer},
        summary="Record the release of a pledge (the asset's record keeper or the pledgee).",
    )
    def post(self, request: Request, pk: int) -> Response:
        actor = request_user(request)
        pledge = selectors.access_pledge(actor=actor, pk=pk)
        serializer = PledgeReleaseInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        pledge_release(actor=actor, pledge=pledge, **serializer.validated_data)
        return Response(PledgeOutputSerializer(selectors.access_pledge(actor=actor, pk=pk)).data)


class PledgeConsentListCreateApi(APIView):
    pagination_class = StandardCursorPagination

    @extend_schema(
        tags=TAGS,
        operation_id="custody_pledge_consents_list",
        responses={200: PledgeConsentOutputSerializer(many=True)},
        summary="The pledgee's recorded consents for a pledge.",
    )
    def get(self, request: Request, pk: int) -> Response:
        actor = request_user(request)
        pledge = selectors.access_pledge(actor=actor, pk=pk)
        qs = selectors.pledge_consent_list(actor=actor, pledge=pledge)
        return paginated_response(
            request=request, view=self, queryset=qs, serializer_class=PledgeConsentOutputSerializer
        )

    @extend_schema(
        tags=TAGS,
        operation_id="custody_pledge_consents_create",
        examples=examples.CUSTODY_PLEDGE_CONSENTS_CREATE,
        request=PledgeConsentInputSerializer,
        responses={
            201: PledgeConsentOutputSerializer,
            **problem_response(403, "The caller sees the pledge but is not a member of the pledgee."),
        },
        summary="The pledgee consents to a transfer, an exclusive licence or a further pledge of the asset.",
    )
    def post(self, request: Request, pk: int) -> Response:
        actor = request_user(request)
        pledge = selectors.access_pledge(actor=actor, pk=pk)
        serializer = PledgeConsentInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        consent = pledge_consent_record(actor=actor, pledge=pledge, **serializer.validated_data)
        return Response(PledgeConsentOutputSerializer(consent).data, status=status.HTTP_201_CREATED)


class PledgeWarningListApi(APIView):
    pagination_class = StandardCursorPagination

    @extend_schema(
        tags=TAGS,
        operation_id="custody_pledge_warnings_list",
        responses={200: PledgeWarningOutputSerializer(many=True)},
        summary="Warnings sent to the pledgee about this collateral (annuities due or overdue, lapse).",
    )
    def get(self, request: Request, pk: int) -> Response:
        actor = request_user(request)
        pledge = selectors.access_pledge(actor=actor, pk=pk)
        qs = selectors.pledge_warning_list(actor=actor, pledge=pledge)
        return paginated_response(
            request=request, view=self, queryset=qs, serializer_class=PledgeWarningOutputSerializer
        )


class PledgeTotalsApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="custody_pledges_totals",
        responses={200: PledgeTotalsOutputSerializer},
        summary="Pledge financing totals (operator).",
    )
    def get(self, request: Request) -> Response:
        return Response(PledgeTotalsOutputSerializer(selectors.pledge_totals(actor=request_user(request))).data)
