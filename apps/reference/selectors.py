"""Reads of the reference code lists.

The lists are public and identical for every caller, so unlike other selectors these take no
``actor``: there is nothing to scope.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import django_filters
from django.db.models import QuerySet
from rest_framework.exceptions import ErrorDetail, ValidationError

from apps.reference.filters import CountryFilter, IndustryFilter, RegionFilter
from apps.reference.models import Country, EntityType, Industry, Region, TechnologyField


def _apply(filterset: django_filters.FilterSet) -> QuerySet[Any]:
    """The filtered queryset, or a 400 naming each bad parameter with its error code."""
    if not filterset.is_valid():
        raise ValidationError(
            {
                field: [ErrorDetail(error["message"], code=error["code"] or "invalid") for error in errors]
                for field, errors in filterset.form.errors.get_json_data().items()
            }
        )
    return filterset.qs


def technology_field_list() -> QuerySet[TechnologyField]:
    return TechnologyField.objects.order_by("sort_order", "code")


def industry_list(*, filters: Mapping[str, Any] | None = None) -> QuerySet[Industry]:
    """Active industries only: a retired industry stays in the table for old records but is not offered."""
    queryset = Industry.objects.filter(is_active=True).order_by("sort_order", "code")
    return _apply(IndustryFilter(filters or {}, queryset=queryset))


def region_list(*, filters: Mapping[str, Any] | None = None) -> QuerySet[Region]:
    return _apply(RegionFilter(filters or {}, queryset=Region.objects.order_by("code")))


def country_list(*, filters: Mapping[str, Any] | None = None) -> QuerySet[Country]:
    return _apply(CountryFilter(filters or {}, queryset=Country.objects.order_by("code")))


def entity_type_list() -> QuerySet[EntityType]:
    return EntityType.objects.order_by("code")
