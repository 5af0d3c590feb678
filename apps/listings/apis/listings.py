"""Generic views of a listing: list and create, read, edit and delete, the lifecycle actions, events."""

from __future__ import annotations

import functools
from typing import Any

from django.http import HttpResponseBase
from django.utils.decorators import method_decorator
from django.views.decorators.http import conditional_page
from rest_framework import status
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.authentication import request_user
from apps.core.pagination import StandardCursorPagination, WindowPagination, paginated_response
from apps.core.renderers import FastJSONRenderer
from apps.listings import page_cache, selectors, services, teasers
from apps.listings.apis.kinds import KindView, PublicReadMixin
from apps.listings.apis.payloads import (
    ListingEventOutputSerializer,
    MoveMarketInputSerializer,
    NoteInputSerializer,
    ReviewInputSerializer,
)
from apps.listings.models import ListingStatus


class ListingListCreateApi(PublicReadMixin, KindView):
    # Set per request below (relevance pages by number, the rest by cursor); both answer {next, previous,
    # results}. The class default is what the schema documents.
    pagination_class: type[Any] | None = StandardCursorPagination

    def get_renderers(self) -> list[Any]:
        # The market's busiest read: its pages (strings, integers, None) are written by orjson, byte for
        # byte what DRF's JSONRenderer writes (apps.core.renderers).
        return [FastJSONRenderer() if type(r) is JSONRenderer else r for r in super().get_renderers()]

    # Conditional GET: the page's ETag (a hash of its body); a client or proxy that sends it back in
    # If-None-Match gets 304 Not Modified without the body while the page is unchanged.
    @method_decorator(conditional_page)
    def get(self, request: Request) -> HttpResponseBase:
        # Anonymous readers are welcome here: the selector shows them published teasers. Their pages are
        # shared by every process for a few seconds, until the next write (apps.listings.page_cache).
        if page_cache.cacheable(request):
            key = page_cache.page_key(self.kind.name, request)
            built_under = page_cache.generation()
            hit = page_cache.cached_response(key, built_under)
            if hit is not None:
                return hit
            response = self._page(request)
            page_cache.store_after_render(response, key, built_under)
            return response
        return self._page(request)

    def _page(self, request: Request) -> Response:
        model = self.kind.model
        if not request.user.is_authenticated and set(request.query_params) <= _PAGE_ONLY:
            rows = selectors.public_teaser_rows(model)
        else:
            qs = self.kind.list_selector(actor=request.user, filters=request.query_params)
            rows = teasers.teaser_rows(qs, model)
        ordering = selectors.listing_ordering(request.query_params)
        if ordering == "relevance":
            self.pagination_class = WindowPagination
        else:
            self.pagination_class = _cursor_pagination(_cursor_ordering(ordering, request))
        return paginated_response(
            request=request,
            view=self,
            queryset=rows,
            render=lambda rows: teasers.render_teasers(rows, model),
        )

    def post(self, request: Request) -> Response:
        serializer = self.kind.input_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        listing = self.kind.create(actor=request_user(request), data=serializer.validated_data)
        return self.detail_response(request, listing, code=status.HTTP_201_CREATED)


# Parameters that choose a page of the public list without narrowing it: served from
# selectors.public_teaser_rows.
_PAGE_ONLY = frozenset({"page_size", "cursor", "ordering"})


@functools.cache
def _cursor_pagination(ordering: tuple[str, ...]) -> type[StandardCursorPagination]:
    return type("ListingCursorPagination", (StandardCursorPagination,), {"ordering": ordering})


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


class ListingByExternalIdApi(KindView):
    def put(self, request: Request, external_id: str) -> Response:
        serializer = self.kind.input_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        listing, created = services.listing_upsert_by_external_id(
            actor=request_user(request), model=self.kind.model, external_id=external_id, data=serializer.validated_data
        )
        if not created:
            return self.detail_response(request, listing)
        response = self.detail_response(request, listing, code=status.HTTP_201_CREATED)
        response["Location"] = request.build_absolute_uri(f"/api/v1/{self.kind.plural}/{listing.pk}")
        return response


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


class ListingMoveMarketApi(KindView):
    def post(self, request: Request, pk: int) -> Response:
        serializer = MoveMarketInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        moved = services.listing_move_market(
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
    # Ordered by id per request below; the class default documents {next, previous, results}.
    pagination_class: type[Any] | None = StandardCursorPagination

    def get(self, request: Request, pk: int) -> Response:
        self.pagination_class = type("EventPagination", (StandardCursorPagination,), {"ordering": "id"})
        qs = selectors.listing_events(actor=request_user(request), listing=self.listing(request, pk))
        return paginated_response(
            request=request, view=self, queryset=qs, serializer_class=ListingEventOutputSerializer
        )
