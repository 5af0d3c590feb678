"""The operator's admin for challenges: look things up, approve or reject submitted challenges.

Read-only apart from the review actions: terms, bids, scores, reviews and tranches change only
through the services (the same rules, locks and decision log as the API). The decision log is
append-only and cannot be changed here either.
"""

from __future__ import annotations

from typing import cast

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from apps.accounts.models import User
from apps.challenges.models import (
    Bid,
    BidAttachment,
    BidScore,
    Challenge,
    ChallengeDecision,
    ChallengeStatus,
    Milestone,
    MilestoneReview,
    Tranche,
)
from apps.challenges.services import challenge_review
from apps.core.admin import ReadOnlyAdminMixin
from apps.core.errors import ApplicationError


class ChallengeActionForm(ActionForm):
    reason = forms.CharField(
        label=_("Rejection reason"),
        required=False,
        max_length=1000,
        widget=forms.TextInput(attrs={"size": 40, "placeholder": _("required when rejecting")}),
    )


class MilestoneInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Milestone
    extra = 0
    fields = ("sequence", "title", "review_date", "tranche_share_pct", "settled_at", "tranche_withheld")
    readonly_fields = fields


class BidInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Bid
    extra = 0
    fields = ("organization", "status", "commitment_confirmed", "created_at")
    readonly_fields = fields
    show_change_link = True


@admin.register(Challenge)
class ChallengeAdmin(admin.ModelAdmin):
    list_display = ("id", "__str__", "issuer", "status", "mode", "funding_mode", "reward", "bid_deadline")
    list_display_links = ("id", "__str__")
    list_filter = ("status", "mode", "funding_mode")
    list_select_related = ("demand", "issuer")
    search_fields = ("demand__title", "issuer__name")
    date_hierarchy = "created_at"
    ordering = ("-id",)
    inlines = (MilestoneInline, BidInline)
    action_form = ChallengeActionForm
    actions = ("approve_selected", "reject_selected")
    readonly_fields = tuple(f.name for f in Challenge._meta.get_fields() if f.concrete)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Challenge | None = None) -> bool:
        return False

    def _review(self, request: HttpRequest, queryset: QuerySet[Challenge], *, approve: bool) -> None:
        reason = request.POST.get("reason", "")
        done = 0
        for challenge in queryset.filter(status=ChallengeStatus.SUBMITTED).select_related("demand"):
            try:
                challenge_review(actor=cast(User, request.user), challenge=challenge, approve=approve, reason=reason)
            except ApplicationError as exc:
                self.message_user(request, f"{challenge}: {exc.message}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(
                request,
                ngettext("%(n)d challenge reviewed.", "%(n)d challenges reviewed.", done) % {"n": done},
                messages.SUCCESS,
            )

    @admin.action(description=_("Approve and open the selected submitted challenges"))
    def approve_selected(self, request: HttpRequest, queryset: QuerySet[Challenge]) -> None:
        self._review(request, queryset, approve=True)

    @admin.action(description=_("Reject the selected submitted challenges (give a reason)"))
    def reject_selected(self, request: HttpRequest, queryset: QuerySet[Challenge]) -> None:
        self._review(request, queryset, approve=False)


class BidAttachmentInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = BidAttachment
    extra = 0
    fields = ("original_name", "content_type", "size", "created_at")
    readonly_fields = fields


class BidScoreInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = BidScore
    extra = 0
    fields = ("scorer", "score", "comment", "created_at")
    readonly_fields = fields


@admin.register(Bid)
class BidAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("id", "challenge", "organization", "status", "created_at")
    list_filter = ("status",)
    list_select_related = ("challenge__demand", "organization")
    search_fields = ("organization__name", "challenge__demand__title")
    ordering = ("-id",)
    inlines = (BidAttachmentInline, BidScoreInline)


@admin.register(MilestoneReview)
class MilestoneReviewAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("id", "milestone", "bid", "outcome", "reviewed_by", "created_at")
    list_filter = ("outcome",)
    list_select_related = ("milestone", "bid", "reviewed_by")
    ordering = ("-id",)


@admin.register(Tranche)
class TrancheAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("id", "challenge", "milestone", "bid", "amount", "created_at")
    list_select_related = ("challenge__demand", "milestone", "bid")
    ordering = ("-id",)


@admin.register(ChallengeDecision)
class ChallengeDecisionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("id", "challenge", "kind", "actor", "created_at")
    list_filter = ("kind",)
    list_select_related = ("challenge__demand", "actor")
    search_fields = ("challenge__demand__title",)
    ordering = ("-id",)
    # The log grows with every decision; skip the unfiltered COUNT(*) on each page.
    show_full_result_count = False
