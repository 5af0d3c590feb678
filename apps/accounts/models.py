from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework_api_key.models import AbstractAPIKey, BaseAPIKeyManager


class EmailUserManager(UserManager["User"]):
    """Users log in with their e-mail address; there is no separate user name."""

    use_in_migrations = True

    def get_by_natural_key(self, username: str | None) -> User:
        """The login lookup (Django's ModelBackend, so the API's token login and the dashboard's form):
        e-mail addresses are compared without regard to case, as registration stores them lower-cased
        but people type them as they like (``Newcomer.Caps@Example.COM``)."""
        return self.get(email__iexact=(username or "").strip())

    def _create_user(self, email: str, password: str | None, **extra_fields: Any) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra_fields: Any) -> User:  # type: ignore[override]
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email: str, password: str | None = None, **extra_fields: Any) -> User:  # type: ignore[override]
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A person, or the service account behind an API key.

    Chinese names do not split into first and last name the Western way, so there is one ``name``.
    """

    username = None  # type: ignore[assignment]
    first_name = None  # type: ignore[assignment]
    last_name = None  # type: ignore[assignment]
    email = models.EmailField(_("e-mail address"), unique=True)
    name = models.CharField(_("full name"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    preferred_language = models.CharField(
        _("preferred language"),
        max_length=8,
        choices=[("zh-hans", "简体中文"), ("en", "English"), ("vi", "Tiếng Việt")],
        default="zh-hans",
    )
    is_service_account = models.BooleanField(
        _("service account"), default=False, help_text=_("The identity behind an API key; cannot log in.")
    )
    # Every token carries the session version it was issued under; "log out everywhere" and password
    # changes bump it, and older access tokens are refused at once (no wait for their expiry).
    session_version = models.PositiveIntegerField(_("session version"), default=0, editable=False)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects: ClassVar[EmailUserManager] = EmailUserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.name or self.email


class ApiKey(AbstractAPIKey):
    """A key for an API consumer (provincial system, bank, partner platform).

    The key is shown once at creation and stored hashed (by djangorestframework-api-key). It
    authenticates as its own service-account user, a member of the organisation, so every selector
    scopes its data exactly as for a person of that organisation.
    """

    class Scope(models.TextChoices):
        READ = "read", _("read only")
        READ_WRITE = "read_write", _("read and write")

    organization = models.ForeignKey(
        "organizations.Organization", verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="api_keys"
    )
    service_user = models.OneToOneField(
        User, verbose_name=_("service account"), on_delete=models.PROTECT, related_name="api_key"
    )
    # Superseded by ``scopes``; kept in step with it (read_write when any scope writes) for old readers.
    scope = models.CharField(_("scope"), max_length=16, choices=Scope.choices, default=Scope.READ)
    # What the key may do, per resource family (apps.accounts.scopes): e.g. ["listings:*", "stats:read"].
    scopes = ArrayField(models.CharField(max_length=40), verbose_name=_("scopes"), default=list, blank=True)
    # The key's own request rate per minute, set by the operator; empty: settings.THROTTLE_API_KEY.
    rate_limit_per_minute = models.PositiveIntegerField(
        _("requests per minute"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("This key's own rate limit. Empty: the default rate for API keys."),
    )
    created_by = models.ForeignKey(
        User, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    objects: ClassVar[BaseAPIKeyManager] = BaseAPIKeyManager()  # type: ignore[assignment]

    class Meta(AbstractAPIKey.Meta):
        verbose_name = _("API key")  # type: ignore[assignment]
        verbose_name_plural = _("API keys")  # type: ignore[assignment]
