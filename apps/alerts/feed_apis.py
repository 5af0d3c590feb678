"""HTTP for the public listings feed: GET /api/v1/open-data/listings (JSON) and …/listings.atom (Atom)."""

from __future__ import annotations

from django.http import HttpResponse, HttpResponseBase, HttpResponseNotModified
from django.utils.cache import patch_cache_control
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.alerts.feed import FEED_DEFAULT_ITEMS, FEED_MAX_ITEMS, FeedItem, atom_response, public_feed
from apps.alerts.models import AlertKind
from apps.core.http_cache import NOT_MODIFIED, conditional_response, etag_of, not_modified
from apps.core.negotiation import FileResponseNegotiation

TAGS = ["open data"]
FEED_MAX_AGE = 300


class FeedQuerySerializer(serializers.Serializer):
    kind = serializers.MultipleChoiceField(
        choices=AlertKind.choices, required=False, help_text="achievement, demand, challenge (repeat for several)."
    )
    technology_field = serializers.CharField(max_length=8, required=False, help_text="A technology field code.")
    limit = serializers.IntegerField(min_value=1, max_value=FEED_MAX_ITEMS, default=FEED_DEFAULT_ITEMS)


class FeedItemOutputSerializer(serializers.Serializer):
    kind = serializers.CharField()
    id = serializers.IntegerField()
    title = serializers.CharField()
    summary = serializers.CharField(allow_blank=True, help_text="The public teaser, at most 500 characters.")
    technology_field = serializers.CharField()
    technology_field_name = serializers.CharField()
    region = serializers.CharField()
    published_at = serializers.DateTimeField(help_text="Published (a challenge: opened for bids).")
    url = serializers.CharField(source="path")


class FeedOutputSerializer(serializers.Serializer):
    items = FeedItemOutputSerializer(many=True)


class PublicFeedApi(APIView):
    authentication_classes: list[type] = []
    permission_classes = [AllowAny]

    def items(self, request: Request) -> list[FeedItem]:
        query = FeedQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        return public_feed(
            kinds=sorted(data.get("kind") or []), technology_field=data.get("technology_field"), limit=data["limit"]
        )


class PublicListingsFeedApi(PublicFeedApi):
    @extend_schema(
        tags=TAGS,
        operation_id="open_data_listings",
        summary="Newly published achievements, demands and challenges (public; for transparency pages).",
        description="Anonymous, rate-limited per address; cacheable (ETag, Last-Modified, 304). Atom: listings.atom.",
        parameters=[FeedQuerySerializer],
        responses={200: FeedOutputSerializer, 304: NOT_MODIFIED},
    )
    def get(self, request: Request) -> Response:
        items = self.items(request)
        data = FeedOutputSerializer({"items": items}).data
        newest = max((item.published_at for item in items), default=None)
        return conditional_response(request, data, last_modified=newest, max_age=FEED_MAX_AGE)


class PublicListingsAtomApi(PublicFeedApi):
    content_negotiation_class = FileResponseNegotiation

    @extend_schema(
        tags=TAGS,
        operation_id="open_data_listings_atom",
        summary="The public listings feed as Atom 1.0 (Chinese titles as written).",
        parameters=[FeedQuerySerializer],
        responses={(200, "application/atom+xml"): OpenApiTypes.STR, 304: NOT_MODIFIED},
    )
    def get(self, request: Request) -> HttpResponseBase:
        items = self.items(request)
        response: HttpResponse = atom_response(request._request, items)
        etag = etag_of(response.content.decode("utf-8"))
        newest = max((item.published_at for item in items), default=None)
        if not_modified(request, etag, newest):
            response = HttpResponseNotModified()
        response["ETag"] = etag
        patch_cache_control(response, public=True, max_age=FEED_MAX_AGE)
        return response
