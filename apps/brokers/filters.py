import django_filters
from django.core.validators import RegexValidator
from django.db.models import Exists, OuterRef, Q, QuerySet

from apps.brokers.models import Broker, BrokerLevel, BrokerStatus


class BrokerFilter(django_filters.FilterSet):
    field = django_filters.CharFilter(method="filter_field", help_text="Technology field code.")
    industry = django_filters.CharFilter(method="filter_industry", help_text="Industry code.")
    region = django_filters.CharFilter(
        method="filter_region",
        validators=[RegexValidator(r"^\d{6}$", "A region code has six digits.")],
        help_text="Region code: brokers serving it, a region inside it, or the province or prefecture containing it.",
    )
    level = django_filters.MultipleChoiceFilter(choices=BrokerLevel.choices)
    status = django_filters.ChoiceFilter(choices=BrokerStatus.choices)
    verified = django_filters.BooleanFilter(method="filter_verified")
    organization = django_filters.NumberFilter(field_name="organization_id", help_text="Agency id.")
    q = django_filters.CharFilter(method="filter_q", help_text="Name, agency or certificate number.")

    class Meta:
        model = Broker
        fields = ["field", "industry", "region", "level", "status", "verified", "organization", "q"]

    # EXISTS rather than joins: no duplicate rows and no DISTINCT on a paginated list.
    def filter_field(self, queryset: QuerySet[Broker], name: str, value: str) -> QuerySet[Broker]:
        through = Broker.fields.through.objects.filter(broker_id=OuterRef("pk"), technologyfield_id=value)
        return queryset.filter(Exists(through))

    def filter_industry(self, queryset: QuerySet[Broker], name: str, value: str) -> QuerySet[Broker]:
        through = Broker.industries.through.objects.filter(broker_id=OuterRef("pk"), industry_id=value)
        return queryset.filter(Exists(through))

    def filter_region(self, queryset: QuerySet[Broker], name: str, value: str) -> QuerySet[Broker]:
        # A broker serving Guangxi (450000) serves Liuzhou (450200) and its districts; asking for a
        # province also finds brokers serving a part of it.
        value = value.strip()
        enclosing = {value, value[:4] + "00", value[:2] + "0000"}
        prefix = value[:2] if value.endswith("0000") else value[:4] if value.endswith("00") else value
        regions = Broker.regions.through.objects.filter(broker_id=OuterRef("pk")).filter(
            Q(region_id__in=enclosing) | Q(region__code__startswith=prefix)
        )
        return queryset.filter(Exists(regions))

    def filter_verified(self, queryset: QuerySet[Broker], name: str, value: bool | None) -> QuerySet[Broker]:
        if value is None:
            return queryset
        if value:
            return queryset.filter(status=BrokerStatus.VERIFIED)
        return queryset.exclude(status=BrokerStatus.VERIFIED)

    def filter_q(self, queryset: QuerySet[Broker], name: str, value: str) -> QuerySet[Broker]:
        value = value.strip()
        return queryset.filter(
            Q(user__name__icontains=value)
            | Q(organization__name__icontains=value)
            | Q(certificate_number__iexact=value)
        )
