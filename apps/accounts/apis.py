"""HTTP for people's accounts, sessions (JWT) and API keys. Views only translate HTTP."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt import views as jwt_views
from rest_framework_simplejwt.serializers import TokenRefreshSerializer

from apps.accounts import examples
from apps.accounts.authentication import request_user
from apps.accounts.permissions import PeopleOnly
from apps.accounts.services import (
    user_change_password,
    user_confirm_password_reset,
    user_register,
    user_request_password_reset,
    user_revoke_sessions,
)
from apps.accounts.throttles import (
    FailedAttemptsThrottle,
    LoginAccountThrottle,
    LoginAddressThrottle,
    PasswordResetAccountThrottle,
    PasswordResetAddressThrottle,
    RegisterThrottle,
)
from apps.core.apis import NoStoreMixin
from apps.core.schema import problem_response

AUTH_TAG = ["auth"]


# --- serializers ------------------------------------------------------------------------------
class UserRegisterInputSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=128, write_only=True, style={"input_type": "password"})
    name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    preferred_language = serializers.ChoiceField(choices=["zh-hans", "en", "vi"], required=False, default="zh-hans")


class UserOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    name = serializers.CharField()
    phone = serializers.CharField()
    preferred_language = serializers.CharField()
    date_joined = serializers.DateTimeField()


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


# --- sessions ---------------------------------------------------------------------------------
class CountFailuresMixin:
    """A refused attempt (4xx but 429) counts toward the view's login throttles; a success does not."""

    def finalize_response(self, request: Request, response: Response, *args: object, **kwargs: object) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        if 400 <= response.status_code < 500 and response.status_code != status.HTTP_429_TOO_MANY_REQUESTS:
            for throttle in self.get_throttles():  # type: ignore[attr-defined]
                if isinstance(throttle, FailedAttemptsThrottle):
                    throttle.record_failure(request, self)
        return response


class UserRegisterApi(APIView):
    authentication_classes = ()
    permission_classes = [AllowAny]
    throttle_classes = [RegisterThrottle]

    @extend_schema(
        tags=AUTH_TAG,
        operation_id="auth_register",
        examples=examples.AUTH_REGISTER,
        request=UserRegisterInputSerializer,
        responses={201: UserOutputSerializer, 409: OpenApiResponse(description="E-mail already registered.")},
    )
    def post(self, request: Request) -> Response:
        serializer = UserRegisterInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = user_register(**serializer.validated_data)
        # The account is read at /me (with the tokens from auth/token).
        return Response(
            UserOutputSerializer(user).data, status=status.HTTP_201_CREATED, headers={"Location": reverse("me")}
        )


class TokenPairOutputSerializer(serializers.Serializer):
    access = serializers.CharField(help_text="JWT access token: send it as `Authorization: Bearer <access>`.")
    refresh = serializers.CharField(help_text="JWT refresh token: exchange it at auth/token/refresh.")


_INVALID_REFRESH = "The refresh token is invalid, expired or already revoked (code `token_not_valid`): log in again."


@extend_schema_view(
    post=extend_schema(
        tags=AUTH_TAG,
        operation_id="auth_token_obtain",
        examples=examples.TOKEN,
        summary="Log in: exchange e-mail and password for access and refresh tokens.",
        responses={
            200: TokenPairOutputSerializer,
            **problem_response(401, "No active account has this e-mail and password."),
        },
    )
)
class TokenObtainApi(CountFailuresMixin, NoStoreMixin, jwt_views.TokenObtainPairView):
    authentication_classes = ()
    throttle_classes = [LoginAddressThrottle, LoginAccountThrottle]


@extend_schema_view(
    post=extend_schema(
        tags=AUTH_TAG,
        operation_id="auth_token_refresh",
        examples=examples.AUTH_TOKEN_REFRESH,
        summary="Rotate a refresh token: the old one is revoked.",
        responses={200: TokenRefreshSerializer, **problem_response(401, _INVALID_REFRESH)},
    )
)
class TokenRefreshApi(CountFailuresMixin, NoStoreMixin, jwt_views.TokenRefreshView):
    authentication_classes = ()
    throttle_classes = [LoginAddressThrottle]


@extend_schema_view(
    post=extend_schema(
        tags=AUTH_TAG,
        operation_id="auth_token_revoke",
        examples=examples.AUTH_TOKEN_REVOKE,
        summary="Log out: revoke a refresh token.",
        responses={200: None, **problem_response(401, _INVALID_REFRESH)},
    )
)
class TokenRevokeApi(CountFailuresMixin, NoStoreMixin, jwt_views.TokenBlacklistView):
    authentication_classes = ()
    throttle_classes = [LoginAddressThrottle]


class SessionsRevokeApi(APIView):
    permission_classes = [IsAuthenticated, PeopleOnly]

    @extend_schema(
        tags=AUTH_TAG,
        operation_id="auth_sessions_revoke_all",
        examples=examples.AUTH_SESSIONS_REVOKE_ALL,
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
    throttle_classes = [PasswordResetAddressThrottle, PasswordResetAccountThrottle]

    @extend_schema(
        tags=AUTH_TAG,
        operation_id="auth_password_reset_request",
        examples=examples.AUTH_PASSWORD_RESET_REQUEST,
        request=PasswordResetRequestInputSerializer,
        responses={202: None},
        summary="E-mail a password reset link. Answers 202 whether or not the address is registered.",
    )
    def post(self, request: Request) -> Response:
        serializer = PasswordResetRequestInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user_request_password_reset(**serializer.validated_data)
        return Response(status=status.HTTP_202_ACCEPTED)


class PasswordResetConfirmApi(CountFailuresMixin, APIView):
    authentication_classes = ()
    permission_classes = [AllowAny]
    throttle_classes = [LoginAddressThrottle]

    @extend_schema(
        tags=AUTH_TAG,
        operation_id="auth_password_reset_confirm",
        examples=examples.AUTH_PASSWORD_RESET_CONFIRM,
        request=PasswordResetConfirmInputSerializer,
        responses={204: None},
        summary="Set a new password with the uid and token from the e-mailed link; all sessions end.",
    )
    def post(self, request: Request) -> Response:
        serializer = PasswordResetConfirmInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user_confirm_password_reset(**serializer.validated_data)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- the current user ----------------------------------------------------------------------
class PasswordChangeApi(APIView):
    permission_classes = [IsAuthenticated, PeopleOnly]

    @extend_schema(
        tags=["me"],
        operation_id="me_password_change",
        request=PasswordChangeInputSerializer,
        responses={204: None},
        examples=examples.ME_PASSWORD_CHANGE,
    )
    def post(self, request: Request) -> Response:
        serializer = PasswordChangeInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user_change_password(user=request_user(request), **serializer.validated_data)
        return Response(status=status.HTTP_204_NO_CONTENT)
