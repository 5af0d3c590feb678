"""HTTP for the drill-down: GET /api/v1/stats/report/cell/contracts, the contracts behind a report cell."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from apps.accounts.authentication import request_user
from apps.core.replica import reads_from_replica
from apps.stats.apis import TAGS, StatsCutFiltersSerializer, StatsMeasuresSerializer, StatsMonthField, check_query
from apps.stats.selectors import check_statistics_access
from apps.stats.selectors.drilldown import DRILLDOWN_PAGE_MAX, CellContracts, stats_cell_contracts


class StatsCellContractsQuerySerializer(StatsCutFiltersSerializer):
    date_from = StatsMonthField(required=False, help_text="First month of the cell (YYYY-MM or YYYY-MM-DD).")
    date_to = StatsMonthField(required=False, help_text="Last month of the cell, inclusive. Default: this month.")
    exact = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Comma-separated entity type cuts (seller_entity_type, buyer_entity_type) matched as written, "
        "without taking in subcodes (a report row's code).",
    )
    after = serializers.IntegerField(
        required=False, min_value=0, max_value=2**63 - 1, help_text="Contracts after this id (the `next` link)."
    )
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=DRILLDOWN_PAGE_MAX, default=100)


class StatsCellContractOutputSerializer(serializers.Serializer):
    contract_id = serializers.IntegerField()
    url = serializers.CharField(help_text="GET contracts/{id}.")
    title = serializers.CharField()
    contract_number = serializers.CharField()
    registration_number = serializers.CharField(allow_null=True)
    buyer_name = serializers.CharField()
    seller_name = serializers.CharField()
    signed_on = serializers.DateField()
    cuts = serializers.DictField(child=serializers.CharField(allow_blank=True), help_text="What it is counted under.")
    figures = StatsMeasuresSerializer(help_text="Its contribution to the cell's months.")


class StatsCellContractsOutputSerializer(serializers.Serializer):
    date_from = serializers.DateField(allow_null=True)
    date_to = serializers.DateField()
    filters = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
    exact = serializers.ListField(child=serializers.CharField())
    totals = StatsMeasuresSerializer(help_text="The cell's figures: the sum over all its contracts, every page.")
    next = serializers.CharField(allow_null=True, help_text="The next page, or null.")
    results = StatsCellContractOutputSerializer(many=True)


def _data(found: CellContracts, request: Request) -> dict[str, Any]:
    next_url = None
    if found.next_after is not None:
        next_url = replace_query_param(request.build_absolute_uri(), "after", found.next_after)
    return {
        "date_from": found.date_from,
        "date_to": found.date_to,
        "filters": {name: list(values) for name, values in found.filters.items()},
        "exact": list(found.exact),
        "totals": found.totals,
        "next": next_url,
        "results": [
            {
                "contract_id": c.contract_id,
                "url": f"/api/v1/contracts/{c.contract_id}",
                "title": c.title,
                "contract_number": c.contract_number,
                "registration_number": c.registration_number,
                "buyer_name": c.buyer_name,
                "seller_name": c.seller_name,
                "signed_on": c.signed_on,
                "cuts": c.dims,
                "figures": c.figures,
            }
            for c in found.contracts
        ],
    }


def cell_contracts(request: Request) -> CellContracts:
    actor = request_user(request)
    # Refuse before validating: a caller without access learns nothing about the parameters.
    check_statistics_access(actor=actor)
    query = check_query(request.query_params, StatsCellContractsQuerySerializer)
    exact = [part.strip() for part in query.pop("exact", "").split(",") if part.strip()]
    return stats_cell_contracts(
        actor=actor,
        date_from=query.get("date_from"),
        date_to=query.get("date_to"),
        filters=query["filters"],
        exact=exact,
        after=query.get("after"),
        limit=query["page_size"],
    )


class StatsCellContractsApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="stats_report_cell_contracts",
        summary="The contracts behind a statistics report cell, with their amounts (drill-down).",
        description=(
            "For the same readers as the report (403 statistics_not_permitted otherwise). A cell is a window "
            "of months and cut values, spelled like the report's filters; every report row carries its "
            "`contracts_url`. `totals` equals the report cell's `values` to the fen, and is the sum of "
            "`figures` over every page (ordered by contract id; `next` follows). 400 for an unknown "
            "parameter, a bad value or window, as the report."
        ),
        parameters=[StatsCellContractsQuerySerializer],
        responses={200: StatsCellContractsOutputSerializer},
    )
    @reads_from_replica
    def get(self, request: Request) -> Response:
        return Response(StatsCellContractsOutputSerializer(_data(cell_contracts(request), request)).data)
