"""HTTP for the documents an organisation hands the operator for its verification."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.authentication import request_user
from apps.accounts.permissions import PeopleOnly
from apps.core.negotiation import FileResponseNegotiation
from apps.organizations import examples
from apps.organizations.models import VerificationDocumentKind
from apps.organizations.selectors import (
    access_organization,
    access_organization_as_admin,
    access_verification_document,
    verification_document_list,
)
from apps.organizations.services import verification_document_add

TAGS = ["organizations"]


class VerificationDocumentInputSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=False, help_text="PDF, PNG or JPEG, at most 10 MB.")
    kind = serializers.ChoiceField(choices=VerificationDocumentKind.choices)


class VerificationDocumentOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    original_name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    created_at = serializers.DateTimeField()


class VerificationDocumentListCreateApi(APIView):
    permission_classes = [IsAuthenticated, PeopleOnly]
    parser_classes = [MultiPartParser]

    @extend_schema(
        tags=TAGS,
        operation_id="organizations_verification_documents_list",
        responses={200: VerificationDocumentOutputSerializer(many=True)},
        summary="The documents handed in for verification (the organisation's members and the operator).",
    )
    def get(self, request: Request, organization_id: int) -> Response:
        actor = request_user(request)
        organization = access_organization(actor=actor, pk=organization_id)
        documents = verification_document_list(actor=actor, organization=organization)
        return Response(VerificationDocumentOutputSerializer(documents, many=True).data)

    @extend_schema(
        tags=TAGS,
        operation_id="organizations_verification_documents_create",
        request={"multipart/form-data": VerificationDocumentInputSerializer},
        examples=examples.ORGANIZATIONS_VERIFICATION_DOCUMENTS_CREATE,
        responses={201: VerificationDocumentOutputSerializer},
        summary="An admin hands in a document for the operator's verification (e.g. a certificate of "
        "registration abroad).",
    )
    def post(self, request: Request, organization_id: int) -> Response:
        actor = request_user(request)
        organization = access_organization_as_admin(actor=actor, pk=organization_id)
        serializer = VerificationDocumentInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        document = verification_document_add(
            actor=actor,
            organization=organization,
            upload=serializer.validated_data["file"],
            kind=serializer.validated_data["kind"],
        )
        return Response(VerificationDocumentOutputSerializer(document).data, status=status.HTTP_201_CREATED)


class VerificationDocumentFileApi(APIView):
    permission_classes = [IsAuthenticated, PeopleOnly]
    content_negotiation_class = FileResponseNegotiation

    @extend_schema(
        tags=TAGS,
        operation_id="organizations_verification_documents_download",
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
    )
    def get(self, request: Request, organization_id: int, document_id: int) -> Any:
        actor = request_user(request)
        organization = access_organization(actor=actor, pk=organization_id)
        document = access_verification_document(actor=actor, organization=organization, pk=document_id)
        response = FileResponse(document.file.open("rb"), as_attachment=True, filename=document.original_name)
        response["Content-Type"] = document.content_type
        response["X-Content-Type-Options"] = "nosniff"
        return response
