"""Admin for people and API keys, used by the market operator.

Users log in with their e-mail address, so Django's ``UserAdmin`` is adapted: no user name, one
``name`` field; "sign out everywhere" goes through ``user_revoke_sessions``.

API keys can be listed and revoked here, never created (the raw key is shown only once, by the
API) and never shown: the key's primary key embeds its hash, so the list has no links to a
detail page and its selection boxes carry the public prefix instead.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from rest_framework_api_key.models import APIKey as LibraryAPIKey

from apps.accounts.models import ApiKey, User
from apps.accounts.services import api_key_revoke, user_revoke_sessions
from apps.core.errors import ApplicationError


class UserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)

    def clean_email(self) -> str:
        email = User.objects.normalize_email(self.cleaned_data["email"]).lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(_("A user with this e-mail address already exists."), code="unique")
        return email


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"

    def clean_email(self) -> str:
        # Stored lower-cased like every other path, so the case-insensitive login finds exactly one user.
        email = User.objects.normalize_email(self.cleaned_data["email"]).lower()
        if User.objects.filter(email__iexact=email).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("A user with this e-mail address already exists."), code="unique")
        return email


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserEditForm
    add_form = UserCreationForm
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal info"), {"fields": ("name", "phone", "preferred_language")}),
        (
            _("Permissions"),
            {
                "fields": (
                    "is_active",
                    "is_service_account",
                    "is_staff",
                    "is_superuser",
                    "groups",
                    "user_permissions",
                ),
            },
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
        (_("Sessions"), {"fields": ("session_version",)}),
    )
    readonly_fields = ("session_version",)
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
    list_display = ("email", "name", "phone", "is_active", "is_staff", "is_service_account", "date_joined")
    list_filter = ("is_active", "is_staff", "is_superuser", "is_service_account", "preferred_language", "groups")
    search_fields = ("email", "name", "phone")
    ordering = ("email",)
    actions = ("sign_out_everywhere",)

    @admin.action(description=_("Sign selected users out everywhere"), permissions=["change"])
    def sign_out_everywhere(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset:
            user_revoke_sessions(user=user)
        count = queryset.count()
        self.message_user(
            request,
            ngettext("Signed %(count)d user out everywhere.", "Signed %(count)d users out everywhere.", count)
            % {"count": count},
            messages.SUCCESS,
        )


# The library registers its own APIKey model, which this project does not use: a key created
# there would authenticate nobody, so it is removed from the operator's admin.
if admin.site.is_registered(LibraryAPIKey):
    admin.site.unregister(LibraryAPIKey)


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = (
        "prefix",
        "name",
        "organization",
        "scope",
        "created",
        "expiry_date",
        "last_used_at",
        "revoked",
        "revoked_at",
        "created_by",
    )
    list_display_links = None
    list_filter = ("revoked", "scope", ("organization", admin.RelatedOnlyFieldListFilter))
    search_fields = ("name", "prefix", "organization__name")
    list_select_related = ("organization", "created_by")
    ordering = ("-created",)
    actions = ("revoke_selected",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ApiKey | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ApiKey | None = None) -> bool:
        return False

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("accounts.change_apikey")

    def get_fields(self, request: HttpRequest, obj: ApiKey | None = None) -> tuple[str, ...]:
        # Listed explicitly so that id (prefix + hash) and hashed_key can never appear.
        return (
            "prefix",
            "name",
            "organization",
            "service_user",
            "scope",
            "scopes",
            "rate_limit_per_minute",
            "created",
            "created_by",
            "expiry_date",
            "last_used_at",
            "revoked",
            "revoked_at",
        )

    def get_readonly_fields(self, request: HttpRequest, obj: ApiKey | None = None) -> tuple[str, ...]:
        return self.get_fields(request, obj)

    def action_checkbox(self, obj: ApiKey) -> SafeString:
        return forms.CheckboxInput({"class": "action-select", "aria-label": obj.prefix}, lambda value: False).render(
            ACTION_CHECKBOX_NAME, obj.prefix
        )

    def response_action(
        self, request: HttpRequest, queryset: QuerySet[Any], *args: Any, **kwargs: Any
    ) -> HttpResponse | None:
        # The selection boxes carry prefixes (see action_checkbox); turn them back into primary keys.
        prefixes = request.POST.getlist(ACTION_CHECKBOX_NAME)
        if prefixes:
            post = request.POST.copy()
            post.setlist(
                ACTION_CHECKBOX_NAME, list(ApiKey.objects.filter(prefix__in=prefixes).values_list("pk", flat=True))
            )
            request.POST = post  # type: ignore[assignment]
        return super().response_action(request, queryset, *args, **kwargs)

    @admin.action(description=_("Revoke selected API keys"), permissions=["revoke"])
    def revoke_selected(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        revoked = 0
        for api_key in queryset.filter(revoked=False):
            try:
                # The admin site only lets authenticated staff in, so the user is a real User.
                api_key_revoke(actor=cast(User, request.user), api_key=api_key)
            except ApplicationError as exc:
                self.message_user(request, f"{api_key.prefix}: {exc.message}", messages.ERROR)
                continue
            revoked += 1
        self.message_user(
            request,
            ngettext("Revoked %(count)d API key.", "Revoked %(count)d API keys.", revoked) % {"count": revoked},
            messages.SUCCESS if revoked else messages.WARNING,
        )
