"""HTTP for IP custody: agreements, custody assets, annuity payments and reminders, portfolios (JSON, CSV,
iCalendar feed), pledges, and the step from custody to the market."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.http import HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from icalendar import Alarm, Calendar, Event
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.authentication import request_user
from apps.accounts.permissions import PeopleOnly
from apps.core.errors import ApplicationError
from apps.core.idempotency import IDEMPOTENCY_KEY_PARAMETER, IDEMPOTENCY_RESPONSES, idempotent
from apps.core.pagination import StandardCursorPagination, paginated_response
from apps.custody import selectors
from apps.custody.models import AgreementStatus, CalendarFeed, PledgeStatus, ServiceLevel
from apps.custody.services import (
    agreement_create,
    agreement_end,
    agreement_renew,
    agreement_start,
    custody_asset_to_market,
    custody_asset_update,
    payment_record,
    pledge_create,
    pledge_release,
)
from apps.ip.selectors import access_ip_asset
from apps.listings.exporting import csv_chunks
from apps.listings.models import CooperationMode
from apps.listings.serializers import ReferenceCodeField
from apps.organizations.selectors import is_operator

TAGS = ["custody"]


def _money(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=14, decimal_places=2, **kwargs)


class OldestFirstPagination(StandardCursorPagination):
    ordering = "id"


# --- serializers -----------------------------------------------------------------------------------


class CustodyAssetEntryInputSerializer(serializers.Serializer):
    asset_id = serializers.IntegerField(min_value=1)
    reduction_share = serializers.DecimalField(
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
        min_value=0, max_value=20, required=False, help_text="Default: every year due before the start date."
    )


class AgreementCreateInputSerializer(serializers.Serializer):
    owner_id = serializers.IntegerField(help_text="Your organisation, which holds the assets.")
    custodian_id = serializers.IntegerField(help_text="A verified IP service agency.")
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    service_level = serializers.ChoiceField(choices=ServiceLevel.choices)
    fee = _money(min_value=0, help_text="Service fee in yuan, ≥ 0.")
    assets = serializers.ListField(child=CustodyAssetEntryInputSerializer(), min_length=1, max_length=1000)
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class OrgBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class AgreementOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    owner = OrgBriefSerializer()
    custodian = OrgBriefSerializer()
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    service_level = serializers.CharField()
    fee = _money()
    status = serializers.ChoiceField(choices=AgreementStatus.choices)
    note = serializers.CharField()
    asset_count = serializers.IntegerField()
    started_at = serializers.DateTimeField(allow_null=True)
    ended_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()


class AgreementRenewInputSerializer(serializers.Serializer):
    end_date = serializers.DateField()
    fee = _money(min_value=0, required=False, allow_null=True)
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class AgreementEndInputSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class AgreementEventOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    end_date_before = serializers.DateField(allow_null=True)
    end_date_after = serializers.DateField(allow_null=True)
    fee = _money(allow_null=True)
    note = serializers.CharField()
    at = serializers.DateTimeField()


class AssetBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    title = serializers.CharField()
    application_number = serializers.CharField()
    patent_number = serializers.CharField()
    registration_number = serializers.CharField()
    legal_status = serializers.CharField()


class CustodyAssetOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    agreement_id = serializers.IntegerField()
    asset = AssetBriefSerializer()
    active = serializers.BooleanField()
    reduction_share = serializers.DecimalField(max_digits=5, decimal_places=4, allow_null=True)
    reduction_years = serializers.IntegerField(allow_null=True)
    paid_through_year = serializers.IntegerField()
    next_year = serializers.IntegerField(allow_null=True, help_text="The first annuity year not yet paid.")
    next_due_date = serializers.DateField(allow_null=True)
    grace_deadline = serializers.DateField(allow_null=True)
    next_fee = _money(allow_null=True)
    next_reminder_on = serializers.DateField(allow_null=True)


class CustodyAssetUpdateInputSerializer(serializers.Serializer):
    reduction_share = serializers.DecimalField(
        max_digits=5, decimal_places=4, min_value=0, max_value=1, required=False, allow_null=True
    )
    reduction_years = serializers.IntegerField(min_value=0, max_value=20, required=False, allow_null=True)
    paid_through_year = serializers.IntegerField(min_value=0, max_value=20, required=False)


class PaymentInputSerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=1, max_value=20, help_text="The patent year paid (the one due).")
    amount = _money(min_value=Decimal("0.01"), help_text="Yuan, more than zero.")
    paid_on = serializers.DateField()
    receipt_number = serializers.CharField(max_length=64)
    restoration = serializers.BooleanField(
        default=False, help_text="Paid with a restoration request (恢复权利请求) after the grace period."
    )


class PaymentOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    asset_id = serializers.IntegerField()
    year = serializers.IntegerField()
    amount = _money()
    paid_on = serializers.DateField()
    receipt_number = serializers.CharField()
    amount_owed = _money(source="required", help_text="What was owed that day: fee, late fee and any restoration fee.")
    late_fee = _money()
    shortfall = _money()
    underpaid = serializers.BooleanField(help_text="Less than owed: the year stays due.")
    restoration = serializers.BooleanField()
    code = serializers.CharField(help_text="on_time, late, restored or underpaid.")
    created_at = serializers.DateTimeField()


class ReminderOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    year = serializers.IntegerField()
    kind = serializers.CharField(help_text="before_<days>, grace_<month> or lapsed.")
    due_date = serializers.DateField()
    amount = _money()
    late_fee = _money()
    sent_on = serializers.DateField()


class ToMarketInputSerializer(serializers.Serializer):
    technology_field = ReferenceCodeField(
        kind="technology_field", required=False, help_text="Code; default: from an earlier achievement of the asset."
    )
    trl = serializers.IntegerField(min_value=1, max_value=9, required=False)
    cooperation_modes = serializers.ListField(
        child=serializers.ChoiceField(choices=CooperationMode.choices),
        required=False,
        min_length=1,
        max_length=2,
        help_text="transfer and/or licence; default both (licence only while the asset is pledged).",
    )

    def validate_cooperation_modes(self, value: list[str]) -> list[str]:
        allowed = {CooperationMode.TRANSFER, CooperationMode.LICENCE}
        if not set(value) <= allowed:
            raise serializers.ValidationError(_("Only transfer and licence are offered from custody."))
        return list(dict.fromkeys(value))


class DraftAchievementOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    status = serializers.CharField()
    cooperation_modes = serializers.ListField(child=serializers.CharField())


class PortfolioMonthSerializer(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM")
    count = serializers.IntegerField()
    total = _money()


class PortfolioGraceSerializer(CustodyAssetOutputSerializer):
    late_fee_today = _money()
    amount_today = _money()


class PortfolioOutputSerializer(serializers.Serializer):
    organization_id = serializers.IntegerField()
    role = serializers.CharField()
    today = serializers.DateField()
    months = PortfolioMonthSerializer(many=True, help_text="Fees due in the next twelve months, by month.")
    total_12_months = _money()
    in_grace = PortfolioGraceSerializer(many=True)
    lapsed = CustodyAssetOutputSerializer(many=True)


class PortfolioQuerySerializer(serializers.Serializer):
    organization = serializers.IntegerField(min_value=1)
    role = serializers.ChoiceField(choices=selectors.PORTFOLIO_ROLES)


class CalendarFeedOutputSerializer(serializers.Serializer):
    url = serializers.CharField(help_text="Subscribe to this address; it is shown once. Rotate to change it.")


class PledgorSerializer(serializers.Serializer):
    organization_id = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    name = serializers.CharField(required=False, allow_blank=True, max_length=100)


class PledgeInputSerializer(serializers.Serializer):
    asset_id = serializers.IntegerField(min_value=1)
    pledgors = serializers.ListField(
        child=PledgorSerializer(), min_length=1, max_length=20, help_text="The owner and every co-owner."
    )
    pledgee = serializers.CharField(max_length=200, help_text="The bank or lender.")
    secured_amount = _money(min_value=Decimal("0.01"))
    term_start = serializers.DateField()
    term_end = serializers.DateField()
    registration_date = serializers.DateField(help_text="CNIPA registration (质押登记) date.")
    registration_number = serializers.CharField(max_length=40)


class PledgeOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    asset = AssetBriefSerializer()
    pledgors = PledgorSerializer(many=True)
    pledgee = serializers.CharField()
    secured_amount = _money()
    term_start = serializers.DateField()
    term_end = serializers.DateField()
    registration_date = serializers.DateField()
    registration_number = serializers.CharField()
    status = serializers.ChoiceField(choices=PledgeStatus.choices)
    released_on = serializers.DateField(allow_null=True)
    created_at = serializers.DateTimeField()


class PledgeReleaseInputSerializer(serializers.Serializer):
    released_on = serializers.DateField()


class PledgeMonthSerializer(serializers.Serializer):
    month = serializers.CharField()
    count = serializers.IntegerField()
    amount = _money()


class PledgeTotalsOutputSerializer(serializers.Serializer):
    active_count = serializers.IntegerField()
    active_amount = _money()
    released_count = serializers.IntegerField()
    total_count = serializers.IntegerField()
    total_amount = _money()
    by_month = PledgeMonthSerializer(many=True, help_text="Registrations by month of registration.")


# --- agreements ------------------------------------------------------------------------------------


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
        qs = selectors.agreement_list(actor=request_user(request), status=status_value, role=role)
        return paginated_response(request=request, view=self, queryset=qs, serializer_class=AgreementOutputSerializer)

    @extend_schema(
        tags=TAGS,
        operation_id="custody_agreements_create",
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


# --- custody assets --------------------------------------------------------------------------------


class CustodyAssetDetailApi(APIView):
    @extend_schema(tags=TAGS, operation_id="custody_assets_retrieve", responses={200: CustodyAssetOutputSerializer})
    def get(self, request: Request, pk: int) -> Response:
        row = selectors.access_custody_asset(actor=request_user(request), pk=pk)
        return Response(CustodyAssetOutputSerializer(row).data)

    @extend_schema(
        tags=TAGS,
        operation_id="custody_assets_update",
        request=CustodyAssetUpdateInputSerializer,
        responses={200: CustodyAssetOutputSerializer},
        summary="Set the fee reduction or the year paid through; the next annuity is recomputed.",
    )
    def patch(self, request: Request, pk: int) -> Response:
        actor = request_user(request)
        row = selectors.access_custody_asset(actor=actor, pk=pk)
        serializer = CustodyAssetUpdateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        custody_asset_update(actor=actor, custody_asset=row, data=serializer.validated_data)
        return Response(CustodyAssetOutputSerializer(selectors.access_custody_asset(actor=actor, pk=pk)).data)


class PaymentListCreateApi(APIView):
    pagination_class = StandardCursorPagination

    @extend_schema(
        tags=TAGS,
        operation_id="custody_assets_payments_list",
        responses={200: PaymentOutputSerializer(many=True)},
        summary="The asset's annuity payments, newest first (underpayments flagged).",
    )
    def get(self, request: Request, pk: int) -> Response:
        row = selectors.access_custody_asset(actor=request_user(request), pk=pk)
        qs = selectors.payment_list(custody_asset=row)
        return paginated_response(request=request, view=self, queryset=qs, serializer_class=PaymentOutputSerializer)

    @extend_schema(
        tags=TAGS,
        operation_id="custody_assets_payments_create",
        request=PaymentInputSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={201: PaymentOutputSerializer, **IDEMPOTENCY_RESPONSES},
        summary="Record an annuity payment, checked against the schedule (409 after lapse without restoration).",
    )
    @idempotent
    def post(self, request: Request, pk: int) -> Response:
        actor = request_user(request)
        row = selectors.access_custody_asset(actor=actor, pk=pk)
        serializer = PaymentInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        payment = payment_record(actor=actor, custody_asset=row, **serializer.validated_data)
        return Response(PaymentOutputSerializer(payment).data, status=status.HTTP_201_CREATED)


class ReminderListApi(APIView):
    pagination_class = StandardCursorPagination

    @extend_schema(
        tags=TAGS,
        operation_id="custody_assets_reminders",
        responses={200: ReminderOutputSerializer(many=True)},
        summary="Annuity reminders sent about the asset, newest first.",
    )
    def get(self, request: Request, pk: int) -> Response:
        row = selectors.access_custody_asset(actor=request_user(request), pk=pk)
        qs = selectors.reminder_list(custody_asset=row)
        return paginated_response(request=request, view=self, queryset=qs, serializer_class=ReminderOutputSerializer)


class ToMarketApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="custody_assets_to_market",
        request=ToMarketInputSerializer,
        responses={201: DraftAchievementOutputSerializer},
        summary="Turn the asset into a prefilled draft achievement (the owner's members).",
    )
    def post(self, request: Request, pk: int) -> Response:
        actor = request_user(request)
        row = selectors.access_custody_asset(actor=actor, pk=pk)
        serializer = ToMarketInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        achievement = custody_asset_to_market(actor=actor, custody_asset=row, **serializer.validated_data)
        return Response(DraftAchievementOutputSerializer(achievement).data, status=status.HTTP_201_CREATED)


# --- portfolio -------------------------------------------------------------------------------------


def _portfolio_query(request: Request) -> tuple[int, str]:
    query = PortfolioQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    org_id, role = query.validated_data["organization"], query.validated_data["role"]
    selectors.check_portfolio_access(actor=request_user(request), organization_id=org_id)
    return org_id, role


class PortfolioApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="custody_portfolio",
        parameters=[
            OpenApiParameter("organization", int, required=True),
            OpenApiParameter("role", str, enum=list(selectors.PORTFOLIO_ROLES), required=True),
        ],
        responses={200: PortfolioOutputSerializer},
        summary="An organisation's custody portfolio: fees by month for twelve months, in grace, lapsed.",
    )
    def get(self, request: Request) -> Response:
        org_id, role = _portfolio_query(request)
        today = timezone.localdate()
        summary = selectors.portfolio_summary(organization_id=org_id, role=role, today=today)
        in_grace = []
        for row, late_fee in summary.in_grace:
            row.late_fee_today = late_fee  # type: ignore[attr-defined]
            row.amount_today = (row.next_fee or Decimal("0.00")) + late_fee  # type: ignore[attr-defined]
            in_grace.append(row)
        data = {
            "organization_id": org_id,
            "role": role,
            "today": today,
            "months": summary.months,
            "total_12_months": sum((m.total for m in summary.months), start=Decimal("0.00")),
            "in_grace": in_grace,
            "lapsed": summary.lapsed,
        }
        return Response(PortfolioOutputSerializer(data).data)


def _state_label(row: Any, today: Any) -> str:
    if row.next_due_date is None:
        return "无年费"
    if row.grace_deadline < today:
        return "已失效（未缴年费）"
    if row.next_due_date < today:
        return "宽限期"
    return "正常"


EXPORT_HEADERS = [
    "申请号",
    "专利号/登记号",
    "名称",
    "类型",
    "权利人",
    "托管机构",
    "年度",
    "缴费截止日",
    "应缴年费",
    "宽限期截止日",
    "状态",
]


class PortfolioExportApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="custody_portfolio_export",
        parameters=[
            OpenApiParameter("organization", int, required=True),
            OpenApiParameter("role", str, enum=list(selectors.PORTFOLIO_ROLES), required=True),
        ],
        responses={(200, "text/csv"): OpenApiTypes.BINARY},
        summary="The portfolio as CSV (UTF-8 with BOM, Chinese headers), by due date.",
    )
    def get(self, request: Request) -> HttpResponseBase:
        org_id, role = _portfolio_query(request)
        today = timezone.localdate()
        qs = selectors.portfolio_assets(organization_id=org_id, role=role).order_by("next_due_date", "id")

        def rows() -> Any:
            for row in qs.iterator(chunk_size=2000):
                asset = row.asset
                yield [
                    asset.application_number,
                    asset.patent_number or asset.registration_number,
                    asset.title,
                    asset.get_kind_display(),
                    row.agreement.owner.name,
                    row.agreement.custodian.name,
                    row.next_year,
                    row.next_due_date,
                    row.next_fee,
                    row.grace_deadline,
                    _state_label(row, today),
                ]

        response = StreamingHttpResponse(csv_chunks(EXPORT_HEADERS, rows()), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = content_disposition_header(True, f"托管年费_{today:%Y%m%d}.csv")
        response["Cache-Control"] = "private, no-store"
        return response


# --- the calendar feed -----------------------------------------------------------------------------


def feed_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class CalendarFeedApi(APIView):
    permission_classes = [PeopleOnly, *APIView.permission_classes]

    @extend_schema(
        tags=TAGS,
        operation_id="custody_calendar_feed_rotate",
        request=None,
        responses={201: CalendarFeedOutputSerializer},
        summary="Make (or replace) your secret iCalendar feed address of annuity due dates.",
    )
    def post(self, request: Request) -> Response:
        user = request_user(request)
        token = secrets.token_urlsafe(32)
        CalendarFeed.objects.update_or_create(user=user, defaults={"token_hash": feed_token_hash(token)})
        url = request.build_absolute_uri(f"/api/v1/custody/calendar/{token}.ics")
        return Response({"url": url}, status=status.HTTP_201_CREATED)

    @extend_schema(
        tags=TAGS, operation_id="custody_calendar_feed_revoke", responses={204: None}, summary="Revoke your feed."
    )
    def delete(self, request: Request) -> Response:
        CalendarFeed.objects.filter(user=request_user(request)).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class CalendarIcsApi(APIView):
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    @extend_schema(
        tags=TAGS,
        operation_id="custody_calendar_ics",
        auth=[],
        responses={(200, "text/calendar"): OpenApiTypes.BINARY},
        summary="The iCalendar feed behind a secret address (no login: the address is the key).",
    )
    def get(self, request: Request, token: str) -> HttpResponseBase:
        feed = CalendarFeed.objects.select_related("user").filter(token_hash=feed_token_hash(token)).first()
        if feed is None or not feed.user.is_active:
            raise ApplicationError(_("Not found."), code="not_found", status=404)
        today = timezone.localdate()
        calendar = Calendar()
        calendar.add("prodid", "-//Liuzhou technology market//custody annuities//ZH")
        calendar.add("version", "2.0")
        calendar.add("x-wr-calname", _("Patent annuity due dates"))
        calendar.add("x-wr-timezone", "Asia/Shanghai")
        stamp = datetime.now(tz=timezone.get_current_timezone())
        # Each asset's next unpaid annuity, however far ahead; overdue ones while their grace period lasts.
        rows = selectors.calendar_assets(user=feed.user).filter(grace_deadline__gte=today)
        for row in rows.iterator(chunk_size=1000):
            if row.next_due_date is None:
                continue
            asset = row.asset
            number = asset.patent_number or asset.application_number or asset.registration_number
            event = Event()
            event.add("uid", f"custody-{row.asset_id}-y{row.next_year}@liuzhou-market")
            event.add("dtstamp", stamp)
            event.add("dtstart", row.next_due_date)
            event.add("dtend", row.next_due_date + timedelta(days=1))
            event.add(
                "summary",
                _("Annuity year %(year)s due: %(number)s %(title)s")
                % {"year": row.next_year, "number": number, "title": asset.title},
            )
            event.add(
                "description",
                _("Fee ¥%(fee)s. Grace period until %(grace)s. Owner: %(owner)s; custodian: %(custodian)s.")
                % {
                    "fee": row.next_fee,
                    "grace": row.grace_deadline,
                    "owner": row.agreement.owner.name,
                    "custodian": row.agreement.custodian.name,
                },
            )
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", _("Annuity due in 7 days"))
            alarm.add("trigger", timedelta(days=-7))
            event.add_component(alarm)
            calendar.add_component(event)
        response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
        response["Cache-Control"] = "private, max-age=3600"
        return response


# --- pledges ---------------------------------------------------------------------------------------


class PledgeListCreateApi(APIView):
    pagination_class = StandardCursorPagination

    @extend_schema(
        tags=TAGS,
        operation_id="custody_pledges_list",
        parameters=[OpenApiParameter("status", str, enum=PledgeStatus.values), OpenApiParameter("asset", int)],
        responses={200: PledgeOutputSerializer(many=True)},
        summary="Pledges of your assets or of assets in your custody (the operator reads all).",
    )
    def get(self, request: Request) -> Response:
        params = request.query_params
        status_value = params.get("status")
        if status_value and status_value not in PledgeStatus.values:
            raise serializers.ValidationError({"status": [_("Not a valid status.")]})
        asset = params.get("asset")
        if asset is not None and not asset.isdigit():
            raise serializers.ValidationError({"asset": [_("A number is required.")]})
        qs = selectors.pledge_list(
            actor=request_user(request), status=status_value, asset_id=int(asset) if asset else None
        )
        return paginated_response(request=request, view=self, queryset=qs, serializer_class=PledgeOutputSerializer)

    @extend_schema(
        tags=TAGS,
        operation_id="custody_pledges_create",
        request=PledgeInputSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={201: PledgeOutputSerializer, **IDEMPOTENCY_RESPONSES},
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
        request=PledgeReleaseInputSerializer,
        responses={200: PledgeOutputSerializer},
        summary="Record the release of a pledge.",
    )
    def post(self, request: Request, pk: int) -> Response:
        actor = request_user(request)
        pledge = selectors.access_pledge(actor=actor, pk=pk)
        serializer = PledgeReleaseInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        released = pledge_release(actor=actor, pledge=pledge, **serializer.validated_data)
        return Response(PledgeOutputSerializer(released).data)


class PledgeTotalsApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="custody_pledges_totals",
        responses={200: PledgeTotalsOutputSerializer},
        summary="Pledge financing totals (operator).",
    )
    def get(self, request: Request) -> Response:
        if not is_operator(request_user(request)):
            raise ApplicationError(_("Only the market operator may do this."), code="operator_only", status=403)
        return Response(PledgeTotalsOutputSerializer(selectors.pledge_totals()).data)
