"""Each generic view stamped into an achievement and a demand view, with its own OpenAPI operation id."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view

from apps.listings import examples
from apps.listings.apis.disclosure import (
    ListingAccessLogApi,
    ListingAttachmentDetailApi,
    ListingAttachmentsApi,
    ListingConfidentialApi,
    ListingNdaRequestsApi,
)
from apps.listings.apis.kinds import (
    ACHIEVEMENT,
    ACHIEVEMENT_PARAMETERS,
    DEMAND_PARAMETERS,
    LIST_PARAMETERS,
    Kind,
    KindView,
)
from apps.listings.apis.listings import (
    ListingByExternalIdApi,
    ListingDetailApi,
    ListingEventsApi,
    ListingListCreateApi,
    ListingMarkTransferredApi,
    ListingMoveMarketApi,
    ListingReopenApi,
    ListingReviewApi,
    ListingSubmitApi,
    ListingWithdrawApi,
)
from apps.listings.apis.payloads import (
    AttachmentInputSerializer,
    AttachmentOutputSerializer,
    ConfidentialAccessOutputSerializer,
    ConfidentialOutputSerializer,
    ListingEventOutputSerializer,
    MoveMarketInputSerializer,
    NdaRequestInputSerializer,
    NdaRequestOutputSerializer,
    NoteInputSerializer,
    ReviewInputSerializer,
)


def _for_kind(view: type[KindView], kind: Kind, **methods: dict[str, Any]) -> type[KindView]:
    """A concrete view of ``view`` for ``kind``, each method documented under its own operation id."""
    cls = type(f"{kind.name.title()}{view.__name__}", (view,), {"kind": kind})
    schemas = {}
    for method, spec in methods.items():
        operation = spec.pop("op")
        schemas[method] = extend_schema(
            tags=[kind.plural],
            operation_id=f"{kind.plural}_{operation}",
            examples=examples.BY_OPERATION.get(f"{kind.plural}_{operation}", []),
            **spec,
        )
    return extend_schema_view(**schemas)(cls)


LIST_DESCRIPTION = _(
    "Published listings for everyone; signed-in members also see their own organisations' listings with "
    "mine or status. Pages are cursor-paginated (numbered pages for relevance ordering), with an ETag for "
    "conditional requests. Anonymous pages are shared by all anonymous readers until the next change to any "
    "listing or organisation, for at most 30 seconds: the X-Listings-Cache header says HIT or MISS. Signed-in "
    "callers always get pages built for them."
)


def views_for(kind: Kind) -> dict[str, type[KindView]]:
    detail = kind.detail_serializer
    extra = ACHIEVEMENT_PARAMETERS if kind is ACHIEVEMENT else DEMAND_PARAMETERS
    return {
        "list": _for_kind(
            ListingListCreateApi,
            kind,
            get={
                "op": "list",
                "description": str(LIST_DESCRIPTION),
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
        "by_external_id": _for_kind(
            ListingByExternalIdApi,
            kind,
            put={
                "op": "upsert_by_external_id",
                "description": str(
                    _(
                        "Create your organisation's listing with this external id (201, with Location) or update "
                        "it (200): the rules of create and update apply."
                    )
                ),
                "request": kind.input_serializer,
                "responses": {200: detail, 201: detail},
            },
        ),
        "submit": _for_kind(ListingSubmitApi, kind, post={"op": "submit", "request": None, "responses": {200: detail}}),
        "review": _for_kind(
            ListingReviewApi, kind, post={"op": "review", "request": ReviewInputSerializer, "responses": {200: detail}}
        ),
        "move_market": _for_kind(
            ListingMoveMarketApi,
            kind,
            post={
                "op": "move_market",
                "description": str(
                    _(
                        "Move the listing to another market of the network (its review queue): the global "
                        "operator, or an operator of both markets."
                    )
                ),
                "request": MoveMarketInputSerializer,
                "responses": {200: detail},
            },
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
