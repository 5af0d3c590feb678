"""HTTP for financing requests: the enterprise's ask, its prefilled profile, its matches and documents."""

from __future__ import annotations

from dataclasses import asdict
from decimal import Decimal
from typing import Any

from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.authentication import request_user
from apps.core.negotiation import FileResponseNegotiation
from apps.core.pagination import StandardCursorPagination, paginated_response
from apps.finance import examples, selectors, services
from apps.finance.apis.common import (
    TAGS,
    EligibilityRuleResultSerializer,
    FinanceFitReasonSerializer,
    FinanceOrgBriefSerializer,
    money_field,
)
from apps.finance.apis.products import ProductOutputSerializer
from apps.finance.models import ProductKind


class FinancingRequestInputSerializer(serializers.Serializer):
    enterprise_id = serializers.IntegerField(
        min_value=1, required=False, allow_null=True, help_text="Needed when you belong to several organisations."
    )
    amount = money_field(min_value=Decimal("0.01"))
    term_months = serializers.IntegerField(min_value=1, max_value=600)
    purpose = serializers.CharField(max_length=1000)
    kind = serializers.ChoiceField(choices=ProductKind.choices, required=False, allow_blank=True, default="")
    collateral_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        default=list,
        max_length=50,
        help_text="IP assets of the enterprise offered as collateral.",
    )


class RequestRefreshInputSerializer(serializers.Serializer):
    collateral_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, allow_null=True, default=None, max_length=50
    )


class FinancingRequestOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    enterprise = FinanceOrgBriefSerializer()
    amount = money_field()
    term_months = serializers.IntegerField()
    purpose = serializers.CharField()
    kind = serializers.CharField()
    status = serializers.CharField()
    profile = serializers.JSONField(
        help_text=(
            "What the market knew when the profile was taken: ip_assets (granted, paid_through_year, "
            "pledged, remaining_months, pledgeable …), contracts (registered totals and payments), "
            "listings, qualifications, region_code, collateral."
        )
    )
    profile_taken_at = serializers.DateTimeField()
    created_at = serializers.DateTimeField()


class ProductMatchOutputSerializer(serializers.Serializer):
    product = ProductOutputSerializer()
    eligible = serializers.BooleanField()
    score = serializers.IntegerField(help_text="0–100: amount 40, term 30, kind 20, rate 10.")
    rules = EligibilityRuleResultSerializer(many=True)
    fit = FinanceFitReasonSerializer(many=True)


class FinancingDocumentInputSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=False)


class FinancingDocumentOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    original_name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    created_at = serializers.DateTimeField()


class RequestListCreateApi(APIView):
    pagination_class = StandardCursorPagination

    @extend_schema(
        tags=TAGS,
        operation_id="finance_requests_list",
        responses={200: FinancingRequestOutputSerializer(many=True)},
        summary="Your enterprise's financing requests (the operator reads all).",
    )
    def get(self, request: Request) -> Response:
        qs = selectors.request_visible_qs(request_user(request))
        return paginated_response(
            request=request, view=self, queryset=qs, serializer_class=FinancingRequestOutputSerializer
        )

    @extend_schema(
        tags=TAGS,
        operation_id="finance_requests_create",
        examples=examples.FINANCE_REQUESTS_CREATE,
        request=FinancingRequestInputSerializer,
        responses={201: FinancingRequestOutputSerializer},
        summary="Ask for finance; the profile is prefilled from the market (IP, contracts, listings, tags).",
    )
    def post(self, request: Request) -> Response:
        serializer = FinancingRequestInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        created = services.request_create(actor=request_user(request), **serializer.validated_data)
        return Response(FinancingRequestOutputSerializer(created).data, status=status.HTTP_201_CREATED)


