"""Query-string filters of the reference lists. Unknown values are refused (400), never ignored."""

from __future__ import annotations

import django_filters
from django.core.validators import RegexValidator
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from apps.reference.models import Country, Industry, Region

SEARCH_MAX_LENGTH = 64

_region_code = RegexValidator(r"^\d{6}$", message=_("A region code has six digits."), code="invalid_region_code")


class IndustryFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=Industry.Kind.choices)

    class Meta:
        model = Industry
        fields = ["kind"]


class RegionFilter(django_filters.FilterSet):
    parent = django_filters.CharFilter(field_name="parent_id", validators=[_region_code])
    level = django_filters.ChoiceFilter(choices=Region.Level.choices)
    q = django_filters.CharFilter(method="filter_q", max_length=SEARCH_MAX_LENGTH)

    class Meta:
        model = Region
        fields = ["parent", "level", "q"]

    def filter_q(self, queryset: QuerySet[Region], name: str, value: str) -> QuerySet[Region]:
        value = value.strip()
        if not value:
            return queryset
        match = Q(name_zh__icontains=value) | Q(name_en__icontains=value)
        if value.isdigit():
            # Codes nest by prefix (45 Guangxi, 4502 Liuzhou), so a typed prefix finds the area.
            match |= Q(code__startswith=value)
        return queryset.filter(match)


class CountryFilter(django_filters.FilterSet):
    is_asean = django_filters.ChoiceFilter(choices=[("true", _("yes")), ("false", _("no"))], method="filter_is_asean")
    q = django_filters.CharFilter(method="filter_q", max_length=SEARCH_MAX_LENGTH)

    class Meta:
        model = Country
        fields = ["is_asean", "q"]

    def filter_is_asean(self, queryset: QuerySet[Country], name: str, value: str) -> QuerySet[Country]:
        return queryset.filter(is_asean=value == "true")

    def filter_q(self, queryset: QuerySet[Country], name: str, value: str) -> QuerySet[Country]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(name_zh__icontains=value) | Q(name_en__icontains=value) | Q(alpha2=value.upper()) | Q(code=value)
        )
