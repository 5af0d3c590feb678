import django_filters
from django.db.models import Q, QuerySet

from apps.core.fields import AwareDateTimeFilter
from apps.organizations.models import Organization, OrganizationType, VerificationStatus


class OrganizationFilter(django_filters.FilterSet):
    type = django_filters.ChoiceFilter(choices=OrganizationType.choices)
    verification_status = django_filters.ChoiceFilter(choices=VerificationStatus.choices)
    region = django_filters.CharFilter(method="filter_region", help_text="Region code; 4502xx matches within 450200.")
    country = django_filters.CharFilter(
        field_name="country__alpha2", lookup_expr="iexact", help_text="ISO 3166-1 alpha-2 country code."
    )
    q = django_filters.CharFilter(
        method="filter_q", help_text="Name, English name, short name, credit code or foreign registration number."
    )
    updated_since = AwareDateTimeFilter(field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = Organization
        fields = ["type", "verification_status", "region", "country", "q", "updated_since"]

    def filter_region(self, queryset: QuerySet[Organization], name: str, value: str) -> QuerySet[Organization]:
        # A province or prefecture code matches everything inside it (GB/T 2260 prefixes).
        if value.endswith("0000"):
            return queryset.filter(region__code__startswith=value[:2])
        if value.endswith("00"):
            return queryset.filter(region__code__startswith=value[:4])
        return queryset.filter(region__code=value)

    def filter_q(self, queryset: QuerySet[Organization], name: str, value: str) -> QuerySet[Organization]:
        value = value.strip()
        return queryset.filter(
            Q(name__icontains=value)
            | Q(name_en__icontains=value)
            | Q(short_name__icontains=value)
            | Q(credit_code=value.upper())
            | Q(registration_id=value.upper())
        )
