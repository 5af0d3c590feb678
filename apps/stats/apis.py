"""HTTP for the statistics reports: GET /api/v1/stats/report (JSON, CSV or XLSX)."""

from __future__ import annotations

import re
import tempfile
from datetime import date
from decimal import Decimal
from typing import Any

from django.http import FileResponse, HttpResponseBase, StreamingHttpResponse
from django.utils import translation
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.authentication import request_user
from apps.core.negotiation import FileResponseNegotiation
from apps.core.replica import reads_from_replica
from apps.core.validators import market_date_problem
from apps.stats import exports
from apps.stats.dims import DIMS, GRAIN_BY_ID, MEASURES, Measure
from apps.stats.drilldown_links import cell_contracts_url
from apps.stats.selectors import (
    DIM_NAMES,
    MEASURE_NAMES,
    PERIOD,
    PERIODS,
    Report,
    ReportRow,
    check_statistics_access,
    in_wan,
    in_yi,
    stats_report,
)

TAGS = ["statistics"]
REPORT_FORMATS = ("json", "csv", "xlsx")
_MONTH_OR_DAY = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")
_ENTITY_TYPES = "entity type codes; a top-level code (100) takes in its subcodes."
_AREAS = "6-digit prefecture codes, 2- or 4-digit region prefixes (45, 4502), 3-digit countries."
_ZONES = "city, province, domestic, hmt, asean, abroad."


def _values(what: str) -> serializers.CharField:
    """An optional filter of comma-separated values."""
    return serializers.CharField(required=False, allow_blank=True, help_text=f"Comma-separated values; {what}")


class StatsMonthField(serializers.CharField):
    """YYYY-MM or YYYY-MM-DD; the report counts whole months, so a day names its month."""

    default_error_messages = {"invalid_month": gettext_lazy("Use YYYY-MM or YYYY-MM-DD.")}

    def to_internal_value(self, data: Any) -> date:  # type: ignore[override]
        text = super().to_internal_value(data)
        match = _MONTH_OR_DAY.match(text)
        if not match:
            self.fail("invalid_month")
        year, month, day = match.groups()
        try:
            day_named = date(int(year), int(month), int(day or 1))
        except ValueError:
            self.fail("invalid_month")
        # Bounded like every date the API reads: 0001-01 would overflow the year-earlier comparison.
        problem = market_date_problem(day_named)
        if problem:
            raise serializers.ValidationError(problem, code="date_out_of_range")
        return day_named.replace(day=1)


class StatsCutFiltersSerializer(serializers.Serializer):
    contract_type = _values("contract types.")
    legacy_class = _values("legacy four classes.")
    technology_field = _values("technology field codes.")
    ip_type = _values("IP types.")
    programme_class = _values("programme classes.")
    seller_entity_type = _values(_ENTITY_TYPES)
    buyer_entity_type = _values(_ENTITY_TYPES)
    seller_area = _values(_AREAS)
    buyer_area = _values(_AREAS)
    seller_zone = _values(_ZONES)
    buyer_zone = _values(_ZONES)
    broker = _values("broker ids; none = without a broker.")
    market = _values("market codes of the network (apps.markets), e.g. liuzhou, luzhai.")


