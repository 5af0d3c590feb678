"""Writes of users, sessions and API keys."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import cast

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from apps.accounts.models import ApiKey, User
from apps.accounts.scopes import LEGACY_SCOPES, is_valid_scope, legacy_scope_for, normalize_scopes
from apps.core.effects import effect
from apps.core.errors import ApplicationError


class AccountError(StrEnum):
    RESET_LINK_INVALID = "password_reset_link_invalid"
    EMAIL_TAKEN = "email_taken"
    WEAK_PASSWORD = "weak_password"  # noqa: S105 (an error code, not a password)
    WRONG_PASSWORD = "wrong_password"  # noqa: S105
    ALREADY_REVOKED = "api_key_already_revoked"
    BAD_SCOPES = "api_key_bad_scopes"
    EXPIRY_IN_PAST = "expiry_in_past"


def _check_password(password: str, user: User | None = None) -> None:
    try:
        validate_password(password, user=user)
    except DjangoValidationError as exc:
        raise ApplicationError(
            _("The password is not strong enough."),
            code=AccountError.WEAK_PASSWORD,
            field_errors={"password": list(exc.messages)},
        ) from None


@transaction.atomic
def user_register(
    *, email: str, password: str, name: str = "", phone: str = "", preferred_language: str = "zh-hans"
) -> User:
    """Self sign-up of a person. Organisation membership comes from creating or joining one."""
    email = User.objects.normalize_email(email).lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ApplicationError(
            _("An account with this e-mail address already exists."),
            code=AccountError.EMAIL_TAKEN,
            status=409,
            field_errors={"email": _("Already registered.")},
        )
    candidate = User(email=email, name=name)
    _check_password(password, candidate)
    return User.objects.create_user(
        email=email, password=password, name=name, phone=phone, preferred_language=preferred_language
    )


@transaction.atomic
def user_update_profile(
    *, user: User, name: str | None = None, phone: str | None = None, preferred_language: str | None = None
) -> User:
    for field, value in (("name", name), ("phone", phone), ("preferred_language", preferred_language)):
        if value is not None:
            setattr(user, field, value)
    user.full_clean(exclude=["password"])
    user.save()
    return user


@transaction.atomic
def user_revoke_sessions(*, user: User) -> int:
    """Log out everywhere: blacklist every refresh token and refuse access tokens issued until now."""
    User.objects.filter(pk=user.pk).update(session_version=F("session_version") + 1)
    user.refresh_from_db(fields=["session_version"])
    outstanding = OutstandingToken.objects.filter(user=user).exclude(blacklistedtoken__isnull=False)
    BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token=token) for token in outstanding], ignore_conflicts=True
    )
    return len(outstanding)


@transaction.atomic
def user_change_password(*, user: User, old_password: str, new_password: str) -> User:
    if not user.check_password(old_password):
        raise ApplicationError(
            _("The current password is wrong."),
            code=AccountError.WRONG_PASSWORD,
            field_errors={"old_password": _("Wrong password.")},
        )
    _check_password(new_password, user)
    user.set_password(new_password)
    user.save(update_fields=["password"])
    user_revoke_sessions(user=user)
    return user


@transaction.atomic
def api_key_issue(
    *,
    actor: User,
    organization_id: int,
    name: str,
    scopes: list[str] | None = None,
    scope: str | None = None,
    expiry_date: datetime | None = None,
) -> tuple[ApiKey, str]:
    """A key and the service account it authenticates as. Returns the key object and the raw key, shown
    only once. The caller makes the service account a member of the organisation (that rule is the
    organisations': :func:`apps.organizations.api_keys.api_key_create`).

    ``scopes`` (apps.accounts.scopes) say what the key may do; without them the deprecated
    all-or-nothing ``scope`` (``read`` by default) stands for its equivalent scopes."""
    scopes = check_api_key_scopes(scopes if scopes is not None else LEGACY_SCOPES[scope or ApiKey.Scope.READ])
    if expiry_date is not None and expiry_date <= timezone.now():
        raise ApplicationError(
            _("The expiry date must be in the future."),
            code=AccountError.EXPIRY_IN_PAST,
            field_errors={"expiry_date": _("Must be in the future.")},
        )
    service_user = User.objects.create_user(
        email=f"api-key-{timezone.now().strftime('%Y%m%d%H%M%S%f')}-{organization_id}@service.invalid",
        password=None,
        name=f"API: {name}"[:100],
        is_service_account=True,
    )
    api_key, raw_key = ApiKey.objects.create_key(
        name=name,
        organization_id=organization_id,
        service_user=service_user,
        scope=legacy_scope_for(scopes),
        scopes=scopes,
        created_by=actor,
        expiry_date=expiry_date,
    )
    return cast(ApiKey, api_key), raw_key


def check_api_key_scopes(scopes: list[str]) -> list[str]:
    """The scopes, normalised; refuses an empty list and any scope outside the vocabulary."""
    unknown = [scope for scope in scopes if not is_valid_scope(scope)]
    if unknown or not scopes:
        message = (
            _("Unknown scopes: %(scopes)s.") % {"scopes": ", ".join(unknown)}
            if unknown
            else _("A key needs at least one scope.")
        )
        raise ApplicationError(message, code=AccountError.BAD_SCOPES, field_errors={"scopes": message})
    return normalize_scopes(scopes)


@transaction.atomic
def api_key_revoke(*, actor: User, api_key: ApiKey) -> ApiKey:
    if api_key.revoked:
        raise ApplicationError(_("This API key is already revoked."), code=AccountError.ALREADY_REVOKED, status=409)
    api_key.revoked = True
    api_key.revoked_at = timezone.now()
    api_key.save(update_fields=["revoked", "revoked_at"])
    User.objects.filter(pk=api_key.service_user_id).update(is_active=False)
    return api_key


@transaction.atomic
def user_request_password_reset(*, email: str) -> None:
    """Record a reset e-mail if an active person has this address. Says nothing either way (no enumeration)."""
    user = User.objects.filter(email__iexact=email.strip(), is_active=True, is_service_account=False).first()
    if user is not None:
        effect("accounts.send_password_reset", user_id=user.pk)


def user_send_password_reset(*, user_id: int) -> bool:
    """Send the reset link. The token is made here, in the worker, so it never sits in the broker or the
    effect table."""
    user = User.objects.filter(pk=user_id, is_active=True, is_service_account=False).first()
    if user is None or not user.email:
        return False
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    link = settings.PASSWORD_RESET_URL.format(uid=uid, token=token)
    with translation.override(user.preferred_language):
        subject = str(gettext_lazy("Reset your password"))
        body = str(
            format_lazy(
                gettext_lazy(
                    "Someone asked to reset the password of your technology market account {email}.\n\n"
                    "To choose a new password, open:\n{link}\n\n"
                    "The link works once and expires in {days} days. If it was not you, ignore this e-mail."
                ),
                email=user.email,
                link=link,
                days=settings.PASSWORD_RESET_TIMEOUT // 86400,
            )
        )
    send_mail(subject=subject, message=body, from_email=settings.DEFAULT_FROM_EMAIL, recipient_list=[user.email])
    return True


@transaction.atomic
def user_confirm_password_reset(*, uid: str, token: str, new_password: str) -> User:
    """Set a new password from a reset link; every existing session ends."""
    try:
        user_pk = int(force_str(urlsafe_base64_decode(uid)))
    except (TypeError, ValueError, OverflowError):
        user_pk = None
    user = User.objects.filter(pk=user_pk, is_active=True, is_service_account=False).first() if user_pk else None
    if user is None or not default_token_generator.check_token(user, token):
        raise ApplicationError(
            _("This password reset link is invalid or has expired."), code=AccountError.RESET_LINK_INVALID
        )
    _check_password(new_password, user)
    user.set_password(new_password)
    user.save(update_fields=["password"])
    user_revoke_sessions(user=user)
    return user
