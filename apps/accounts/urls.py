from django.urls import path

from apps.accounts import apis

urlpatterns = [
    path("auth/register", apis.UserRegisterApi.as_view(), name="auth-register"),
    path("auth/token", apis.TokenObtainApi.as_view(), name="auth-token"),
    path("auth/token/refresh", apis.TokenRefreshApi.as_view(), name="auth-token-refresh"),
    path("auth/token/revoke", apis.TokenRevokeApi.as_view(), name="auth-token-revoke"),
    path("auth/sessions/revoke-all", apis.SessionsRevokeApi.as_view(), name="auth-sessions-revoke-all"),
    path("auth/password-reset", apis.PasswordResetRequestApi.as_view(), name="auth-password-reset"),
    path("auth/password-reset/confirm", apis.PasswordResetConfirmApi.as_view(), name="auth-password-reset-confirm"),
    path("me/password", apis.PasswordChangeApi.as_view(), name="me-password"),
]
