"""What differs between achievements and demands in the API (:class:`Kind`), the base view every listing
view builds on, and the list parameters both kinds document."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.changes import UPDATED_SINCE_PARAMETER
from apps.listings import selectors, services
from apps.listings.apis.payloads import (
    AchievementDetailOutputSerializer,
    AchievementListOutputSerializer,
    DemandDetailOutputSerializer,
    DemandListOutputSerializer,
)
from apps.listings.models import Achievement, CooperationMode, Demand, Language, ListingStatus, Stage
from apps.listings.serializers import AchievementInputSerializer, DemandInputSerializer

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


def client_ip(request: Request) -> str | None:
    return request.META.get("REMOTE_ADDR")


# --- generic views -----------------------------------------------------------------------------

LIST_PARAMETERS = [
    OpenApiParameter(
        "q",
        str,
        description="Search text in any listing language (Chinese by jieba, Thai by PyThaiNLP; "
        "Vietnamese also matches without diacritics).",
    ),
    OpenApiParameter("language", str, enum=Language.values, description="The original language."),
    OpenApiParameter("available_language", str, enum=Language.values, description="Original or translated into."),
    OpenApiParameter("technology_field", str, description="Field codes, comma-separated (01–11)."),
    OpenApiParameter("industry", str, description="Industry codes, comma-separated."),
    OpenApiParameter("cooperation_mode", str, many=True, enum=CooperationMode.values),
    OpenApiParameter("region", str, description="Region code; a province or prefecture matches its parts."),
    OpenApiParameter("status", str, many=True, enum=ListingStatus.values, description="Default: published."),
    OpenApiParameter("owner", int),
    OpenApiParameter("mine", bool, description="Only my organisations' listings, any status."),
    OpenApiParameter("ordering", str, enum=list(selectors.ORDERINGS)),
    OpenApiParameter("external_id", str, description="Your organisations' listing with this external id, any status."),
    UPDATED_SINCE_PARAMETER,
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