class RequestDetailApi(APIView):
    @extend_schema(
        tags=TAGS, operation_id="finance_requests_retrieve", responses={200: FinancingRequestOutputSerializer}
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(
            FinancingRequestOutputSerializer(selectors.access_request(actor=request_user(request), pk=pk)).data
        )


class RequestRefreshApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="finance_requests_refresh",
        examples=examples.FINANCE_REQUESTS_REFRESH,
        request=RequestRefreshInputSerializer,
        responses={200: FinancingRequestOutputSerializer},
        summary="Take the profile again from the market (and change the collateral, when given).",
    )
    def post(self, request: Request, pk: int) -> Response:
        actor = request_user(request)
        found = selectors.access_request(actor=actor, pk=pk)
        serializer = RequestRefreshInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        refreshed = services.request_refresh(
            actor=actor, request=found, collateral_ids=serializer.validated_data["collateral_ids"]
        )
        return Response(FinancingRequestOutputSerializer(refreshed).data)


class RequestCloseApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="finance_requests_close",
        request=None,
        examples=examples.FINANCE_REQUESTS_CLOSE,
        responses={200: FinancingRequestOutputSerializer},
        summary="Close the request: no new applications (those made continue).",
    )
    def post(self, request: Request, pk: int) -> Response:
        actor = request_user(request)
        closed = services.request_close(actor=actor, request=selectors.access_request(actor=actor, pk=pk))
        return Response(FinancingRequestOutputSerializer(closed).data)


class RequestMatchesApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="finance_requests_matches",
        responses={200: ProductMatchOutputSerializer(many=True)},
        summary="Every published product against the request: each hard rule with its reason, then the fit.",
    )
    def get(self, request: Request, pk: int) -> Response:
        found = selectors.access_request(actor=request_user(request), pk=pk)
        rows: list[dict[str, Any]] = [
            {"product": product, **asdict(result)}
            for product, result in selectors.match_request(request=found, on=timezone.localdate())
        ]
        return Response(ProductMatchOutputSerializer(rows, many=True).data)


class RequestDocumentListCreateApi(APIView):
    pagination_class = StandardCursorPagination
    parser_classes = [MultiPartParser]

    @extend_schema(
        tags=TAGS,
        operation_id="finance_requests_documents_list",
        responses={200: FinancingDocumentOutputSerializer(many=True)},
        summary="The request's documents: the enterprise, and institutions it applied to.",
    )
    def get(self, request: Request, pk: int) -> Response:
        found, _reader = selectors.access_request_for_documents(actor=request_user(request), pk=pk)
        return paginated_response(
            request=request,
            view=self,
            queryset=selectors.document_list(request=found),
            serializer_class=FinancingDocumentOutputSerializer,
        )

    @extend_schema(
        tags=TAGS,
        operation_id="finance_requests_documents_create",
        examples=examples.FINANCE_REQUESTS_DOCUMENTS_CREATE,
        request={"multipart/form-data": FinancingDocumentInputSerializer},
        responses={201: FinancingDocumentOutputSerializer},
        summary="Attach a document (PDF, image, Office file) for the institutions the enterprise applies to.",
    )
    def post(self, request: Request, pk: int) -> Response:
        actor = request_user(request)
        found = selectors.access_request(actor=actor, pk=pk)
        serializer = FinancingDocumentInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        document = services.document_add(actor=actor, request=found, upload=serializer.validated_data["file"])
        return Response(FinancingDocumentOutputSerializer(document).data, status=status.HTTP_201_CREATED)


class RequestDocumentDownloadApi(APIView):
    content_negotiation_class = FileResponseNegotiation

    @extend_schema(
        tags=TAGS,
        operation_id="finance_requests_documents_download",
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
        summary="Download a document; each download by an institution is logged.",
    )
    def get(self, request: Request, pk: int, document_id: int) -> Any:
        actor = request_user(request)
        found, reader = selectors.access_request_for_documents(actor=actor, pk=pk)
        document = get_object_or_404(selectors.document_list(request=found), pk=document_id)
        if reader is not None:
            services.document_access_record(actor=actor, document=document, organization_id=reader)
        response = FileResponse(document.file.open("rb"), as_attachment=True, filename=document.original_name)
        response["Content-Type"] = document.content_type
        response["X-Content-Type-Options"] = "nosniff"
        return response
