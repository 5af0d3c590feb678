"""HTTP for what of a person's account belongs to the organisations: ``/me`` (the profile with the
person's memberships and whether they act for the market operator) and the organisations' API keys.
Served at the paths and operation ids they always had."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.apis import UserOutputSerializer
from apps.accounts.authentication import request_user
from apps.accounts.models import ApiKey, User
from apps.accounts.permissions import PeopleOnly
from apps.accounts.scopes import ALL_SCOPES
from apps.accounts.services import api_key_revoke, user_update_profile
from apps.core.apis import NoStoreMixin
from apps.core.deprecation import deprecated
from apps.core.fields import AwareDateTimeField
from apps.core.pagination import StandardCursorPagination, paginated_response
from apps.organizations import examples
from apps.organizations.access import is_operator
from apps.organizations.api_keys import (
    access_api_key,
    access_api_key_as_operator,
    api_key_create,
    api_key_list,
    api_key_set_rate,
)
from apps.organizations.selectors import access_organization_as_admin, user_memberships


# --- serializers ------------------------------------------------------------------------------
class UserMembershipOutputSerializer(serializers.Serializer):
    organization_id = serializers.IntegerField()
    organization_name = serializers.CharField(source="organization.name")
    organization_type = serializers.CharField(source="organization.type")
    role = serializers.CharField()


class MeOutputSerializer(UserOutputSerializer):
    memberships = UserMembershipOutputSerializer(many=True)
    is_operator = serializers.BooleanField()


class MeUpdateInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
    preferred_language = serializers.ChoiceField(choices=["zh-hans", "en", "vi"], required=False)


@extend_schema_serializer(deprecate_fields=["scope"])
class ApiKeyCreateInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=50)
    scopes = serializers.ListField(
        child=serializers.ChoiceField(choices=ALL_SCOPES),
        min_length=1,
        max_length=len(ALL_SCOPES),
        required=False,
        help_text=_(
            "What the key may do: `<family>:read`, `<family>:write` or `<family>:*`, `*` for every family. "
            "Default: the deprecated `scope`'s equivalent (`read`: `*:read`)."
        ),
    )
    scope = serializers.ChoiceField(
        choices=ApiKey.Scope.choices,
        required=False,
        help_text=_("Deprecated: use `scopes`. `read` stands for `*:read`, `read_write` for `*:*`."),
    )
    expiry_date = AwareDateTimeField(required=False, allow_null=True, default=None)


class ApiKeyOutputSerializer(serializers.Serializer):
    id = serializers.CharField(source="prefix", help_text=_("The key's public prefix; identifies it in URLs."))
    name = serializers.CharField()
    scope = serializers.CharField(help_text=_("Deprecated: `read_write` when any of the key's scopes writes."))
    scopes = serializers.ListField(child=serializers.CharField())
    rate_limit_per_minute = serializers.IntegerField(
        allow_null=True, help_text=_("The key's own rate, set by the operator; null: the default rate for keys.")
    )
    organization_id = serializers.IntegerField()
    created = serializers.DateTimeField()
    expiry_date = serializers.DateTimeField(allow_null=True)
    last_used_at = serializers.DateTimeField(allow_null=True)
    revoked = serializers.BooleanField()
    revoked_at = serializers.DateTimeField(allow_null=True)


class ApiKeyCreatedOutputSerializer(ApiKeyOutputSerializer):
    key = serializers.CharField(help_text=_("The key itself. It is shown only in this response: store it now."))


class ApiKeyRateInputSerializer(serializers.Serializer):
    rate_limit_per_minute = serializers.IntegerField(
        min_value=1,
        max_value=1_000_000,
        allow_null=True,
        help_text=_("Requests per minute for this key; null: the default rate for API keys."),
    )


def _me_payload(user: User) -> dict[str, Any]:
    data = UserOutputSerializer(user).data
    data["memberships"] = UserMembershipOutputSerializer(user_memberships(actor=user), many=True).data
    data["is_operator"] = is_operator(user)
    return data


# --- the current user -------------------------------------------------------------------------
class MeApi(NoStoreMixin, APIView):
    @extend_schema(tags=["me"], operation_id="me_retrieve", responses={200: MeOutputSerializer})
    def get(self, request: Request) -> Response:
        return Response(_me_payload(request_user(request)))

    @extend_schema(
        tags=["me"],
        operation_id="me_update",
        request=MeUpdateInputSerializer,
        responses={200: MeOutputSerializer},
        examples=examples.ME_UPDATE,
    )
    def patch(self, request: Request) -> Response:
        serializer = MeUpdateInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        user = user_update_profile(user=request_user(request), **serializer.validated_data)
        return Response(_me_payload(user))


# --- API keys ---------------------------------------------------------------------------------
class ApiKeyCursorPagination(StandardCursorPagination):
    ordering = "-created"  # the key's primary key is "prefix.hash": no order in it


class OrganizationApiKeyListCreateApi(NoStoreMixin, APIView):
    permission_classes = [IsAuthenticated, PeopleOnly]
    pagination_class = ApiKeyCursorPagination

    @extend_schema(
        tags=["api-keys"], operation_id="organization_api_keys_list", responses={200: ApiKeyOutputSerializer(many=True)}
    )
    def get(self, request: Request, organization_id: int) -> Response:
        organization = access_organization_as_admin(actor=request_user(request), pk=organization_id)
        keys = api_key_list(actor=request_user(request), organization=organization)
        return paginated_response(request=request, view=self, queryset=keys, serializer_class=ApiKeyOutputSerializer)

    @extend_schema(
        tags=["api-keys"],
        operation_id="organization_api_keys_create",
        examples=examples.API_KEY_CREATE,
        request=ApiKeyCreateInputSerializer,
        responses={201: ApiKeyCreatedOutputSerializer},
    )
    @deprecated("api_key_scope", parameters=("scope",))
    def post(self, request: Request, organization_id: int) -> Response:
        organization = access_organization_as_admin(actor=request_user(request), pk=organization_id)
        serializer = ApiKeyCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        api_key, raw_key = api_key_create(
            actor=request_user(request), organization=organization, **serializer.validated_data
        )
        data = ApiKeyOutputSerializer(api_key).data
        data["key"] = raw_key
        return Response(data, status=status.HTTP_201_CREATED)


class ApiKeyRevokeApi(APIView):
    permission_classes = [IsAuthenticated, PeopleOnly]

    @extend_schema(
        tags=["api-keys"],
        operation_id="api_keys_revoke",
        request=None,
        responses={200: ApiKeyOutputSerializer},
        examples=examples.API_KEY_REVOKE,
    )
    def post(self, request: Request, key_id: str) -> Response:
        api_key = access_api_key(actor=request_user(request), prefix=key_id)
        api_key = api_key_revoke(actor=request_user(request), api_key=api_key)
        return Response(ApiKeyOutputSerializer(api_key).data)


class ApiKeyRateApi(APIView):
    """The operator's per-key quota."""

    permission_classes = [IsAuthenticated, PeopleOnly]

    @extend_schema(
        tags=["api-keys"],
        operation_id="api_keys_set_rate",
        examples=examples.API_KEY_RATE,
        request=ApiKeyRateInputSerializer,
        responses={200: ApiKeyOutputSerializer},
        summary="Set an API key's own rate limit (market operator only).",
    )
    def put(self, request: Request, key_id: str) -> Response:
        api_key = access_api_key_as_operator(actor=request_user(request), prefix=key_id)
        serializer = ApiKeyRateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        api_key = api_key_set_rate(actor=request_user(request), api_key=api_key, **serializer.validated_data)
        return Response(ApiKeyOutputSerializer(api_key).data)