class StatsReportQuerySerializer(StatsCutFiltersSerializer):
    group_by = serializers.CharField(
        required=False,
        allow_blank=True,
        default=PERIOD,
        help_text=f"Comma-separated cuts to group by: {PERIOD}, " + ", ".join(DIMS) + ". Empty: totals only.",
    )
    period = serializers.ChoiceField(choices=PERIODS, default="year", help_text="The length of a period row.")
    date_from = StatsMonthField(required=False, help_text="First month counted (YYYY-MM or YYYY-MM-DD).")
    date_to = StatsMonthField(
        required=False, help_text="Last month counted, inclusive (YYYY-MM or YYYY-MM-DD). Default: this month."
    )
    compare = serializers.BooleanField(
        default=True, help_text="Add the same cut one year earlier (上年同期) and year-on-year growth."
    )
    format = serializers.ChoiceField(choices=REPORT_FORMATS, default="json", help_text="json, csv or xlsx.")


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def check_query(params: Any, serializer_class: type[serializers.Serializer]) -> dict[str, Any]:
    """The validated query with its cut filters gathered in ``filters``, or a 400 naming each bad or
    unknown parameter."""
    known = set(serializer_class().fields)
    unknown = sorted(set(params) - known)
    if unknown:
        raise ValidationError(
            {name: [ErrorDetail(_("Unknown parameter."), code="unknown_parameter")] for name in unknown}
        )
    # A repeated parameter (?broker=1&broker=2) counts as one comma list.
    query = serializer_class(data={name: ",".join(params.getlist(name)) for name in params})
    query.is_valid(raise_exception=True)
    data = dict(query.validated_data)
    filters = {}
    for dim in DIMS:
        values = _split(data.pop(dim.value, "") or "")
        if values:
            filters[dim.value] = values
    data["filters"] = filters
    return data


def check_report_query(params: Any) -> dict[str, Any]:
    data = check_query(params, StatsReportQuerySerializer)
    data["group_by"] = _split(data["group_by"])
    return data


# --- output ------------------------------------------------------------------------------------


class StatsMeasuresSerializer(serializers.Serializer):
    contract_count = serializers.IntegerField(help_text="Contracts (项).")
    contract_amount = serializers.DecimalField(max_digits=24, decimal_places=2, help_text="Yuan.")
    technology_amount = serializers.DecimalField(max_digits=24, decimal_places=2, help_text="Yuan.")
    paid_amount = serializers.DecimalField(max_digits=24, decimal_places=2, help_text="Yuan.")


class StatsAmountsDisplaySerializer(serializers.Serializer):
    contract_amount = serializers.DecimalField(max_digits=24, decimal_places=2)
    technology_amount = serializers.DecimalField(max_digits=24, decimal_places=2)
    paid_amount = serializers.DecimalField(max_digits=24, decimal_places=2)


class StatsGrowthSerializer(serializers.Serializer):
    contract_count = serializers.DecimalField(max_digits=40, decimal_places=4, allow_null=True)
    contract_amount = serializers.DecimalField(max_digits=40, decimal_places=4, allow_null=True)
    technology_amount = serializers.DecimalField(max_digits=40, decimal_places=4, allow_null=True)
    paid_amount = serializers.DecimalField(max_digits=40, decimal_places=4, allow_null=True)


class StatsReportRowSerializer(serializers.Serializer):
    key = serializers.DictField(child=serializers.CharField(allow_blank=True), help_text="Code of each grouped cut.")
    labels = serializers.DictField(child=serializers.CharField(allow_blank=True), help_text="Its display name.")
    values = StatsMeasuresSerializer()
    values_wan = StatsAmountsDisplaySerializer(help_text="The amounts in 万元 (two decimals, half up).")
    values_yi = StatsAmountsDisplaySerializer(help_text="The amounts in 亿元 (two decimals, half up).")
    previous = StatsMeasuresSerializer(allow_null=True, help_text="The same cut one year earlier (上年同期).")
    growth = StatsGrowthSerializer(allow_null=True, help_text="values / previous - 1; null where previous is 0.")
    contracts_url = serializers.CharField(
        help_text="The contracts behind this row's values (GET stats/report/cell/contracts); their figures add up "
        "to `values` exactly."
    )


class StatsReportOutputSerializer(serializers.Serializer):
    grain = serializers.IntegerField(help_text="The roll-up the report was read from.")
    grain_name = serializers.CharField()
    period = serializers.CharField()
    group_by = serializers.ListField(child=serializers.CharField())
    date_from = serializers.DateField(allow_null=True, help_text="First month counted; null: from the beginning.")
    date_to = serializers.DateField(help_text="Last month counted (inclusive).")
    compare = serializers.BooleanField()
    filters = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
    columns = serializers.DictField(
        child=serializers.CharField(), help_text="Display names of the grouped cuts and the measures."
    )
    rows = StatsReportRowSerializer(many=True)
    totals = StatsReportRowSerializer()


