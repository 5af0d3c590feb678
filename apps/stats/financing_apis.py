"""HTTP for the financing volume (科技金融 融资额): GET /api/v1/stats/financing (JSON, CSV or XLSX).

The figures are technology finance's (``apps.finance.selectors.financing_volume``): money disbursed
under approved applications (loans and investments), cut by month of disbursement, product kind and
institution type.
"""

from __future__ import annotations

import calendar
from typing import Any

from django.http import HttpResponseBase
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.authentication import request_user
from apps.core.exporting import CONTENT_TYPES, table_response
from apps.core.negotiation import FileResponseNegotiation
from apps.core.replica import reads_from_replica
from apps.finance.models import ProductKind
from apps.finance.selectors import VOLUME_DIMS, VolumeReport, financing_volume
from apps.finance.selectors.reports import NO_QUALIFICATION
from apps.organizations.models import OrganizationType, QualificationKind
from apps.stats.apis import REPORT_FORMATS, StatsMonthField, check_query
from apps.stats.selectors import check_statistics_access

TAGS = ["statistics"]
FILE_TITLE = "科技金融融资额"


class FinancingQuerySerializer(serializers.Serializer):
    by = serializers.CharField(
        required=False,
        allow_blank=True,
        default="month",
        help_text="Comma-separated cuts: " + ", ".join(VOLUME_DIMS) + ". Empty: the total only.",
    )
    date_from = StatsMonthField(required=False, help_text="First month of disbursement (YYYY-MM).")
    date_to = StatsMonthField(required=False, help_text="Last month of disbursement, inclusive (YYYY-MM).")
    format = serializers.ChoiceField(choices=REPORT_FORMATS, default="json")

    def validate_by(self, value: str) -> list[str]:
        parts = [p.strip() for p in value.split(",") if p.strip()]
        unknown = [p for p in parts if p not in VOLUME_DIMS]
        if unknown:
            raise serializers.ValidationError(_("Unknown cut: %(cuts)s.") % {"cuts": ", ".join(unknown)})
        return list(dict.fromkeys(parts))


class FinancingRowSerializer(serializers.Serializer):
    month = serializers.CharField(required=False, help_text="YYYY-MM of disbursement.")
    kind = serializers.CharField(required=False)
    institution_type = serializers.CharField(required=False)
    qualification = serializers.CharField(
        required=False,
        help_text="The borrower's qualification valid on the disbursement day (high_tech_enterprise, tech_sme, "
        "gazelle, listing_incubation) or none; a borrower with two counts under both.",
    )
    count = serializers.IntegerField()
    amount = serializers.DecimalField(max_digits=24, decimal_places=2, help_text="Yuan disbursed.")


class FinancingOutputSerializer(serializers.Serializer):
    date_from = serializers.DateField(allow_null=True)
    date_to = serializers.DateField(allow_null=True)
    by = serializers.ListField(child=serializers.CharField())
    rows = FinancingRowSerializer(many=True)
    total_count = serializers.IntegerField()
    total_amount = serializers.DecimalField(max_digits=24, decimal_places=2)


_HEADERS = {"month": "放款月份", "kind": "产品类型", "institution_type": "机构类型", "qualification": "企业资质"}


def _label(dim: str, value: Any) -> str:
    if dim == "kind":
        return str(ProductKind(value).label)
    if dim == "institution_type":
        return str(OrganizationType(value).label)
    if dim == "qualification":
        return "无" if value == NO_QUALIFICATION else str(QualificationKind(value).label)
    return str(value)


def _table(report: VolumeReport) -> tuple[list[str], list[list[Any]]]:
    headers = [_HEADERS[d] for d in report.by] + ["笔数", "金额（元）"]
    rows = [[_label(d, row[d]) for d in report.by] + [row["count"], row["amount"]] for row in report.rows]
    rows.append(["合计"] + [""] * max(len(report.by) - 1, 0) + [report.total_count, report.total_amount])
    return headers, rows


class StatsFinancingApi(APIView):
    content_negotiation_class = FileResponseNegotiation

    @extend_schema(
        tags=TAGS,
        operation_id="stats_financing",
        summary="Financing volume (融资额): money disbursed by month, product kind, institution type, qualification.",
        description=(
            "For the market operator and accounts with stats.view_cell; anybody else gets 403. Counts "
            "applications disbursed (then repaid or defaulted too) by their disbursement day. "
            "`format=csv|xlsx` returns the same figures as a file with Chinese headers, amounts in yuan."
        ),
        parameters=[FinancingQuerySerializer],
        responses={
            (200, "application/json"): FinancingOutputSerializer,
            (200, "text/csv"): OpenApiTypes.BINARY,
            (200, CONTENT_TYPES["xlsx"]): OpenApiTypes.BINARY,
        },
    )
    @reads_from_replica
    def get(self, request: Request) -> HttpResponseBase:
        check_statistics_access(actor=request_user(request))
        query = check_query(request.query_params, FinancingQuerySerializer)
        date_to = query.get("date_to")
        if date_to is not None:  # the whole last month counts
            date_to = date_to.replace(day=calendar.monthrange(date_to.year, date_to.month)[1])
        report = financing_volume(date_from=query.get("date_from"), date_to=date_to, by=query["by"])
        fmt = query["format"]
        if fmt == "json":
            return Response(FinancingOutputSerializer(report).data)
        name = f"{FILE_TITLE}_{timezone.localdate():%Y%m%d}.{fmt}"
        with translation.override("zh-hans"):
            headers, rows = _table(report)
        return table_response(fmt, headers=headers, rows=rows, filename=name, sheet_title=FILE_TITLE)
