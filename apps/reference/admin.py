"""The operator's admin for the reference code lists.

Industries are the configurable list: staff with the permissions add, rename, reorder and retire
them (retire, not delete: old records keep pointing at a retired industry). Technology fields and
entity types are national statistics codes, changed only by a data migration, so they are read-only
here. Regions and countries are read-mostly: a superuser may add a missing code or correct a name.
No code list is deleted from here; records refer to codes with PROTECT.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from apps.reference.models import Country, EntityType, Industry, Region, TechnologyField


class CodeReadOnlyOnChangeMixin:
    """The code is the primary key: editing it in a change form would save a copy under the new code."""

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        readonly = tuple(super().get_readonly_fields(request, obj))  # type: ignore[misc]
        return (*readonly, "code") if obj is not None else readonly


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class SuperuserEditableAdmin(CodeReadOnlyOnChangeMixin, admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(TechnologyField)
class TechnologyFieldAdmin(ReadOnlyAdmin):
    list_display = ("code", "name_zh", "name_en")
    search_fields = ("name_zh", "name_en", "=code")
    ordering = ("sort_order", "code")


@admin.register(Industry)
class IndustryAdmin(CodeReadOnlyOnChangeMixin, admin.ModelAdmin):
    list_display = ("name_zh", "code", "name_en", "kind", "is_active", "sort_order")
    list_display_links = ("name_zh",)
    list_editable = ("kind", "is_active", "sort_order")
    list_filter = ("kind", "is_active")
    search_fields = ("name_zh", "name_en", "code")
    ordering = ("sort_order", "code")
    fields = ("code", "name_zh", "name_en", "kind", "is_active", "sort_order")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class RegionAdminForm(forms.ModelForm):
    class Meta:
        model = Region
        fields = ("code", "name_zh", "name_en", "level", "parent")

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        code = data.get("code") or (self.instance.code if self.instance.pk else "")
        level, parent = data.get("level"), data.get("parent")
        if code and not (len(code) == 6 and code.isdigit()):
            raise ValidationError({"code": _("A region code has six digits.")})
        if level is None:
            return data
        if level == Region.Level.PROVINCE and parent is not None:
            raise ValidationError({"parent": _("A province has no parent.")})
        if level != Region.Level.PROVINCE and parent is None:
            raise ValidationError({"parent": _("A prefecture or county needs its parent.")})
        if parent is not None and (parent.level >= level or parent.code[:2] != code[:2]):
            raise ValidationError({"parent": _("The parent must be a higher level in the same province.")})
        return data


@admin.register(Region)
class RegionAdmin(SuperuserEditableAdmin):
    form = RegionAdminForm
    list_display = ("code", "name_zh", "name_en", "level", "parent")
    list_filter = ("level",)
    search_fields = ("name_zh", "name_en", "^code")
    list_select_related = ("parent",)
    autocomplete_fields = ("parent",)
    ordering = ("code",)


class CountryAdminForm(forms.ModelForm):
    class Meta:
        model = Country
        fields = ("code", "alpha2", "name_zh", "name_en", "is_asean")

    def clean_code(self) -> str:
        code = self.cleaned_data["code"]
        if not (len(code) == 3 and code.isdigit()):
            raise ValidationError(_("An ISO 3166-1 numeric code has three digits."))
        return code

    def clean_alpha2(self) -> str:
        alpha2 = self.cleaned_data["alpha2"].upper()
        if not (len(alpha2) == 2 and alpha2.isascii() and alpha2.isalpha()):
            raise ValidationError(_("An ISO 3166-1 alpha-2 code has two letters."))
        return alpha2


@admin.register(Country)
class CountryAdmin(SuperuserEditableAdmin):
    form = CountryAdminForm
    list_display = ("code", "alpha2", "name_zh", "name_en", "is_asean")
    list_filter = ("is_asean",)
    search_fields = ("name_zh", "name_en", "=alpha2", "=code")
    ordering = ("code",)


@admin.register(EntityType)
class EntityTypeAdmin(ReadOnlyAdmin):
    list_display = ("code", "name_zh", "name_en", "parent")
    search_fields = ("name_zh", "name_en", "^code")
    list_select_related = ("parent",)
    ordering = ("code",)
