"""HTTP for contract documents (drafts from the model texts, PDF, signing) and a contract's evidence."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.authentication import request_user
from apps.contracts import examples
from apps.contracts.apis.common import TAGS
from apps.contracts.models import Contract, ContractDocumentStatus
from apps.contracts.selectors import access_contract, access_document, contract_evidence, document_list
from apps.contracts.services import document_create, document_revise, document_sign
from apps.core.negotiation import FileResponseNegotiation
from apps.core.pagination import StandardCursorPagination, paginated_response
from apps.core.schema import problem_response

_OVERRIDES_HELP = _(
    "Clause key → your text for that clause (placeholders such as {title} are filled); null or empty returns "
    "the clause to the model text. Keys are those of the document's clauses."
)


class ContractDocumentOverridesInputSerializer(serializers.Serializer):
    overrides = serializers.DictField(
        child=serializers.CharField(allow_null=True, allow_blank=True, max_length=5000),
        required=False,
        default=dict,
        help_text=_OVERRIDES_HELP,
    )

    def validate_overrides(self, value: dict[str, Any]) -> dict[str, Any]:
        if len(value) > 50:
            raise serializers.ValidationError(_("At most 50 clauses."))
        return value


class ContractDocumentReviseInputSerializer(ContractDocumentOverridesInputSerializer):
    overrides = serializers.DictField(
        child=serializers.CharField(allow_null=True, allow_blank=True, max_length=5000), help_text=_OVERRIDES_HELP
    )


class ContractDocumentSignInputSerializer(serializers.Serializer):
    document_sha256 = serializers.RegexField(
        r"^[0-9a-fA-F]{64}$", help_text=_("SHA-256 (hex) of the PDF you read and sign: the version's pdf_sha256.")
    )


class ContractClauseOutputSerializer(serializers.Serializer):
    key = serializers.CharField()
    heading = serializers.CharField()
    text = serializers.CharField()


class ContractSignatureOutputSerializer(serializers.Serializer):
    organization_id = serializers.IntegerField()
    organization_name = serializers.CharField(source="organization.name")
    role = serializers.CharField(help_text=_("buyer or seller"))
    signer_id = serializers.IntegerField()
    signed_at = serializers.DateTimeField()
    document_sha256 = serializers.CharField()


class ContractDocumentOutputSerializer(serializers.Serializer):
    contract_id = serializers.IntegerField()
    number = serializers.IntegerField(help_text=_("The version: 1, 2 …"))
    status = serializers.ChoiceField(choices=ContractDocumentStatus.choices)
    template = serializers.CharField(help_text=_("The model text: the contract type."))
    overrides = serializers.DictField(child=serializers.CharField())
    clauses = ContractClauseOutputSerializer(many=True)
    pdf_sha256 = serializers.CharField()
    pdf_size = serializers.IntegerField()
    signatures = ContractSignatureOutputSerializer(many=True)
    signed_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()


class ContractDocumentListItemSerializer(serializers.Serializer):
    contract_id = serializers.IntegerField()
    number = serializers.IntegerField()
    status = serializers.ChoiceField(choices=ContractDocumentStatus.choices)
    pdf_sha256 = serializers.CharField()
    signatures = ContractSignatureOutputSerializer(many=True)
    signed_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()


def _document_response(contract: Contract, number: int, code: int = status.HTTP_200_OK) -> Response:
    # Read again through the selector, so the signatures just made come prefetched.
    document = access_document(contract=contract, number=number)
    return Response(ContractDocumentOutputSerializer(document).data, status=code)


_NOT_FOUND = problem_response(404, "No such contract (or not visible to you), or no such version.")


class ContractDocumentListCreateApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="contracts_documents_list",
        summary="The contract's document versions with their signatures.",
        responses={200: ContractDocumentListItemSerializer(many=True), **_NOT_FOUND},
    )
    def get(self, request: Request, contract_id: int) -> Response:
        contract = access_contract(actor=request_user(request), pk=contract_id)
        return Response(ContractDocumentListItemSerializer(document_list(contract=contract), many=True).data)

    @extend_schema(
        tags=TAGS,
        operation_id="contracts_documents_create",
        summary="Draft the next version from the model text of the contract's type (rendered to PDF).",
        description=(
            "Version 1 is the model text (技术开发/转让/许可/咨询/服务) filled from the contract. A later version "
            "carries the previous version's clause overrides plus yours: this is how a signed or partly signed "
            "document is changed (a version being signed is superseded; a signed one stays signed)."
        ),
        request=ContractDocumentOverridesInputSerializer,
        examples=examples.CONTRACTS_DOCUMENTS_CREATE,
        responses={
            201: ContractDocumentOutputSerializer,
            **problem_response(403, "Not a party, the deal's broker or the operator (contract_not_allowed)."),
            **_NOT_FOUND,
            **problem_response(409, "The current version is still a draft (contract_document_draft_open)."),
        },
    )
    def post(self, request: Request, contract_id: int) -> Response:
        actor = request_user(request)
        contract = access_contract(actor=actor, pk=contract_id)
        serializer = ContractDocumentOverridesInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        document = document_create(actor=actor, contract=contract, overrides=serializer.validated_data["overrides"])
        return _document_response(contract, document.number, status.HTTP_201_CREATED)


class ContractDocumentDetailApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="contracts_documents_retrieve",
        summary="One document version: its clauses, PDF hash and signatures.",
        responses={200: ContractDocumentOutputSerializer, **_NOT_FOUND},
    )
    def get(self, request: Request, contract_id: int, number: int) -> Response:
        contract = access_contract(actor=request_user(request), pk=contract_id)
        return Response(ContractDocumentOutputSerializer(access_document(contract=contract, number=number)).data)

    @extend_schema(
        tags=TAGS,
        operation_id="contracts_documents_revise",
        summary="Change a draft's clauses (re-rendered; its hash changes).",
        request=ContractDocumentReviseInputSerializer,
        examples=examples.CONTRACTS_DOCUMENTS_REVISE,
        responses={
            200: ContractDocumentOutputSerializer,
            **problem_response(403, "Not a party, the deal's broker or the operator (contract_not_allowed)."),
            **_NOT_FOUND,
            **problem_response(409, "Signed or being signed: start a new version (contract_document_frozen)."),
        },
    )
    def patch(self, request: Request, contract_id: int, number: int) -> Response:
        actor = request_user(request)
        contract = access_contract(actor=actor, pk=contract_id)
        document = access_document(contract=contract, number=number)
        serializer = ContractDocumentReviseInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        document_revise(actor=actor, document=document, overrides=serializer.validated_data["overrides"])
        return _document_response(contract, number)


class ContractDocumentPdfApi(APIView):
    content_negotiation_class = FileResponseNegotiation

    @extend_schema(
        tags=TAGS,
        operation_id="contracts_documents_pdf",
        summary="Download a version's PDF (its SHA-256 is the version's pdf_sha256).",
        responses={(200, "application/pdf"): OpenApiTypes.BINARY, **_NOT_FOUND},
    )
    def get(self, request: Request, contract_id: int, number: int) -> FileResponse:
        contract = access_contract(actor=request_user(request), pk=contract_id)
        document = access_document(contract=contract, number=number)
        response = FileResponse(
            document.pdf.open("rb"),
            as_attachment=True,
            filename=f"contract-{contract.pk}-v{document.number}.pdf",
            content_type="application/pdf",
        )
        response["Digest"] = f"sha-256={document.pdf_sha256}"
        return response


class ContractDocumentSignApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="contracts_documents_sign",
        summary="Sign a version for your organisation (an administrator of the buyer or the seller).",
        description=(
            "Send the SHA-256 of the PDF you read. The signature records signer, organisation, time, address "
            "and that hash; when every party on the platform has signed, the version is signed and its PDF "
            "becomes the contract's written document. Each step is written to the evidence chain."
        ),
        request=ContractDocumentSignInputSerializer,
        examples=examples.CONTRACTS_DOCUMENTS_SIGN,
        responses={
            200: ContractDocumentOutputSerializer,
            **problem_response(403, "Not an administrator of a party (contract_document_not_signatory)."),
            **_NOT_FOUND,
            **problem_response(
                409,
                "Already signed by your party, the hash is not the current PDF's, or the version is superseded "
                "(contract_document_already_signed, contract_document_hash_mismatch, contract_document_not_signable).",
            ),
        },
    )
    def post(self, request: Request, contract_id: int, number: int) -> Response:
        actor = request_user(request)
        contract = access_contract(actor=actor, pk=contract_id)
        document = access_document(contract=contract, number=number)
        serializer = ContractDocumentSignInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        document_sign(
            actor=actor,
            document=document,
            document_sha256=serializer.validated_data["document_sha256"],
            ip_address=request.META.get("REMOTE_ADDR") or None,
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
        )
        return _document_response(contract, number)


class EvidenceEntryOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    position = serializers.IntegerField()
    stream = serializers.CharField()
    subject_type = serializers.CharField()
    subject_id = serializers.IntegerField()
    event = serializers.CharField()
    payload = serializers.JSONField()
    actor_id = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()
    prev_hash = serializers.CharField()
    hash = serializers.CharField()


class EvidencePagination(StandardCursorPagination):
    ordering = "position"


class ContractEvidenceApi(APIView):
    pagination_class = EvidencePagination

    @extend_schema(
        tags=TAGS,
        operation_id="contracts_evidence",
        # Named here: with problem responses beside the list, drf-spectacular does not add them itself.
        parameters=[OpenApiParameter("cursor", str), OpenApiParameter("page_size", int)],
        summary="The contract's entries in the evidence chain (recorded, amended, signed, registered, paid).",
        description=(
            "Each entry carries the hash of the chain entry before it and its own hash over its content "
            "(docs/contract-documents-and-evidence.md says how to recompute it). A document's pdf_sha256 "
            "in an entry lets a party check a PDF they hold."
        ),
        responses={200: EvidenceEntryOutputSerializer(many=True), **_NOT_FOUND},
    )
    def get(self, request: Request, contract_id: int) -> Response:
        contract = access_contract(actor=request_user(request), pk=contract_id)
        return paginated_response(
            request=request,
            view=self,
            queryset=contract_evidence(contract=contract),
            serializer_class=EvidenceEntryOutputSerializer,
        )
