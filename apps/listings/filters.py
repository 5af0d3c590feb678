"""Query-string filters of the listing lists (and exports, which take the same parameters)."""

from __future__ import annotations

from typing import Any, ClassVar

import django_filters
from django.core.validators import RegexValidator
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from apps.core.fields import AwareDateTimeFilter, MarketDateFilter, MoneyFilter
from apps.listings import search
from apps.listings.models import Achievement, CooperationMode, Demand, Language, ListingStatus, Stage
from apps.organizations.access import Actor, is_operator, organization_ids


def region_prefix(code: str) -> str:
    """A province (450000) matches every code starting 45, a prefecture (450200) every 4502xx."""
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


_six_digits = RegexValidator(r"^\d{6}$", _("A region code has six digits."), code="invalid_region")


class CodeListFilter(django_filters.BaseInFilter, django_filters.CharFilter):
    """``?technology_field=03,05``: any of the listed codes."""


class ListingFilter(django_filters.FilterSet):
    actor: Actor | None = None

    q = django_filters.CharFilter(
        method="filter_noop", max_length=search.SEARCH_TEXT_MAX, help_text="Search text (Chinese or English)."
    )
    technology_field = CodeListFilter(field_name="technology_field_id", lookup_expr="in")
    cooperation_mode = django_filters.MultipleChoiceFilter(
        choices=CooperationMode.choices, method="filter_cooperation_mode"
    )
    region = django_filters.CharFilter(method="filter_region", validators=[_six_digits])
    status = django_filters.MultipleChoiceFilter(choices=ListingStatus.choices, distinct=False)
    owner = django_filters.NumberFilter(field_name="owner_id")
    home_market = django_filters.CharFilter(field_name="home_market_id", max_length=24)
    mine = django_filters.BooleanFilter(method="filter_mine")
    language = django_filters.ChoiceFilter(choices=Language.choices, help_text="The original language.")
    available_language = django_filters.ChoiceFilter(
        choices=Language.choices, method="filter_available_language", help_text="Original or translated into."
    )
    published_after = MarketDateFilter(field_name="published_at", lookup_expr="date__gte")
    published_before = MarketDateFilter(field_name="published_at", lookup_expr="date__lte")
    ordering = django_filters.CharFilter(method="filter_noop")
    external_id = django_filters.CharFilter(method="filter_external_id", max_length=100)
    updated_since = AwareDateTimeFilter(field_name="updated_at", lookup_expr="gte")

    # django-filter builds a form class, with a label for every filter, for each request; the fields do
    # not depend on the request, so each filter set keeps the first one it built.
    _form_classes: ClassVar[dict[type, type]] = {}

    def get_form_class(self) -> Any:
        form_class = ListingFilter._form_classes.get(type(self))
        if form_class is None:
            form_class = ListingFilter._form_classes[type(self)] = super().get_form_class()
        return form_class

    def filter_noop(self, queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        # Search and ordering are applied by the selector, which needs the rank annotation.
        return queryset

    def filter_cooperation_mode(self, queryset: QuerySet[Any], name: str, value: list[str]) -> QuerySet[Any]:
        return queryset.filter(cooperation_modes__overlap=value) if value else queryset

    def filter_region(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return queryset.filter(region__code__startswith=region_prefix(value))

    def filter_available_language(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return queryset.filter(Q(language=value) | Q(translations__has_key=value))

    def filter_external_id(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        # An external id is the owner's own: it finds only the caller's organisations' listings.
        if is_operator(self.actor):
            return queryset.filter(external_id=value)
        return queryset.filter(external_id=value, owner_id__in=organization_ids(self.actor))

    def filter_mine(self, queryset: QuerySet[Any], name: str, value: bool | None) -> QuerySet[Any]:
        if value:
            return queryset.filter(owner_id__in=organization_ids(self.actor))
        return queryset


class AchievementFilter(ListingFilter):
    industry = CodeListFilter(method="filter_industry")
    stage = django_filters.MultipleChoiceFilter(choices=Stage.choices, distinct=False)
    trl_min = django_filters.NumberFilter(field_name="trl", lookup_expr="gte", min_value=1, max_value=9)
    trl_max = django_filters.NumberFilter(field_name="trl", lookup_expr="lte", min_value=1, max_value=9)
    price_min = MoneyFilter(method="filter_price_min", min_value=0)
    price_max = MoneyFilter(method="filter_price_max", min_value=0)
    attribute = django_filters.CharFilter()

    class Meta:
        model = Achievement
        fields: list[str] = []

    def filter_industry(self, queryset: QuerySet[Any], name: str, value: list[str]) -> QuerySet[Any]:
        # EXISTS rather than a join: an achievement in two of the asked industries is still one row.
        through = Achievement.industries.through
        return queryset.filter(Exists(through.objects.filter(achievement_id=OuterRef("pk"), industry_id__in=value)))

    def filter_price_min(self, queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        # Listings whose asking price reaches at least this much (ranges overlapping [value, …)).
        return queryset.filter(price_max__gte=value)

    def filter_price_max(self, queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        return queryset.filter(price_min__lte=value)


class DemandFilter(ListingFilter):
    industry = CodeListFilter(field_name="industry_id", lookup_expr="in")
    wanted_stage = django_filters.MultipleChoiceFilter(choices=Stage.choices, distinct=False)
    budget_min = MoneyFilter(method="filter_budget_min", min_value=0)
    budget_max = MoneyFilter(method="filter_budget_max", min_value=0)
    region_preference = django_filters.CharFilter(method="filter_region_preference", validators=[_six_digits])
    deadline_after = MarketDateFilter(field_name="deadline", lookup_expr="gte")
    deadline_before = MarketDateFilter(field_name="deadline", lookup_expr="lte")

    class Meta:
        model = Demand
        fields: list[str] = []

    def filter_budget_min(self, queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        # Demands that would pay at least this much (no stated maximum counts as open-ended).
        return queryset.filter(Q(budget_max__gte=value) | Q(budget_max__isnull=True))

    def filter_budget_max(self, queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        return queryset.filter(Q(budget_min__lte=value) | Q(budget_min__isnull=True))

    def filter_region_preference(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return queryset.filter(region_preference__code__startswith=region_prefix(value))
