"""HTTP for custody agreements: propose, read, start, renew, end; their events and assets."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.authentication import request_user
from apps.core.changes import UPDATED_SINCE_PARAMETER
from apps.core.fields import DecimalNumberField, MarketDateField
from apps.core.pagination import StandardCursorPagination, paginated_response
from apps.custody import examples, selectors
from apps.custody.apis.common import (
    TAGS,
    CustodyAssetOutputSerializer,
    OldestFirstPagination,
    OrgBriefSerializer,
    money_field,
)
from apps.custody.models import AgreementStatus, ServiceLevel
from apps.custody.services import agreement_create, agreement_end, agreement_renew, agreement_start


class CustodyAssetEntryInputSerializer(serializers.Serializer):
    asset_id = serializers.IntegerField(min_value=1)
    reduction_share = DecimalNumberField(
        max_digits=5, decimal_places=4, min_value=0, max_value=1, required=False, allow_null=True,
        help_text="Share off each annuity (费减), e.g. 0.85; with reduction_years.",
    )  # fmt: skip
    reduction_years = serializers.IntegerField(min_value=0, max_value=20, required=False, allow_null=True)
    reduction_applicants = serializers.IntegerField(
        min_value=1,
        max_value=50,
        required=False,
        help_text="Instead of share and years: the number of qualifying applicants (费减备案); the standard "
        "scheme of the fee table at grant applies (85% for one, 70% for several).",
    )
    paid_through_year = serializers.IntegerField(
        min_value=0,
        max_value=20,
        required=False,
        help_text="Default: every year due before the start date. Lower to declare annuities still unpaid; "
        "a later year is refused (400 invalid_paid_through_year): record its payment, or the custodian corrects "
        "it with a reason.",
    )


class AgreementCreateInputSerializer(serializers.Serializer):
    owner_id = serializers.IntegerField(help_text="Your organisation, which holds the assets.")
    custodian_id = serializers.IntegerField(help_text="A verified IP service agency.")
    start_date = MarketDateField()
    end_date = MarketDateField()
    service_level = serializers.ChoiceField(choices=ServiceLevel.choices)
    fee = money_field(min_value=0, help_text="Service fee in yuan, ≥ 0.")
    assets = serializers.ListField(child=CustodyAssetEntryInputSerializer(), min_length=1, max_length=1000)
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class AgreementOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    owner = OrgBriefSerializer()
    custodian = OrgBriefSerializer()
    start_date = MarketDateField()
    end_date = MarketDateField()
    service_level = serializers.CharField()
    fee = money_field()
    status = serializers.ChoiceField(choices=AgreementStatus.choices)
    note = serializers.CharField()
    asset_count = serializers.IntegerField()
    started_at = serializers.DateTimeField(allow_null=True)
    ended_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()


class AgreementRenewInputSerializer(serializers.Serializer):
    end_date = MarketDateField()
    fee = money_field(min_value=0, required=False, allow_null=True)
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class AgreementEndInputSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class AgreementEventOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    end_date_before = MarketDateField(allow_null=True)
    end_date_after = MarketDateField(allow_null=True)
    fee = money_field(allow_null=True)
    asset_id = serializers.IntegerField(allow_null=True, help_text="The IP asset a paid_through event is about.")
    paid_through_before = serializers.IntegerField(allow_null=True)
    paid_through_after = serializers.IntegerField(allow_null=True)
    note = serializers.CharField(help_text="For paid_through: the custodian's reason.")
    actor_id = serializers.IntegerField(allow_null=True)
    at = serializers.DateTimeField()


def _agreement(request: Request, pk: int, code: int = status.HTTP_200_OK) -> Response:
    fresh = selectors.access_agreement(actor=request_user(request), pk=pk)
    return Response(AgreementOutputSerializer(fresh).data, status=code)


class AgreementListCreateApi(APIView):
    pagination_class = StandardCursorPagination

    @extend_schema(
        tags=TAGS,
        operation_id="custody_agreements_list",
        parameters=[
            OpenApiParameter("status", str, enum=AgreementStatus.values),
            OpenApiParameter("role", str, enum=list(selectors.PORTFOLIO_ROLES), description="Your side."),
            UPDATED_SINCE_PARAMETER,
        ],
        responses={200: AgreementOutputSerializer(many=True)},
        summary="Agreements of your organisations, as owner or custodian (the operator reads all).",
    )
    def get(self, request: Request) -> Response:
        params = request.query_params
        status_value = params.get("status")
        if status_value and status_value not in AgreementStatus.values:
            raise serializers.ValidationError({"status": [_("Not a valid status.")]})
        role = params.get("role")
        if role and role not in selectors.PORTFOLIO_ROLES:
            raise serializers.ValidationError({"role": [_("Either owner or custodian.")]})
        qs = selectors.agreement_list(
            actor=request_user(request), status=status_value, role=role, updated_since=params.get("updated_since")
        )
        return paginated_response(request=request, view=self, queryset=qs, serializer_class=AgreementOutputSerializer)

    @extend_schema(
        tags=TAGS,
        operation_id="custody_agreements_create",
        examples=examples.CUSTODY_AGREEMENTS_CREATE,
        request=AgreementCreateInputSerializer,
        responses={201: AgreementOutputSerializer},
        summary="Propose a custody agreement (a draft) to an IP service agency over some of your assets.",
    )
    def post(self, request: Request) -> Response:
        serializer = AgreementCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        agreement = agreement_create(actor=request_user(request), **serializer.validated_data)
        return _agreement(request, agreement.pk, status.HTTP_201_CREATED)


class AgreementDetailApi(APIView):
    @extend_schema(tags=TAGS, operation_id="custody_agreements_retrieve", responses={200: AgreementOutputSerializer})
    def get(self, request: Request, pk: int) -> Response:
        return _agreement(request, pk)


class AgreementStartApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="custody_agreements_start",
        examples=examples.CUSTODY_AGREEMENTS_START,
        request=None,
        responses={200: AgreementOutputSerializer},
        summary="The agency starts a draft (409 if an asset is in another active custody).",
    )
    def post(self, request: Request, pk: int) -> Response:
        actor = request_user(request)
        agreement_start(actor=actor, agreement=selectors.access_agreement(actor=actor, pk=pk))
        return _agreement(request, pk)


class AgreementRenewApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="custody_agreements_renew",
        examples=examples.CUSTODY_AGREEMENTS_RENEW,
        request=AgreementRenewInputSerializer,
        responses={200: AgreementOutputSerializer},
        summary="Extend an active agreement (either party); the previous period stays in its events.",
    )
    def post(self, request: Request, pk: int) -> Response:
        actor = request_user(request)
        agreement = selectors.access_agreement(actor=actor, pk=pk)
        serializer = AgreementRenewInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        agreement_renew(actor=actor, agreement=agreement, **serializer.validated_data)
        return _agreement(request, pk)


class AgreementEndApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="custody_agreements_end",
        examples=examples.CUSTODY_AGREEMENTS_END,
        request=AgreementEndInputSerializer,
        responses={200: AgreementOutputSerializer},
        summary="End a draft or active agreement (either party); its assets leave custody.",
    )
    def post(self, request: Request, pk: int) -> Response:
        actor = request_user(request)
        agreement = selectors.access_agreement(actor=actor, pk=pk)
        serializer = AgreementEndInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        agreement_end(actor=actor, agreement=agreement, **serializer.validated_data)
        return _agreement(request, pk)


class AgreementEventListApi(APIView):
    pagination_class = OldestFirstPagination

    @extend_schema(
        tags=TAGS,
        operation_id="custody_agreements_events",
        responses={200: AgreementEventOutputSerializer(many=True)},
        summary="The agreement's history: created, started, each renewal, ended.",
    )
    def get(self, request: Request, pk: int) -> Response:
        agreement = selectors.access_agreement(actor=request_user(request), pk=pk)
        qs = selectors.agreement_event_list(agreement=agreement)
        return paginated_response(
            request=request, view=self, queryset=qs, serializer_class=AgreementEventOutputSerializer
        )


class AgreementAssetListApi(APIView):
    pagination_class = OldestFirstPagination

    @extend_schema(
        tags=TAGS,
        operation_id="custody_agreements_assets",
        responses={200: CustodyAssetOutputSerializer(many=True)},
        summary="The agreement's assets with their next annuity.",
    )
    def get(self, request: Request, pk: int) -> Response:
        actor = request_user(request)
        agreement = selectors.access_agreement(actor=actor, pk=pk)
        qs = selectors.custody_asset_list(actor=actor, agreement=agreement)
        return paginated_response(
            request=request, view=self, queryset=qs, serializer_class=CustodyAssetOutputSerializer
        )
