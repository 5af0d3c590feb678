"""The operator's admin for organisations: search, review, and the verification decision.

Verification goes through ``organization_verify`` (the same rules and notifications as the API),
so the status fields are read-only here and change only through the actions.
"""

from __future__ import annotations

from typing import cast

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from apps.accounts.models import User
from apps.core.errors import ApplicationError
from apps.organizations.models import Membership, Organization, VerificationDocument
from apps.organizations.services import OrganizationError, organization_verify


class OrganizationActionForm(ActionForm):
    """The changelist's action bar, with the reason a rejection needs."""

    reason = forms.CharField(
        label=_("Rejection reason"),
        required=False,
        max_length=500,
        widget=forms.TextInput(attrs={"size": 40, "placeholder": _("required when rejecting")}),
    )


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ("user", "role", "created_at")
    readonly_fields = ("created_at",)
    autocomplete_fields = ("user",)


class VerificationDocumentInline(admin.TabularInline):
    """What the organisation handed in for its verification; the file opens from here."""

    model = VerificationDocument
    extra = 0
    fields = ("kind", "file", "original_name", "size", "sha256", "uploaded_by", "created_at")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "type",
        "country",
        "credit_code",
        "registration_id",
        "region",
        "verification_status",
        "created_at",
    )
    list_filter = (
        "type",
        "verification_status",
        ("country", admin.RelatedOnlyFieldListFilter),
        ("region", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("name", "short_name", "name_en", "credit_code", "registration_id")
    list_select_related = ("region", "country")
    date_hierarchy = "created_at"
    ordering = ("-created_at",)
    raw_id_fields = ("region",)
    inlines = (MembershipInline, VerificationDocumentInline)
    action_form = OrganizationActionForm
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    actions = ("verify_selected", "reject_selected")
    readonly_fields = (
        "verification_status",
        "verified_at",
        "verified_by",
        "rejection_reason",
        "created_at",
        "updated_at",
    )
    fieldsets = (
        (None, {"fields": ("name", "short_name", "name_en", "type", "country", "credit_code", "registration_id")}),
        (_("Classification"), {"fields": ("region", "foreign_region", "entity_type")}),
        (_("Contact"), {"fields": ("address", "website", "contact_email", "contact_phone", "description")}),
        (
            _("Verification"),
            {"fields": ("verification_status", "verified_at", "verified_by", "rejection_reason")},
        ),
        (_("Record"), {"fields": ("created_at", "updated_at")}),
    )

    @admin.action(description=_("Verify selected organisations"), permissions=["change"])
    def verify_selected(self, request: HttpRequest, queryset: QuerySet[Organization]) -> None:
        self._decide(request, queryset, approve=True, reason="")

    @admin.action(description=_("Reject selected organisations (give a reason)"), permissions=["change"])
    def reject_selected(self, request: HttpRequest, queryset: QuerySet[Organization]) -> None:
        reason = request.POST.get("reason", "").strip()
        if not reason:
            self.message_user(
                request,
                _("Enter a rejection reason in the field beside the action list. Nothing was changed."),
                messages.ERROR,
            )
            return
        self._decide(request, queryset, approve=False, reason=reason)

    def _decide(self, request: HttpRequest, queryset: QuerySet[Organization], *, approve: bool, reason: str) -> None:
        # The admin site only lets authenticated staff in, so the user is a real User.
        actor = cast(User, request.user)
        decided: list[Organization] = []
        skipped: list[str] = []
        for organization in queryset.order_by("pk"):
            try:
                organization_verify(actor=actor, organization=organization, approve=approve, reason=reason)
            except ApplicationError as exc:
                if exc.code == OrganizationError.ALREADY_DECIDED:
                    skipped.append(organization.name)
                    continue
                # Not an operator (or another refusal that applies to every row): say why, stop.
                self.message_user(request, exc.message, messages.ERROR)
                break
            decided.append(organization)
            self.log_change(request, organization, str(_("Verified") if approve else _("Rejected: %s") % reason))

        if decided:
            if approve:
                text = ngettext("Verified %(count)d organisation.", "Verified %(count)d organisations.", len(decided))
            else:
                text = ngettext("Rejected %(count)d organisation.", "Rejected %(count)d organisations.", len(decided))
            self.message_user(request, text % {"count": len(decided)}, messages.SUCCESS)
        if skipped:
            self.message_user(
                request,
                _("Skipped, not pending verification: %(names)s") % {"names": "、".join(skipped)},
                messages.WARNING,
            )
