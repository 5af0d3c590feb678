"""HTTP for the export of registered contracts to the national network (docs/network.md)."""

from __future__ import annotations

from django.http import HttpResponseBase, StreamingHttpResponse
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.views import APIView

from apps.accounts.authentication import request_user
from apps.contracts.network_export import csv_export_chunks, jsonl_chunks, registered_contracts
from apps.core.fields import MarketDateField
from apps.core.negotiation import FileResponseNegotiation
from apps.core.replica import reads_from_replica

TAGS = ["contracts"]


class NetworkExportQuerySerializer(serializers.Serializer):
    date_from = MarketDateField(help_text="First registration day (inclusive).")
    date_to = MarketDateField(help_text="Last registration day (inclusive); at most one year after date_from.")
    market = serializers.SlugField(max_length=24, required=False, help_text="Only this market of the network.")
    format = serializers.ChoiceField(choices=["jsonl", "csv"], default="jsonl")


class ContractNetworkExportApi(APIView):
    content_negotiation_class = FileResponseNegotiation

    @extend_schema(
        tags=TAGS,
        operation_id="contracts_network_export",
        parameters=[
            OpenApiParameter("date_from", OpenApiTypes.DATE, required=True),
            OpenApiParameter("date_to", OpenApiTypes.DATE, required=True),
            OpenApiParameter("market", str),
            OpenApiParameter("format", str, enum=["jsonl", "csv"]),
        ],
        responses={(200, "application/jsonl"): OpenApiTypes.BINARY, (200, "text/csv"): OpenApiTypes.BINARY},
        summary="Registered contracts for the national network (JSON Lines or CSV; operators of their markets).",
    )
    @reads_from_replica
    def get(self, request: Request) -> HttpResponseBase:
        query = NetworkExportQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        qs = registered_contracts(
            actor=request_user(request), date_from=data["date_from"], date_to=data["date_to"], market=data.get("market")
        )
        rows = qs.iterator(chunk_size=1000)
        name = f"技术合同登记_{data['date_from']:%Y%m%d}-{data['date_to']:%Y%m%d}"
        if data["format"] == "csv":
            response = StreamingHttpResponse(csv_export_chunks(rows), content_type="text/csv; charset=utf-8")
            filename = f"{name}.csv"
        else:
            response = StreamingHttpResponse(jsonl_chunks(rows), content_type="application/jsonl; charset=utf-8")
            filename = f"{name}.jsonl"
        response["Content-Disposition"] = content_disposition_header(True, filename)
        response["Cache-Control"] = "private, no-store"
        return response
