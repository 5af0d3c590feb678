"""HTTP for achievements and demands: lists and search, the lifecycle, attachments, NDAs, access log.

The two kinds share every endpoint shape; :class:`Kind` says what differs (model, serializers, services),
and :func:`_for_kind` stamps each generic view into an achievement and a demand view with its own
OpenAPI operation id.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import FileResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.authentication import request_user
from apps.core.pagination import StandardCursorPagination, WindowPagination, paginated_response
from apps.listings import selectors, services, teasers
from apps.listings.models import (
    AccessKind,
    Achievement,
    Attribute,
    CooperationMode,
    Demand,
    ListingStatus,
    NdaStatus,
    PriceType,
    Stage,
)
from apps.listings.serializers import AchievementInputSerializer, DemandInputSerializer

# --- output serializers ------------------------------------------------------------------------


class CodeNameSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField(source="name_zh")
    name_en = serializers.CharField()


class RegionBriefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField(source="name_zh")


class OwnerBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    type = serializers.CharField()


class ListingTeaserSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    # Method fields rather than callable sources: DRF inspects a callable source on every row.
    status_display = serializers.SerializerMethodField()
    language = serializers.CharField()
    title = serializers.CharField()
    translated_title = serializers.CharField()
    technology_field = CodeNameSerializer()
    keywords = serializers.ListField(child=serializers.CharField())
    cooperation_modes = serializers.ListField(child=serializers.ChoiceField(choices=CooperationMode.choices))
    owner = OwnerBriefSerializer()
    region = RegionBriefSerializer()
    published_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()

    def get_status_display(self, obj: Any) -> str:
        return str(ListingStatus(obj.status).label)


class AchievementListOutputSerializer(ListingTeaserSerializer):
    summary = serializers.CharField()
    industries = CodeNameSerializer(many=True)
    trl = serializers.IntegerField()
    stage = serializers.ChoiceField(choices=Stage.choices)
    attribute = serializers.ChoiceField(choices=Attribute.choices)
    price_type = serializers.ChoiceField(choices=PriceType.choices)
    price_min = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)
    price_max = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)
    expires_on = serializers.DateField(allow_null=True)


class IPAssetBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    title = serializers.CharField()
    application_number = serializers.CharField()
    patent_number = serializers.CharField()
    publication_number = serializers.CharField()
    registration_number = serializers.CharField()
    ipc_main = serializers.CharField()
    legal_status = serializers.CharField()


class ListingDetailMixin(serializers.Serializer):
    rejection_reason = serializers.SerializerMethodField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    viewer_access = serializers.SerializerMethodField(
        help_text="owner, operator, nda_accepted, nda_pending or none: what the reader may open."
    )

    def get_rejection_reason(self, obj: Any) -> str:
        # The reviewer's reason is between the operator and the owner.
        return obj.rejection_reason if self.context.get("access") in {"owner", "operator"} else ""

    def get_viewer_access(self, obj: Any) -> str:
        return str(self.context.get("access", "none"))


class AchievementDetailOutputSerializer(ListingDetailMixin, AchievementListOutputSerializer):
    translated_summary = serializers.CharField()
    ip_assets = IPAssetBriefSerializer(many=True, source="ip_assets.all")


class DemandListOutputSerializer(ListingTeaserSerializer):
    description = serializers.CharField()
    industry = CodeNameSerializer(allow_null=True)
    budget_min = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)
    budget_max = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)
    deadline = serializers.DateField()
    wanted_stage = serializers.CharField()


class DemandDetailOutputSerializer(ListingDetailMixin, DemandListOutputSerializer):
    translated_description = serializers.CharField()
    region_preference = RegionBriefSerializer(allow_null=True)


class AttachmentOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    original_name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    is_public = serializers.BooleanField()
    created_at = serializers.DateTimeField()


class ConfidentialOutputSerializer(serializers.Serializer):
    confidential_detail = serializers.CharField()
    contact_name = serializers.CharField()
    contact_phone = serializers.CharField()
    contact_email = serializers.CharField()
    attachments = AttachmentOutputSerializer(many=True)
    access_reason = serializers.CharField(help_text="owner, operator or nda")


class ListingEventOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    actor_name = serializers.CharField(source="actor.name", default="")
    note = serializers.CharField()
    created_at = serializers.DateTimeField()


class NdaRequestOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    listing_kind = serializers.SerializerMethodField()
    listing_id = serializers.SerializerMethodField()
    organization = OwnerBriefSerializer()
    requested_by_name = serializers.CharField(source="requested_by.name", default="")
    message = serializers.CharField()
    status = serializers.ChoiceField(choices=NdaStatus.choices)
    decision_note = serializers.CharField()
    decided_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()

    def get_listing_kind(self, obj: Any) -> str:
        return "achievement" if obj.achievement_id else "demand"

    def get_listing_id(self, obj: Any) -> int:
        return int(obj.achievement_id or obj.demand_id)


class ConfidentialAccessOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    organization = OwnerBriefSerializer(allow_null=True)
    user_name = serializers.CharField(source="user.name", default="")
    attachment_name = serializers.CharField(source="attachment.original_name", default="")
    ip_address = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()


# --- input serializers -------------------------------------------------------------------------


class ReviewInputSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    reason = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class NoteInputSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class AttachmentInputSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=False)
    is_public = serializers.BooleanField(default=False)


class NdaRequestInputSerializer(serializers.Serializer):
    organization_id = serializers.IntegerField(required=False)
    message = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class NdaDecisionInputSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


# --- kinds -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    name: str  # "achievement"
    plural: str  # "achievements"
    model: type[Achievement] | type[Demand]
    input_serializer: type[serializers.Serializer]
    list_serializer: type[serializers.Serializer]
    detail_serializer: type[serializers.Serializer]
    list_selector: Callable[..., Any]
    create: Callable[..., Any]
    update: Callable[..., Any]


ACHIEVEMENT = Kind(
    name="achievement",
    plural="achievements",
    model=Achievement,
    input_serializer=AchievementInputSerializer,
    list_serializer=AchievementListOutputSerializer,
    detail_serializer=AchievementDetailOutputSerializer,
    list_selector=selectors.achievement_list,
    create=services.achievement_create,
    update=lambda *, actor, listing, data: services.achievement_update(actor=actor, achievement=listing, data=data),
)
DEMAND = Kind(
    name="demand",
    plural="demands",
    model=Demand,
    input_serializer=DemandInputSerializer,
    list_serializer=DemandListOutputSerializer,
    detail_serializer=DemandDetailOutputSerializer,
    list_selector=selectors.demand_list,
    create=services.demand_create,
    update=lambda *, actor, listing, data: services.demand_update(actor=actor, demand=listing, data=data),
)


class KindView(APIView):
    kind: Kind
    pagination_class: type[Any] | None = None
    # Sub-resources (events, attachments, NDAs …) need the listing's owner, not its relations.
    listing_relations = False

    def listing(self, request: Request, pk: int) -> Any:
        return selectors.access_listing(
            self.kind.model, actor=request.user, pk=pk, with_relations=self.listing_relations
        )

    def detail_response(
        self, request: Request, listing: Any, *, code: int = status.HTTP_200_OK, refetch: bool = True
    ) -> Response:
        # After a write the listing is read again, with its relations, as the actor now sees it.
        fresh = selectors.access_listing(self.kind.model, actor=request.user, pk=listing.pk) if refetch else listing
        access = selectors.viewer_access(actor=request.user, listing=fresh)
        data = self.kind.detail_serializer(fresh, context={"access": access}).data
        return Response(data, status=code)


class PublicReadMixin(APIView):
    """Anyone may read (anonymous included: published teasers are public); writes need a login."""

    def get_permissions(self) -> list[Any]:
        return [AllowAny()] if self.request.method == "GET" else list(super().get_permissions())


def _client_ip(request: Request) -> str | None:
    return request.META.get("REMOTE_ADDR")


# --- generic views -----------------------------------------------------------------------------

LIST_PARAMETERS = [
    OpenApiParameter("q", str, description="Search text, Chinese or English (segmented with jieba)."),
    OpenApiParameter("technology_field", str, description="Field codes, comma-separated (01–11)."),
    OpenApiParameter("industry", str, description="Industry codes, comma-separated."),
    OpenApiParameter("cooperation_mode", str, many=True, enum=CooperationMode.values),
    OpenApiParameter("region", str, description="Region code; a province or prefecture matches its parts."),
    OpenApiParameter("status", str, many=True, enum=ListingStatus.values, description="Default: published."),
    OpenApiParameter("owner", int),
    OpenApiParameter("mine", bool, description="Only my organisations' listings, any status."),
    OpenApiParameter("ordering", str, enum=list(selectors.ORDERINGS)),
    OpenApiParameter("page", int, description="Page number (relevance ordering only)."),
]
ACHIEVEMENT_PARAMETERS = [
    OpenApiParameter("stage", str, many=True, enum=Stage.values),
    OpenApiParameter("trl_min", int),
    OpenApiParameter("trl_max", int),
    OpenApiParameter("price_min", float, description="Asking price reaches at least this (yuan)."),
    OpenApiParameter("price_max", float, description="Asking price starts at most at this (yuan)."),
]
DEMAND_PARAMETERS = [
    OpenApiParameter("budget_min", float),
    OpenApiParameter("budget_max", float),
    OpenApiParameter("region_preference", str),
    OpenApiParameter("deadline_after", OpenApiTypes.DATE),
    OpenApiParameter("deadline_before", OpenApiTypes.DATE),
]


class ListingListCreateApi(PublicReadMixin, KindView):
    def get(self, request: Request) -> Response:
        # Anonymous readers are welcome here: the selector shows them published teasers.
        qs = self.kind.list_selector(actor=request.user, filters=request.query_params)
        ordering = selectors.listing_ordering(request.query_params)
        if ordering == "relevance":
            self.pagination_class = WindowPagination
        else:
            paginator_ordering = _cursor_ordering(ordering, request)
            self.pagination_class = type(
                "ListingCursorPagination", (StandardCursorPagination,), {"ordering": paginator_ordering}
            )
        model = self.kind.model
        return paginated_response(
            request=request,
            view=self,
            queryset=teasers.teaser_rows(qs, model),
            render=lambda rows: teasers.render_teasers(rows, model),
        )

    def post(self, request: Request) -> Response:
        serializer = self.kind.input_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        listing = self.kind.create(actor=request_user(request), data=serializer.validated_data)
        return self.detail_response(request, listing, code=status.HTTP_201_CREATED)


def _cursor_ordering(ordering: str, request: Request) -> tuple[str, ...]:
    # published_at is empty before publication: order by it only when every row is published.
    statuses = request.query_params.getlist("status")
    only_published = (not statuses and request.query_params.get("mine") not in ("true", "1", "True")) or statuses == [
        ListingStatus.PUBLISHED
    ]
    if ordering in ("-published_at", "published_at") and only_published:
        return (ordering, "-id" if ordering.startswith("-") else "id")
    return ("id",) if ordering in ("published_at", "created_at") else ("-id",)


class ListingDetailApi(PublicReadMixin, KindView):
    listing_relations = True

    def get(self, request: Request, pk: int) -> Response:
        return self.detail_response(request, self.listing(request, pk), refetch=False)

    def patch(self, request: Request, pk: int) -> Response:
        listing = self.listing(request, pk)
        serializer = self.kind.input_serializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        updated = self.kind.update(actor=request_user(request), listing=listing, data=serializer.validated_data)
        return self.detail_response(request, updated)

    def delete(self, request: Request, pk: int) -> Response:
        services.listing_delete(actor=request_user(request), listing=self.listing(request, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class ListingSubmitApi(KindView):
    def post(self, request: Request, pk: int) -> Response:
        moved = services.listing_submit(actor=request_user(request), listing=self.listing(request, pk))
        return self.detail_response(request, moved)


class ListingReviewApi(KindView):
    def post(self, request: Request, pk: int) -> Response:
        serializer = ReviewInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        moved = services.listing_review(
            actor=request_user(request), listing=self.listing(request, pk), **serializer.validated_data
        )
        return self.detail_response(request, moved)


class ListingWithdrawApi(KindView):
    def post(self, request: Request, pk: int) -> Response:
        serializer = NoteInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        moved = services.listing_withdraw(
            actor=request_user(request), listing=self.listing(request, pk), reason=serializer.validated_data["note"]
        )
        return self.detail_response(request, moved)


class ListingReopenApi(KindView):
    def post(self, request: Request, pk: int) -> Response:
        moved = services.listing_reopen(actor=request_user(request), listing=self.listing(request, pk))
        return self.detail_response(request, moved)


class ListingMarkTransferredApi(KindView):
    def post(self, request: Request, pk: int) -> Response:
        serializer = NoteInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        moved = services.listing_mark_transferred(
            actor=request_user(request), listing=self.listing(request, pk), note=serializer.validated_data["note"]
        )
        return self.detail_response(request, moved)


class ListingEventsApi(KindView):
    def get(self, request: Request, pk: int) -> Response:
        self.pagination_class = type("EventPagination", (StandardCursorPagination,), {"ordering": "id"})
        qs = selectors.listing_events(actor=request_user(request), listing=self.listing(request, pk))
        return paginated_response(
            request=request, view=self, queryset=qs, serializer_class=ListingEventOutputSerializer
        )


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
                ip_address=_client_ip(request),
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
                    ip_address=_client_ip(request),
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
        return Response(NdaRequestOutputSerializer(nda).data, status=status.HTTP_201_CREATED)


class ListingAccessLogApi(KindView):
    pagination_class = StandardCursorPagination

    def get(self, request: Request, pk: int) -> Response:
        qs = selectors.confidential_access_log(actor=request_user(request), listing=self.listing(request, pk))
        return paginated_response(
            request=request, view=self, queryset=qs, serializer_class=ConfidentialAccessOutputSerializer
        )


def _for_kind(view: type[KindView], kind: Kind, **methods: dict[str, Any]) -> type[KindView]:
    """A concrete view of ``view`` for ``kind``, each method documented under its own operation id."""
    cls = type(f"{kind.name.title()}{view.__name__}", (view,), {"kind": kind})
    schemas = {
        method: extend_schema(tags=[kind.plural], operation_id=f"{kind.plural}_{spec.pop('op')}", **spec)
        for method, spec in methods.items()
    }
    return extend_schema_view(**schemas)(cls)


def views_for(kind: Kind) -> dict[str, type[KindView]]:
    detail = kind.detail_serializer
    extra = ACHIEVEMENT_PARAMETERS if kind is ACHIEVEMENT else DEMAND_PARAMETERS
    return {
        "list": _for_kind(
            ListingListCreateApi,
            kind,
            get={
                "op": "list",
                "parameters": LIST_PARAMETERS + extra,
                "responses": {200: kind.list_serializer(many=True)},
            },
            post={"op": "create", "request": kind.input_serializer, "responses": {201: detail}},
        ),
        "detail": _for_kind(
            ListingDetailApi,
            kind,
            get={"op": "retrieve", "responses": {200: detail}},
            patch={"op": "update", "request": kind.input_serializer, "responses": {200: detail}},
            delete={"op": "delete", "responses": {204: None}},
        ),
        "submit": _for_kind(ListingSubmitApi, kind, post={"op": "submit", "request": None, "responses": {200: detail}}),
        "review": _for_kind(
            ListingReviewApi, kind, post={"op": "review", "request": ReviewInputSerializer, "responses": {200: detail}}
        ),
        "withdraw": _for_kind(
            ListingWithdrawApi,
            kind,
            post={"op": "withdraw", "request": NoteInputSerializer, "responses": {200: detail}},
        ),
        "reopen": _for_kind(ListingReopenApi, kind, post={"op": "reopen", "request": None, "responses": {200: detail}}),
        "mark_transferred": _for_kind(
            ListingMarkTransferredApi,
            kind,
            post={"op": "mark_transferred", "request": NoteInputSerializer, "responses": {200: detail}},
        ),
        "events": _for_kind(
            ListingEventsApi, kind, get={"op": "events", "responses": {200: ListingEventOutputSerializer(many=True)}}
        ),
        "confidential": _for_kind(
            ListingConfidentialApi,
            kind,
            get={
                "op": "confidential",
                "description": str(_("Confidential detail, contact and attachments; every read is logged.")),
                "responses": {200: ConfidentialOutputSerializer},
            },
        ),
        "attachments": _for_kind(
            ListingAttachmentsApi,
            kind,
            get={"op": "attachments_list", "responses": {200: AttachmentOutputSerializer(many=True)}},
            post={
                "op": "attachments_create",
                "request": {"multipart/form-data": AttachmentInputSerializer},
                "responses": {201: AttachmentOutputSerializer},
            },
        ),
        "attachment": _for_kind(
            ListingAttachmentDetailApi,
            kind,
            get={"op": "attachments_download", "responses": {(200, "application/octet-stream"): OpenApiTypes.BINARY}},
            delete={"op": "attachments_delete", "responses": {204: None}},
        ),
        "nda_requests": _for_kind(
            ListingNdaRequestsApi,
            kind,
            get={"op": "nda_requests_list", "responses": {200: NdaRequestOutputSerializer(many=True)}},
            post={
                "op": "nda_requests_create",
                "request": NdaRequestInputSerializer,
                "responses": {201: NdaRequestOutputSerializer},
            },
        ),
        "access_log": _for_kind(
            ListingAccessLogApi,
            kind,
            get={"op": "access_log", "responses": {200: ConfidentialAccessOutputSerializer(many=True)}},
        ),
    }


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
            request=NdaDecisionInputSerializer,
            responses={200: NdaRequestOutputSerializer},
        )
    )(cls)
