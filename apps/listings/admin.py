"""The operator's admin for listings: the review queue, with approve/reject through the service.

Status and review fields are read-only: a listing moves only through ``listing_review`` (the same rules,
events and notifications as the API). Text is shown escaped, as everywhere in the admin.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from apps.accounts.models import User
from apps.core.errors import ApplicationError
from apps.listings.models import (
    Achievement,
    Attachment,
    ConfidentialAccess,
    Demand,
    ListingEvent,
    ListingStatus,
    NdaRequest,
)
from apps.listings.services import listing_review


class ReviewActionForm(ActionForm):
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=1000,
        widget=forms.TextInput(attrs={"size": 40, "placeholder": _("required when rejecting")}),
    )


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class EventInline(ReadOnlyInline):
    model = ListingEvent
    fields = ("created_at", "from_status", "to_status", "actor", "note")
    readonly_fields = fields


class AttachmentInline(ReadOnlyInline):
    model = Attachment
    fields = ("original_name", "content_type", "size", "is_public", "uploaded_by", "created_at")
    readonly_fields = fields


class NdaInline(ReadOnlyInline):
    model = NdaRequest
    fields = ("organization", "status", "message", "decided_at", "decision_note")
    readonly_fields = fields


READONLY = (
    "status",
    "submitted_at",
    "published_at",
    "reviewed_at",
    "reviewed_by",
    "rejection_reason",
    "fingerprint",
    "created_at",
    "updated_at",
)


class ListingAdmin(admin.ModelAdmin):
    search_fields = ("title", "translated_title", "owner__name", "keywords")
    list_select_related = ("owner", "technology_field")
    date_hierarchy = "created_at"
    ordering = ("-id",)
    action_form = ReviewActionForm
    actions = ("approve_selected", "reject_selected")

    @admin.action(description=_("Publish selected listings"), permissions=["change"])
    def approve_selected(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        self._review(request, queryset, approve=True, reason=request.POST.get("reason", "").strip())

    @admin.action(description=_("Reject selected listings (give a reason)"), permissions=["change"])
    def reject_selected(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        reason = request.POST.get("reason", "").strip()
        if not reason:
            self.message_user(
                request, _("Enter a reason in the field beside the action list. Nothing was changed."), messages.ERROR
            )
            return
        self._review(request, queryset, approve=False, reason=reason)

    def _review(self, request: HttpRequest, queryset: QuerySet[Any], *, approve: bool, reason: str) -> None:
        actor = cast(User, request.user)
        done, skipped = 0, []
        for listing in queryset.order_by("pk"):
            if listing.status != ListingStatus.SUBMITTED:
                skipped.append(listing.title)
                continue
            try:
                listing_review(actor=actor, listing=listing, approve=approve, reason=reason)
            except ApplicationError as exc:
                self.message_user(request, exc.message, messages.ERROR)
                break
            done += 1
            self.log_change(request, listing, str(_("Published") if approve else _("Rejected: %s") % reason))
        if done:
            text = (
                ngettext("Published %(count)d listing.", "Published %(count)d listings.", done)
                if approve
                else ngettext("Rejected %(count)d listing.", "Rejected %(count)d listings.", done)
            )
            self.message_user(request, text % {"count": done}, messages.SUCCESS)
        if skipped:
            self.message_user(
                request,
                _("Skipped, not awaiting review: %(titles)s") % {"titles": "、".join(skipped)},
                messages.WARNING,
            )


class AchievementEventInline(EventInline):
    fk_name = "achievement"


class AchievementAttachmentInline(AttachmentInline):
    fk_name = "achievement"


class AchievementNdaInline(NdaInline):
    fk_name = "achievement"


class DemandEventInline(EventInline):
    fk_name = "demand"


class DemandAttachmentInline(AttachmentInline):
    fk_name = "demand"


class DemandNdaInline(NdaInline):
    fk_name = "demand"


@admin.register(Achievement)
class AchievementAdmin(ListingAdmin):
    list_display = ("title", "owner", "status", "technology_field", "trl", "stage", "published_at", "created_at")
    list_filter = ("status", "technology_field", "language", "stage", "attribute", "price_type")
    filter_horizontal = ("industries",)
    raw_id_fields = ("owner", "created_by", "region", "ip_assets")
    readonly_fields = (*READONLY, "stage")
    inlines = (
        AchievementEventInline,
        AchievementAttachmentInline,
        AchievementNdaInline,
    )


@admin.register(Demand)
class DemandAdmin(ListingAdmin):
    list_display = ("title", "owner", "status", "technology_field", "deadline", "published_at", "created_at")
    list_filter = ("status", "technology_field", "language", "industry", "wanted_stage")
    raw_id_fields = ("owner", "created_by", "region", "region_preference")
    readonly_fields = READONLY
    inlines = (DemandEventInline, DemandAttachmentInline, DemandNdaInline)


@admin.register(ConfidentialAccess)
class ConfidentialAccessAdmin(admin.ModelAdmin):
    """The access log is evidence: readable, never edited."""

    list_display = ("created_at", "kind", "organization", "user", "achievement", "demand", "ip_address")
    list_filter = ("kind",)
    search_fields = ("organization__name", "user__email", "achievement__title", "demand__title")
    list_select_related = ("organization", "user", "achievement", "demand")
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
