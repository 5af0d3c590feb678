"""HTTP for the changes feed (apps.core.changes), scoped to what the caller's organisations may see.

It lives here because the feed's scope is the access vocabulary's: the caller's organisations, the
caller as a broker, and the operator who sees everything.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.authentication import request_user
from apps.core import changes
from apps.core.models import ChangeKind
from apps.core.schema import problem_response
from apps.organizations.access import is_operator, organization_ids

TAGS = ["changes"]


def _types_field(value: str) -> list[str]:
    names = [part.strip() for part in value.split(",") if part.strip()]
    return changes.check_types(names)


class ChangesQuerySerializer(serializers.Serializer):
    since = serializers.CharField(
        required=False, max_length=100, help_text=_("The cursor of the last entry you applied (next_cursor).")
    )
    types = serializers.CharField(
        required=False,
        max_length=500,
        help_text=_("Comma-separated record types, e.g. achievement,deal; all when absent."),
    )
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=settings.API_PAGE_SIZE_MAX)


class ChangeEntrySerializer(serializers.Serializer):
    cursor = serializers.CharField(help_text=_("This entry's position; pass it as since to read what follows."))
    type = serializers.CharField()
    id = serializers.IntegerField()
    change = serializers.ChoiceField(choices=ChangeKind.choices)
    occurred_at = serializers.DateTimeField()
    url = serializers.URLField(allow_null=True, help_text=_("The record's URL; null for a deletion."))


class ChangesPageSerializer(serializers.Serializer):
    results = ChangeEntrySerializer(many=True)
    next_cursor = serializers.CharField(help_text=_("Pass as since on the next call (also when results is empty)."))
    has_more = serializers.BooleanField()


class ChangesHeadSerializer(serializers.Serializer):
    cursor = serializers.CharField()


def _scope(request: Request) -> changes.Scope:
    actor = request_user(request)
    return changes.Scope(
        actor=actor,
        operator=is_operator(actor),
        organization_ids=frozenset(organization_ids(actor)),
        user_id=actor.pk,
    )


def _absolute(request: Request, path: str | None) -> str | None:
    return None if path is None else request.build_absolute_uri(f"/api/v1/{path}")


class ChangesApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="changes_list",
        summary="Changes since a cursor",
        description=(
            "Created, updated and deleted records after `since`, oldest first, only those the caller may see; "
            "a record that left the caller's sight (a withdrawn listing) is listed as deleted. "
            "Positions follow commit order: no entry is ever added behind a cursor already given."
        ),
        parameters=[ChangesQuerySerializer],
        responses={
            200: ChangesPageSerializer,
            **problem_response(410, "The cursor is older than the change log keeps (changes_cursor_expired): resync."),
        },
    )
    def get(self, request: Request) -> Response:
        query = ChangesQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data: dict[str, Any] = query.validated_data
        after = changes.decode_cursor(data["since"]) if data.get("since") else 0
        types = _types_field(data.get("types", ""))
        page = changes.read_changes(
            scope=_scope(request),
            after=after,
            types=types,
            limit=data.get("page_size") or int(settings.REST_FRAMEWORK["PAGE_SIZE"]),  # type: ignore[call-overload]
        )
        return Response(
            {
                "results": [
                    {
                        "cursor": changes.encode_cursor(entry.seq),
                        "type": entry.type,
                        "id": entry.id,
                        "change": entry.change,
                        "occurred_at": serializers.DateTimeField().to_representation(entry.occurred_at),
                        "url": _absolute(request, entry.path),
                    }
                    for entry in page.entries
                ],
                "next_cursor": changes.encode_cursor(page.next_seq),
                "has_more": page.has_more,
            }
        )


class ChangesHeadApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="changes_head",
        summary="The newest cursor",
        description=(
            "Where a mirror starts (or restarts after 410): take this cursor, read every resource, "
            "then read the changes since it."
        ),
        responses={200: ChangesHeadSerializer},
    )
    def get(self, request: Request) -> Response:
        return Response({"cursor": changes.encode_cursor(changes.head_seq())})
