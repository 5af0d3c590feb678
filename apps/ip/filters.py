"""Query-string filters of the IP asset list."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet

from apps.core.fields import AwareDateTimeFilter
from apps.ip.models import IPAsset, IPAssetKind, LegalStatus, PatentOffice


class IPAssetFilter(django_filters.FilterSet):
    kind = django_filters.MultipleChoiceFilter(choices=IPAssetKind.choices)
    legal_status = django_filters.MultipleChoiceFilter(choices=LegalStatus.choices)
    owner = django_filters.NumberFilter(field_name="owner_id")
    office = django_filters.MultipleChoiceFilter(choices=PatentOffice.choices)
    family_id = django_filters.CharFilter(field_name="family_id", max_length=40)
    q = django_filters.CharFilter(method="filter_q", max_length=100)
    external_id = django_filters.CharFilter(field_name="external_id", max_length=100)
    updated_since = AwareDateTimeFilter(field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = IPAsset
        fields: list[str] = []

    def filter_q(self, queryset: QuerySet[IPAsset], name: str, value: str) -> QuerySet[IPAsset]:
        # Numbers are matched as typed fragments ("201710601862" finds 201710601862.3 and its ZL number).
        value = value.strip()
        if not value:
            return queryset
        number = value.upper()
        return queryset.filter(
            Q(title__icontains=value)
            | Q(application_number__contains=number)
            | Q(patent_number__contains=number)
            | Q(publication_number__contains=number)
            | Q(registration_number__icontains=value)
        )
