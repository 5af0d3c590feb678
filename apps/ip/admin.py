"""The operator's admin for IP assets: search by title, number or owner (Chinese text matches as typed).

Edits run the same rules as the API (:func:`apps.ip.services.check_ip_asset`); an asset that
achievements rest on cannot be deleted here either.
"""

from __future__ import annotations

import copy
from typing import Any

from django import forms
from django.contrib import admin
from django.forms.models import construct_instance
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from apps.core.errors import ApplicationError
from apps.ip.models import IPAsset, IPValuation
from apps.ip.services import check_ip_asset


class IPAssetAdminForm(forms.ModelForm):
    class Meta:
        model = IPAsset
        fields = (
            "owner",
            "kind",
            "title",
            "legal_status",
            "application_number",
            "patent_number",
            "publication_number",
            "registration_number",
            "ipc_main",
            "ipc_codes",
            "filing_date",
            "grant_date",
        )

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if self.errors:
            return cleaned
        # Check a copy with the submitted values; the form writes them to the real instance later.
        candidate = copy.copy(self.instance)
        construct_instance(self, candidate)
        try:
            check_ip_asset(candidate)
        except ApplicationError as exc:
            fields = {name: message for name, message in exc.field_errors.items() if name in self.fields}
            for name, message in fields.items():
                self.add_error(name, str(message))
            if not fields:
                self.add_error(None, exc.message)
            return cleaned
        # IPC symbols are stored the way the check normalised them.
        cleaned["ipc_main"] = candidate.ipc_main
        cleaned["ipc_codes"] = candidate.ipc_codes
        return cleaned


@admin.register(IPAsset)
class IPAssetAdmin(admin.ModelAdmin):
    form = IPAssetAdminForm
    list_display = ("title", "kind", "application_number", "registration_number", "owner", "legal_status", "grant_date")
    list_filter = ("kind", "legal_status")
    search_fields = (
        "title",
        "application_number",
        "patent_number",
        "publication_number",
        "registration_number",
        "ipc_main",
        "owner__name",
        "owner__short_name",
    )
    list_select_related = ("owner",)
    raw_id_fields = ("owner",)
    readonly_fields = ("created_by", "created_at", "updated_at")
    ordering = ("-id",)
    fieldsets = (
        (None, {"fields": ("owner", "kind", "title", "legal_status")}),
        (
            _("Numbers"),
            {
                "fields": (
                    "application_number",
                    "patent_number",
                    "publication_number",
                    "registration_number",
                    "ipc_main",
                    "ipc_codes",
                )
            },
        ),
        (_("Dates"), {"fields": ("filing_date", "grant_date")}),
        (_("Record"), {"fields": ("created_by", "created_at", "updated_at")}),
    )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.achievements.exists():
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        # Bulk delete would bypass the per-asset check above.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


@admin.register(IPValuation)
class IPValuationAdmin(admin.ModelAdmin):
    list_display = ("title", "owner", "asset", "valuation_date", "created_at")
    list_select_related = ("owner", "asset")
    readonly_fields = ("inputs", "result")
