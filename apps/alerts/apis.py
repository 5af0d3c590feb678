"""HTTP for saved searches: a user's own, CRUD, the preview of the next digest and the digests sent."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.authentication import request_user
from apps.alerts import examples
from apps.alerts.models import AlertKind, Frequency, SavedSearch
from apps.alerts.selectors import access_saved_search, digest_candidates, digest_list, saved_search_list
from apps.alerts.services import saved_search_create, saved_search_delete, saved_search_update
from apps.core.pagination import StandardCursorPagination, paginated_response

TAGS = ["saved searches"]


def _codes(max_items: int, max_length: int, what: str) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.CharField(max_length=max_length),
        max_length=max_items,
        required=False,
        default=list,
        help_text=what,
    )


class SavedSearchInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    kinds = serializers.MultipleChoiceField(
        choices=AlertKind.choices, allow_empty=False, help_text="achievement, demand and/or challenge."
    )
    technology_fields = _codes(11, 8, "Technology field codes (reference/technology-fields); any of them.")
    industries = _codes(20, 48, "Industry codes (reference/industries); any of them.")
    regions = _codes(20, 6, "Region codes (reference/regions, 6 digits); a province or prefecture takes in its parts.")
    keywords = _codes(
        10, 40, "Keyword phrases, Chinese or English; a phrase matches as the listing search does, any phrase."
    )
    include_own_organization = serializers.BooleanField(
        default=False, help_text="Also what your own organisations post."
    )
    in_app = serializers.BooleanField(default=True, help_text="Digest as an in-app notification.")
    email = serializers.BooleanField(default=True, help_text="Digest by e-mail.")
    frequency = serializers.ChoiceField(choices=Frequency.choices, default=Frequency.DAILY)

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        values = super().to_internal_value(data)
        if "kinds" in values:
            values["kinds"] = sorted(values["kinds"])
        return values


class SavedSearchUpdateInputSerializer(SavedSearchInputSerializer):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["partial"] = True
        super().__init__(*args, **kwargs)


class SavedSearchOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kinds = serializers.ListField(child=serializers.CharField())
    technology_fields = serializers.ListField(child=serializers.CharField())
    industries = serializers.ListField(child=serializers.CharField())
    regions = serializers.ListField(child=serializers.CharField())
    keywords = serializers.ListField(child=serializers.CharField())
    include_own_organization = serializers.BooleanField()
    in_app = serializers.BooleanField()
    email = serializers.BooleanField()
    frequency = serializers.CharField()
    last_digest_at = serializers.DateTimeField(help_text="Items published after this are new for the next digest.")
    next_digest_at = serializers.DateTimeField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class DigestEntryOutputSerializer(serializers.Serializer):
    kind = serializers.CharField()
    id = serializers.IntegerField(source="object_id")
    title = serializers.CharField()
    technology_field = serializers.CharField()
    region = serializers.CharField()
    published_at = serializers.DateTimeField(help_text="Published (a challenge: opened for bids).")
    url = serializers.CharField(source="path")


class DigestPreviewOutputSerializer(serializers.Serializer):
    until = serializers.DateTimeField()
    total = serializers.IntegerField(help_text="Items the digest would count.")
    items = DigestEntryOutputSerializer(many=True, help_text="The items it would list (ALERTS_DIGEST_MAX_ITEMS).")


class DigestItemOutputSerializer(serializers.Serializer):
    kind = serializers.CharField()
    id = serializers.IntegerField(source="object_id")
    title = serializers.CharField()
    published_at = serializers.DateTimeField()


class DigestOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    since = serializers.DateTimeField()
    until = serializers.DateTimeField()
    item_count = serializers.IntegerField()
    more_count = serializers.IntegerField(help_text="New items counted but not listed.")
    notification_id = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()
    items = DigestItemOutputSerializer(many=True)


def _response(saved: SavedSearch, code: int = status.HTTP_200_OK) -> Response:
    response = Response(SavedSearchOutputSerializer(saved).data, status=code)
    if code == status.HTTP_201_CREATED:
        response["Location"] = f"/api/v1/saved-searches/{saved.pk}"
    return response


class SavedSearchListCreateApi(APIView):
    pagination_class = StandardCursorPagination

    @extend_schema(
        tags=TAGS,
        operation_id="saved_searches_list",
        responses={200: SavedSearchOutputSerializer(many=True)},
        summary="Your saved searches, newest first.",
    )
    def get(self, request: Request) -> Response:
        qs = saved_search_list(actor=request_user(request))
        return paginated_response(request=request, view=self, queryset=qs, serializer_class=SavedSearchOutputSerializer)

    @extend_schema(
        tags=TAGS,
        operation_id="saved_searches_create",
        examples=examples.SAVED_SEARCHES_CREATE,
        request=SavedSearchInputSerializer,
        responses={201: SavedSearchOutputSerializer},
        summary="Follow technology fields, industries, regions or keywords and get digests of what is new.",
        description=(
            "Any logged-in user. At least one criterion (saved_search_no_criteria) and one channel "
            "(saved_search_no_channel); codes must exist (saved_search_unknown_code); a keyword must hold a "
            "word (saved_search_empty_keyword); at most ALERTS_MAX_SAVED_SEARCHES each (saved_search_limit)."
        ),
    )
    def post(self, request: Request) -> Response:
        serializer = SavedSearchInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        saved = saved_search_create(actor=request_user(request), data=serializer.validated_data)
        return _response(saved, status.HTTP_201_CREATED)


class SavedSearchDetailApi(APIView):
    @extend_schema(tags=TAGS, operation_id="saved_searches_retrieve", responses={200: SavedSearchOutputSerializer})
    def get(self, request: Request, saved_search_id: int) -> Response:
        return _response(access_saved_search(actor=request_user(request), pk=saved_search_id))

    @extend_schema(
        tags=TAGS,
        operation_id="saved_searches_update",
        examples=examples.SAVED_SEARCHES_UPDATE,
        request=SavedSearchUpdateInputSerializer,
        responses={200: SavedSearchOutputSerializer},
        summary="Change a saved search (the fields given; the same checks as creating one).",
    )
    def patch(self, request: Request, saved_search_id: int) -> Response:
        actor = request_user(request)
        saved = access_saved_search(actor=actor, pk=saved_search_id)
        serializer = SavedSearchUpdateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return _response(saved_search_update(actor=actor, saved_search=saved, data=serializer.validated_data))

    @extend_schema(tags=TAGS, operation_id="saved_searches_destroy", responses={204: None})
    def delete(self, request: Request, saved_search_id: int) -> Response:
        actor = request_user(request)
        saved_search_delete(actor=actor, saved_search=access_saved_search(actor=actor, pk=saved_search_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class SavedSearchPreviewApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="saved_searches_preview",
        responses={200: DigestPreviewOutputSerializer},
        summary="What the next digest would hold if it were sent now (nothing is sent or marked).",
    )
    def get(self, request: Request, saved_search_id: int) -> Response:
        saved = access_saved_search(actor=request_user(request), pk=saved_search_id)
        until = timezone.now()
        items, total = digest_candidates(saved_search=saved, until=until, limit=settings.ALERTS_DIGEST_MAX_ITEMS)
        return Response(DigestPreviewOutputSerializer({"until": until, "total": total, "items": items}).data)


class SavedSearchDigestListApi(APIView):
    pagination_class = StandardCursorPagination

    @extend_schema(
        tags=TAGS,
        operation_id="saved_searches_digests",
        responses={200: DigestOutputSerializer(many=True)},
        summary="The digests sent for a saved search, newest first, with their items.",
    )
    def get(self, request: Request, saved_search_id: int) -> Response:
        saved = access_saved_search(actor=request_user(request), pk=saved_search_id)
        return paginated_response(
            request=request,
            view=self,
            queryset=digest_list(saved_search=saved),
            serializer_class=DigestOutputSerializer,
        )
