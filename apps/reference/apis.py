"""HTTP for the reference code lists: public, read-only, unpaginated and cacheable.

Every list is small and bounded (tens of rows; regions only grow by a data migration or a
superuser's edit), so each is returned whole: clients load it once to fill a drop-down or to
label codes, and do not page through it. Responses carry ``Cache-Control: public, max-age`` and a
strong ``ETag``; a matching ``If-None-Match`` is answered ``304 Not Modified`` without a body.

Authentication is switched off here: the lists are the same for everyone, and a stale or wrong
token must not stop a client from reading them.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.utils.cache import patch_cache_control
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.reference.filters import SEARCH_MAX_LENGTH
from apps.reference.models import Industry, Region
from apps.reference.selectors import (
    country_list,
    entity_type_list,
    industry_list,
    region_list,
    technology_field_list,
)

TAGS = ["reference"]

# National code lists change only with a release; the industry list is edited by the operator and
# should show a change within minutes.
CODE_LIST_MAX_AGE = 3600
INDUSTRY_MAX_AGE = 300

NOT_MODIFIED = OpenApiResponse(
    description="Not modified: the list still matches the ETag the client sent in If-None-Match; no body."
)


class TechnologyFieldOutputSerializer(serializers.Serializer):
    code = serializers.CharField()
    name_zh = serializers.CharField()
    name_en = serializers.CharField()


class IndustryOutputSerializer(serializers.Serializer):
    code = serializers.CharField()
    name_zh = serializers.CharField()
    name_en = serializers.CharField()
    kind = serializers.ChoiceField(choices=Industry.Kind.choices)


class RegionOutputSerializer(serializers.Serializer):
    code = serializers.CharField()
    name_zh = serializers.CharField()
    name_en = serializers.CharField()
    level = serializers.ChoiceField(choices=Region.Level.choices)
    parent_code = serializers.CharField(source="parent_id", allow_null=True)


class CountryOutputSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="ISO 3166-1 numeric code, three digits.")
    alpha2 = serializers.CharField(help_text="ISO 3166-1 alpha-2 code.")
    name_zh = serializers.CharField()
    name_en = serializers.CharField()
    is_asean = serializers.BooleanField()


class EntityTypeOutputSerializer(serializers.Serializer):
    code = serializers.CharField()
    name_zh = serializers.CharField()
    name_en = serializers.CharField()
    parent_code = serializers.CharField(source="parent_id", allow_null=True)


def _etag(data: Any) -> str:
    canonical = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return '"' + hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:32] + '"'


def _etag_matches(request: Request, etag: str) -> bool:
    header = request.headers.get("If-None-Match", "")
    if header.strip() == "*":
        return True
    # Weak comparison (RFC 9110 13.1.2): a W/ prefix added by a proxy still matches.
    return etag in {tag.strip().removeprefix("W/") for tag in header.split(",")}


def cacheable_response(request: Request, data: Any, *, max_age: int) -> Response:
    etag = _etag(data)
    response = Response(status=status.HTTP_304_NOT_MODIFIED) if _etag_matches(request, etag) else Response(data)
    response["ETag"] = etag
    patch_cache_control(response, public=True, max_age=max_age)
    return response


class ReferenceListApi(APIView):
    authentication_classes: list[type] = []
    permission_classes = [AllowAny]


class TechnologyFieldListApi(ReferenceListApi):
    @extend_schema(
        tags=TAGS,
        operation_id="reference_technology_fields_list",
        summary="The 11 technology fields of the technology-market statistics.",
        responses={200: TechnologyFieldOutputSerializer(many=True), 304: NOT_MODIFIED},
    )
    def get(self, request: Request) -> Response:
        data = TechnologyFieldOutputSerializer(technology_field_list(), many=True).data
        return cacheable_response(request, data, max_age=CODE_LIST_MAX_AGE)


class IndustryListApi(ReferenceListApi):
    @extend_schema(
        tags=TAGS,
        operation_id="reference_industries_list",
        summary="The city's active industries (pillar, emerging, featured), as configured by the operator.",
        parameters=[OpenApiParameter("kind", str, enum=Industry.Kind.values)],
        responses={200: IndustryOutputSerializer(many=True), 304: NOT_MODIFIED},
    )
    def get(self, request: Request) -> Response:
        data = IndustryOutputSerializer(industry_list(filters=request.query_params), many=True).data
        return cacheable_response(request, data, max_age=INDUSTRY_MAX_AGE)


class RegionListApi(ReferenceListApi):
    @extend_schema(
        tags=TAGS,
        operation_id="reference_regions_list",
        summary="Administrative divisions (GB/T 2260): provinces, Guangxi's cities, Liuzhou's districts and counties.",
        parameters=[
            OpenApiParameter("parent", str, pattern=r"^\d{6}$", description="Only the direct children of this code."),
            OpenApiParameter(
                "level", int, enum=Region.Level.values, description="1 province, 2 prefecture, 3 county or district."
            ),
            OpenApiParameter(
                "q",
                str,
                description=f"Name (Chinese or English) contains, or code starts with; max {SEARCH_MAX_LENGTH} chars.",
            ),
        ],
        responses={200: RegionOutputSerializer(many=True), 304: NOT_MODIFIED},
    )
    def get(self, request: Request) -> Response:
        data = RegionOutputSerializer(region_list(filters=request.query_params), many=True).data
        return cacheable_response(request, data, max_age=CODE_LIST_MAX_AGE)


class CountryListApi(ReferenceListApi):
    @extend_schema(
        tags=TAGS,
        operation_id="reference_countries_list",
        summary="Countries by ISO 3166-1 numeric code: ASEAN members, China and the main partner countries.",
        parameters=[
            OpenApiParameter("is_asean", str, enum=["true", "false"]),
            OpenApiParameter(
                "q",
                str,
                description=f"Name contains, or alpha-2 or numeric code is; up to {SEARCH_MAX_LENGTH} chars.",
            ),
        ],
        responses={200: CountryOutputSerializer(many=True), 304: NOT_MODIFIED},
    )
    def get(self, request: Request) -> Response:
        data = CountryOutputSerializer(country_list(filters=request.query_params), many=True).data
        return cacheable_response(request, data, max_age=CODE_LIST_MAX_AGE)


class EntityTypeListApi(ReferenceListApi):
    @extend_schema(
        tags=TAGS,
        operation_id="reference_entity_types_list",
        summary="Entity type codes of the statistics; a code's parent_code names its group (170 is in 100).",
        responses={200: EntityTypeOutputSerializer(many=True), 304: NOT_MODIFIED},
    )
    def get(self, request: Request) -> Response:
        data = EntityTypeOutputSerializer(entity_type_list(), many=True).data
        return cacheable_response(request, data, max_age=CODE_LIST_MAX_AGE)
