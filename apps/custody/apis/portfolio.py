"""HTTP for custody portfolios: the summary, the CSV export and the iCalendar feed of due dates."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.http import HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.authentication import request_user
from apps.accounts.permissions import PeopleOnly
from apps.core.negotiation import FileResponseNegotiation
from apps.core.replica import reads_from_replica
from apps.core.schema import problem_response
from apps.custody import examples, selectors
from apps.custody.apis.common import TAGS, CustodyAssetOutputSerializer, money_field
from apps.custody.exports import annuity_calendar, portfolio_csv
from apps.custody.services.calendar_feeds import calendar_feed_revoke, calendar_feed_rotate


class PortfolioMonthSerializer(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM")
    count = serializers.IntegerField()
    total = money_field()


class PortfolioGraceSerializer(CustodyAssetOutputSerializer):
    late_fee_today = money_field()
    amount_today = money_field()


class PortfolioOutputSerializer(serializers.Serializer):
    organization_id = serializers.IntegerField()
    role = serializers.CharField()
    today = serializers.DateField()
    months = PortfolioMonthSerializer(many=True, help_text="Fees due in the next twelve months, by month.")
    total_12_months = money_field()
    in_grace = PortfolioGraceSerializer(many=True)
    lapsed = CustodyAssetOutputSerializer(many=True)


class PortfolioQuerySerializer(serializers.Serializer):
    organization = serializers.IntegerField(min_value=1)
    role = serializers.ChoiceField(choices=selectors.PORTFOLIO_ROLES)


class CalendarFeedOutputSerializer(serializers.Serializer):
    url = serializers.CharField(help_text="Subscribe to this address; it is shown once. Rotate to change it.")


_PORTFOLIO_NOT_FOUND = "The organisation does not exist, or the caller is neither its member nor the operator."


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
        responses={200: PortfolioOutputSerializer, **problem_response(404, _PORTFOLIO_NOT_FOUND)},
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


class PortfolioExportApi(APIView):
    content_negotiation_class = FileResponseNegotiation

    @extend_schema(
        tags=TAGS,
        operation_id="custody_portfolio_export",
        parameters=[
            OpenApiParameter("organization", int, required=True),
            OpenApiParameter("role", str, enum=list(selectors.PORTFOLIO_ROLES), required=True),
        ],
        responses={(200, "text/csv"): OpenApiTypes.BINARY, **problem_response(404, _PORTFOLIO_NOT_FOUND)},
        summary="The portfolio as CSV (UTF-8 with BOM, Chinese headers), by due date.",
    )
    @reads_from_replica
    def get(self, request: Request) -> HttpResponseBase:
        org_id, role = _portfolio_query(request)
        today = timezone.localdate()
        qs = selectors.portfolio_assets(organization_id=org_id, role=role).order_by("next_due_date", "id")
        chunks = portfolio_csv(qs.iterator(chunk_size=2000), today=today)
        response = StreamingHttpResponse(chunks, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = content_disposition_header(True, f"托管年费_{today:%Y%m%d}.csv")
        response["Cache-Control"] = "private, no-store"
        return response


class CalendarFeedApi(APIView):
    permission_classes = [PeopleOnly, *APIView.permission_classes]

    @extend_schema(
        tags=TAGS,
        operation_id="custody_calendar_feed_rotate",
        examples=examples.CUSTODY_CALENDAR_FEED_ROTATE,
        request=None,
        responses={201: CalendarFeedOutputSerializer},
        summary="Make (or replace) your secret iCalendar feed address of annuity due dates.",
    )
    def post(self, request: Request) -> Response:
        token = calendar_feed_rotate(user=request_user(request))
        url = request.build_absolute_uri(f"/api/v1/custody/calendar/{token}.ics")
        return Response({"url": url}, status=status.HTTP_201_CREATED, headers={"Location": url})

    @extend_schema(
        tags=TAGS, operation_id="custody_calendar_feed_revoke", responses={204: None}, summary="Revoke your feed."
    )
    def delete(self, request: Request) -> Response:
        calendar_feed_revoke(user=request_user(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class CalendarIcsApi(APIView):
    content_negotiation_class = FileResponseNegotiation
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
        user = selectors.calendar_feed_user(token=token)
        today = timezone.localdate()
        stamp = datetime.now(tz=timezone.get_current_timezone())
        # Each asset's next unpaid annuity, however far ahead; overdue ones while their grace period lasts.
        rows = selectors.calendar_assets(user=user).filter(grace_deadline__gte=today)
        body = annuity_calendar(rows.iterator(chunk_size=1000), stamp=stamp)
        response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
        response["Cache-Control"] = "private, max-age=3600"
        return response
