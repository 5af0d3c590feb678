"""HTTP for people's accounts, sessions (JWT) and API keys. Views only translate HTTP."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView
from rest_framework_simplejwt import views as jwt_views

from apps.accounts.authentication import request_user
from apps.accounts.models import ApiKey, User
from apps.accounts.permissions import PeopleOnly
from apps.accounts.selectors import access_api_key, api_key_list
from apps.accounts.services import (
    api_key_create,
    api_key_revoke,
    user_change_password,
    user_confirm_password_reset,
    user_register,
    user_request_password_reset,
    user_revoke_sessions,
    user_update_profile,
)
from apps.accounts.throttles import LoginAccountThrottle, LoginAddressThrottle
from apps.core.pagination import StandardCursorPagination, paginated_response
from apps.organizations.selectors import access_organization_as_admin, is_operator, user_memberships

AUTH_TAG = ["auth"]


# --- serializers ------------------------------------------------------------------------------
class UserRegisterInputSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=128, write_only=True, style={"input_type": "password"})
    name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    preferred_language = serializers.ChoiceField(choices=["zh-hans", "en"], required=False, default="zh-hans")


class UserMembershipOutputSerializer(serializers.Serializer):
    organization_id = serializers.IntegerField()
    organization_name = serializers.CharField(source="organization.name")
    organization_type = serializers.CharField(source="organization.type")
    role = serializers.CharField()


class UserOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    name = serializers.CharField()
    phone = serializers.CharField()
    preferred_language = serializers.CharField()
    date_joined = serializers.DateTimeField()


class MeOutputSerializer(UserOutputSerializer):
    memberships = UserMembershipOutputSerializer(many=True)
    is_operator = serializers.BooleanField()


class MeUpdateInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
    preferred_language = serializers.ChoiceField(choices=["zh-hans", "en"], required=False)


class PasswordChangeInputSerializer(serializers.Serializer):
    old_password = serializers.CharField(max_length=128, write_only=True)
    new_password = serializers.CharField(max_length=128, write_only=True)


class PasswordResetRequestInputSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)


class PasswordResetConfirmInputSerializer(serializers.Serializer):
    uid = serializers.CharField(max_length=64)
    token = serializers.CharField(max_length=128)
    new_password = serializers.CharField(max_length=128, write_only=True)


class SessionsRevokedOutputSerializer(serializers.Serializer):
    revoked_refresh_tokens = serializers.IntegerField()


class ApiKeyCreateInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=50)
    scope = serializers.ChoiceField(choices=ApiKey.Scope.choices, default=ApiKey.Scope.READ)
    expiry_date = serializers.DateTimeField(required=False, allow_null=True, default=None)


class ApiKeyOutputSerializer(serializers.Serializer):
    id = serializers.CharField(source="prefix", help_text=_("The key's public prefix; identifies it in URLs."))
    name = serializers.CharField()
    scope = serializers.CharField()
    organization_id = serializers.IntegerField()
    created = serializers.DateTimeField()
    expiry_date = serializers.DateTimeField(allow_null=True)
    last_used_at = serializers.DateTimeField(allow_null=True)
    revoked = serializers.BooleanField()
    revoked_at = serializers.DateTimeField(allow_null=True)


class ApiKeyCreatedOutputSerializer(ApiKeyOutputSerializer):
    key = serializers.CharField(help_text=_("The key itself. It is shown only in this response: store it now."))


def _me_payload(user: User) -> dict[str, Any]:
    data = UserOutputSerializer(user).data
    data["memberships"] = UserMembershipOutputSerializer(user_memberships(actor=user), many=True).data
    data["is_operator"] = is_operator(user)
    return data


# --- sessions ---------------------------------------------------------------------------------
class RegisterThrottle(AnonRateThrottle):
    scope = "login_address"


class UserRegisterApi(APIView):
    authentication_classes = ()
    permission_classes = [AllowAny]
    throttle_classes = [RegisterThrottle]

    @extend_schema(
        tags=AUTH_TAG,
        operation_id="auth_register",
        request=UserRegisterInputSerializer,
        responses={201: UserOutputSerializer, 409: OpenApiResponse(description="E-mail already registered.")},
    )
    def post(self, request: Request) -> Response:
        serializer = UserRegisterInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = user_register(**serializer.validated_data)
        return Response(UserOutputSerializer(user).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    post=extend_schema(
        tags=AUTH_TAG,
        operation_id="auth_token_obtain",
        summary="Log in: exchange e-mail and password for access and refresh tokens.",
    )
)
class TokenObtainApi(jwt_views.TokenObtainPairView):
    authentication_classes = ()
    throttle_classes = [LoginAddressThrottle, LoginAccountThrottle]


@extend_schema_view(
    post=extend_schema(
        tags=AUTH_TAG, operation_id="auth_token_refresh", summary="Rotate a refresh token: the old one is revoked."
    )
)
class TokenRefreshApi(jwt_views.TokenRefreshView):
    authentication_classes = ()
    throttle_classes = [LoginAddressThrottle]


@extend_schema_view(
    post=extend_schema(tags=AUTH_TAG, operation_id="auth_token_revoke", summary="Log out: revoke a refresh token.")
)
class TokenRevokeApi(jwt_views.TokenBlacklistView):
    authentication_classes = ()
    throttle_classes = [LoginAddressThrottle]


class SessionsRevokeApi(APIView):
    permission_classes = [IsAuthenticated, PeopleOnly]

    @extend_schema(
        tags=AUTH_TAG,
        operation_id="auth_sessions_revoke_all",
        request=None,
        responses={200: SessionsRevokedOutputSerializer},
        summary="Log out everywhere: every refresh and access token issued so far stops working.",
    )
    def post(self, request: Request) -> Response:
        count = user_revoke_sessions(user=request_user(request))
        return Response({"revoked_refresh_tokens": count})


class PasswordResetRequestApi(APIView):
    authentication_classes = ()
    permission_classes = [AllowAny]
    throttle_classes = [LoginAddressThrottle, LoginAccountThrottle]

    @extend_schema(
        tags=AUTH_TAG,
        operation_id="auth_password_reset_request",
        request=PasswordResetRequestInputSerializer,
        responses={202: None},
        summary="E-mail a password reset link. Answers 202 whether or not the address is registered.",
    )
    def post(self, request: Request) -> Response:
        serializer = PasswordResetRequestInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user_request_password_reset(**serializer.validated_data)
        return Response(status=status.HTTP_202_ACCEPTED)


class PasswordResetConfirmApi(APIView):
    authentication_classes = ()
    permission_classes = [AllowAny]
    throttle_classes = [LoginAddressThrottle]

    @extend_schema(
        tags=AUTH_TAG,
        operation_id="auth_password_reset_confirm",
        request=PasswordResetConfirmInputSerializer,
        responses={204: None},
        summary="Set a new password with the uid and token from the e-mailed link; all sessions end.",
    )
    def post(self, request: Request) -> Response:
        serializer = PasswordResetConfirmInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user_confirm_password_reset(**serializer.validated_data)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- the current user -------------------------------------------------------------------------
class MeApi(APIView):
    @extend_schema(tags=["me"], operation_id="me_retrieve", responses={200: MeOutputSerializer})
    def get(self, request: Request) -> Response:
        return Response(_me_payload(request_user(request)))

    @extend_schema(
        tags=["me"], operation_id="me_update", request=MeUpdateInputSerializer, responses={200: MeOutputSerializer}
    )
    def patch(self, request: Request) -> Response:
        serializer = MeUpdateInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        user = user_update_profile(user=request_user(request), **serializer.validated_data)
        return Response(_me_payload(user))


class PasswordChangeApi(APIView):
    permission_classes = [IsAuthenticated, PeopleOnly]

    @extend_schema(
        tags=["me"], operation_id="me_password_change", request=PasswordChangeInputSerializer, responses={204: None}
    )
    def post(self, request: Request) -> Response:
        serializer = PasswordChangeInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user_change_password(user=request_user(request), **serializer.validated_data)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- API keys ---------------------------------------------------------------------------------
class ApiKeyCursorPagination(StandardCursorPagination):
    ordering = "-created"  # the key's primary key is "prefix.hash": no order in it


class OrganizationApiKeyListCreateApi(APIView):
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
        request=ApiKeyCreateInputSerializer,
        responses={201: ApiKeyCreatedOutputSerializer},
    )
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
        tags=["api-keys"], operation_id="api_keys_revoke", request=None, responses={200: ApiKeyOutputSerializer}
    )
    def post(self, request: Request, key_id: str) -> Response:
        api_key = access_api_key(actor=request_user(request), prefix=key_id)
        api_key = api_key_revoke(actor=request_user(request), api_key=api_key)
        return Response(ApiKeyOutputSerializer(api_key).data)
