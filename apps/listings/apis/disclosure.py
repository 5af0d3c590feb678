"""Generic views of what a listing discloses: the confidential part, attachments, NDA requests and their
decisions, and the access log."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse
from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.authentication import request_user
from apps.core.negotiation import FileResponseNegotiation
from apps.core.pagination import StandardCursorPagination, paginated_response
from apps.listings import examples, selectors, services
from apps.listings.apis.kinds import KindView, PublicReadMixin, client_ip
from apps.listings.apis.payloads import (
    AttachmentInputSerializer,
    AttachmentOutputSerializer,
    ConfidentialAccessOutputSerializer,
    ConfidentialOutputSerializer,
    NdaDecisionInputSerializer,
    NdaRequestInputSerializer,
    NdaRequestOutputSerializer,
)
from apps.listings.models import AccessKind


class ListingConfidentialApi(KindView):
    def get(self, request: Request, pk: int) -> Response:
        actor = request_user(request)
        listing = self.listing(request, pk)
        grant = selectors.confidential_access(actor=actor, listing=listing)
        if grant.logged:
            services.confidential_access_record(
                actor=actor,
                listing=listing,
                organization_id=grant.organization_id,
                kind=AccessKind.DETAIL,
                ip_address=client_ip(request),
            )
        attachments = selectors.attachment_list(actor=actor, listing=listing, include_confidential=True)
        data = ConfidentialOutputSerializer(
            {
                "confidential_detail": listing.confidential_detail,
                "contact_name": listing.contact_name,
                "contact_phone": listing.contact_phone,
                "contact_email": listing.contact_email,
                "attachments": attachments,
                "access_reason": grant.reason,
            }
        ).data
        return Response(data)


class ListingAttachmentsApi(PublicReadMixin, KindView):
    parser_classes = [MultiPartParser]

    def get(self, request: Request, pk: int) -> Response:
        """Public attachments to anyone who sees the listing; all of them to those with access."""
        actor = request.user
        listing = self.listing(request, pk)
        try:
            selectors.confidential_access(actor=actor, listing=listing)
            everything = True
        except Exception:
            everything = False
        qs = selectors.attachment_list(actor=actor, listing=listing, include_confidential=everything)
        return Response(AttachmentOutputSerializer(qs, many=True).data)

    def post(self, request: Request, pk: int) -> Response:
        serializer = AttachmentInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        attachment = services.attachment_add(
            actor=request_user(request),
            listing=self.listing(request, pk),
            upload=serializer.validated_data["file"],
            is_public=serializer.validated_data["is_public"],
        )
        return Response(AttachmentOutputSerializer(attachment).data, status=status.HTTP_201_CREATED)


class ListingAttachmentDetailApi(PublicReadMixin, KindView):
    content_negotiation_class = FileResponseNegotiation

    def get(self, request: Request, pk: int, attachment_id: int) -> Any:
        """Download. Confidential files need access, and each download by a non-owner is logged."""
        actor = request.user
        listing = self.listing(request, pk)
        attachment = selectors.access_attachment(listing=listing, pk=attachment_id)
        if not attachment.is_public:
            grant = selectors.confidential_access(actor=actor, listing=listing)
            if grant.logged:
                services.confidential_access_record(
                    actor=request_user(request),
                    listing=listing,
                    organization_id=grant.organization_id,
                    kind=AccessKind.ATTACHMENT,
                    attachment=attachment,
                    ip_address=client_ip(request),
                )
        response = FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.original_name)
        response["Content-Type"] = attachment.content_type
        response["X-Content-Type-Options"] = "nosniff"
        return response

    def delete(self, request: Request, pk: int, attachment_id: int) -> Response:
        listing = self.listing(request, pk)
        services.attachment_delete(
            actor=request_user(request), attachment=selectors.access_attachment(listing=listing, pk=attachment_id)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class ListingNdaRequestsApi(KindView):
    pagination_class = StandardCursorPagination

    def get(self, request: Request, pk: int) -> Response:
        qs = selectors.nda_request_list(actor=request_user(request), listing=self.listing(request, pk))
        return paginated_response(request=request, view=self, queryset=qs, serializer_class=NdaRequestOutputSerializer)

    def post(self, request: Request, pk: int) -> Response:
        serializer = NdaRequestInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        nda = services.nda_request_create(
            actor=request_user(request),
            listing=self.listing(request, pk),
            organization_id=serializer.validated_data.get("organization_id"),
            message=serializer.validated_data["message"],
        )
        location = reverse("nda-request-detail", kwargs={"pk": nda.pk})
        return Response(
            NdaRequestOutputSerializer(nda).data, status=status.HTTP_201_CREATED, headers={"Location": location}
        )


class ListingAccessLogApi(KindView):
    pagination_class = StandardCursorPagination

    def get(self, request: Request, pk: int) -> Response:
        qs = selectors.confidential_access_log(actor=request_user(request), listing=self.listing(request, pk))
        return paginated_response(
            request=request, view=self, queryset=qs, serializer_class=ConfidentialAccessOutputSerializer
        )


# --- NDA decisions (shared by both kinds) ------------------------------------------------------


class NdaRequestDetailApi(APIView):
    @extend_schema(tags=["nda"], operation_id="nda_requests_retrieve", responses={200: NdaRequestOutputSerializer})
    def get(self, request: Request, pk: int) -> Response:
        nda = selectors.access_nda_request(actor=request_user(request), pk=pk)
        return Response(NdaRequestOutputSerializer(nda).data)


class NdaDecisionApi(APIView):
    action: str = ""

    def post(self, request: Request, pk: int) -> Response:
        serializer = NdaDecisionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        actor = request_user(request)
        nda = selectors.access_nda_request(actor=actor, pk=pk)
        note = serializer.validated_data["note"]
        if self.action == "revoke":
            nda = services.nda_revoke(actor=actor, request=nda, note=note)
        else:
            nda = services.nda_decide(actor=actor, request=nda, accept=self.action == "accept", note=note)
        return Response(NdaRequestOutputSerializer(nda).data)


def nda_decision_view(action: str) -> type[APIView]:
    cls = type(f"Nda{action.title()}Api", (NdaDecisionApi,), {"action": action})
    return extend_schema_view(
        post=extend_schema(
            tags=["nda"],
            operation_id=f"nda_requests_{action}",
            examples=examples.BY_OPERATION.get(f"nda_requests_{action}", []),
            request=NdaDecisionInputSerializer,
            responses={200: NdaRequestOutputSerializer},
        )
    )(cls)
