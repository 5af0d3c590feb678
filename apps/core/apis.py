from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView


class ApiRootApi(APIView):
    """Where to start: links to the documentation and the main collections."""

    authentication_classes = ()
    permission_classes = (AllowAny,)

    @extend_schema(
        tags=["meta"],
        operation_id="api_root",
        responses={
            200: inline_serializer(
                "ApiRootOutputSerializer",
                {
                    "name": serializers.CharField(),
                    "version": serializers.CharField(),
                    "links": serializers.DictField(child=serializers.URLField()),
                },
            )
        },
    )
    def get(self, request: Request) -> Response:
        def link(name: str) -> str:
            return reverse(name, request=request)

        return Response(
            {
                "name": "科技大市场 API",
                "version": "v1",
                "links": {
                    "docs": link("swagger-ui"),
                    "redoc": link("redoc"),
                    "schema": link("schema"),
                    "token": link("auth-token"),
                    "organizations": link("organizations"),
                    "notifications": link("notifications"),
                    "achievements": link("achievements-list"),
                    "demands": link("demands-list"),
                    "challenges": link("challenges"),
                    "ip_assets": link("ip-assets"),
                    "technology_fields": link("reference-technology-fields"),
                },
            }
        )


# No docstring: drf-spectacular would take it as the description of every view using the mixin.
class NoStoreMixin:
    # For views whose responses carry credentials or personal data (tokens, API keys, /me): no browser
    # or proxy keeps a copy (RFC 9111 no-store; Pragma for HTTP/1.0 caches, as RFC 6749 asks of token
    # responses). Error responses too: they may echo the request.

    def finalize_response(self, request: Request, response: Response, *args: Any, **kwargs: Any) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        response["Cache-Control"] = "no-store"
        response["Pragma"] = "no-cache"
        return response