def _row_data(row: ReportRow, report: Report) -> dict[str, Any]:
    amounts = [m.value for m in MEASURES if m is not Measure.CONTRACT_COUNT]
    return {
        "contracts_url": cell_contracts_url(report, row),
        "key": row.key,
        "labels": row.labels,
        "values": row.values,
        "values_wan": {name: in_wan(Decimal(row.values[name])) for name in amounts},
        "values_yi": {name: in_yi(Decimal(row.values[name])) for name in amounts},
        "previous": row.previous,
        "growth": row.growth,
    }


def report_data(report: Report) -> dict[str, Any]:
    columns = {name: str(DIM_NAMES[name]) for name in report.group_by}
    columns.update({m.value: str(MEASURE_NAMES[m]) for m in MEASURES})
    return {
        "grain": report.grain,
        "grain_name": GRAIN_BY_ID[report.grain].name,
        "period": report.period,
        "group_by": list(report.group_by),
        "date_from": report.date_from,
        "date_to": report.date_to,
        "compare": report.compare,
        "filters": {name: list(values) for name, values in report.filters.items()},
        "columns": columns,
        "rows": [_row_data(row, report) for row in report.rows],
        "totals": _row_data(report.totals, report),
    }


class StatsReportApi(APIView):
    content_negotiation_class = FileResponseNegotiation

    @extend_schema(
        tags=TAGS,
        operation_id="stats_report",
        summary="Transaction statistics (技术市场成交额) cut any way, with totals and year-on-year growth.",
        description=(
            "For the market operator and accounts with the permission stats.view_cell (API keys of "
            "statistics systems); anybody else gets 403 (statistics_not_permitted). Reads one roll-up "
            "(`grain`). Amounts in yuan as decimal strings, plus `values_wan` (万元) and `values_yi` "
            "(亿元). `format=csv|xlsx` returns the same report as a file with Chinese headers, amounts in "
            "万元. 400 for an unknown parameter (unknown_parameter), an unknown cut (unknown_dimension), "
            "a bad period or date (validation_error), a filter value of the wrong kind "
            "(bad_filter_value), a window ending before it starts (bad_date_range) or a report over "
            "STATS_REPORT_MAX_ROWS rows (too_many_rows)."
        ),
        parameters=[StatsReportQuerySerializer],
        responses={
            (200, "application/json"): StatsReportOutputSerializer,
            (200, "text/csv"): OpenApiTypes.BINARY,
            (200, exports.CONTENT_TYPES["xlsx"]): OpenApiTypes.BINARY,
        },
    )
    @reads_from_replica
    def get(self, request: Request) -> HttpResponseBase:
        actor = request_user(request)
        # Refuse before validating: a caller without access learns nothing about the parameters.
        check_statistics_access(actor=actor)
        query = check_report_query(request.query_params)
        fmt = query.pop("format")
        if fmt == "json":
            return Response(StatsReportOutputSerializer(report_data(stats_report(actor=actor, **query))).data)
        # A file goes to the statistics office as it is: its labels are Chinese whatever the request's language.
        with translation.override("zh-hans"):
            report = stats_report(actor=actor, **query)
        response: HttpResponseBase
        if fmt == "csv":
            response = StreamingHttpResponse(exports.report_csv(report), content_type=exports.CONTENT_TYPES["csv"])
            response["Content-Disposition"] = content_disposition_header(True, exports.filename("csv"))
        else:
            spool = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it when sent
            exports.write_report_xlsx(report, spool)
            spool.seek(0)
            response = FileResponse(
                spool, as_attachment=True, filename=exports.filename("xlsx"), content_type=exports.CONTENT_TYPES["xlsx"]
            )
        response["Cache-Control"] = "private, no-store"
        return response
