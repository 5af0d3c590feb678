"""List pages of teasers, read as plain rows and shaped into JSON without model instances.

A list page is the market's busiest read. Building model instances and running them through nested
DRF serializers cost more than the database did (about 1 ms a row), so list pages select exactly
the teaser columns, the related names by join and an achievement's industries as one JSON array per
row, and shape them here. The output is the same as ``AchievementListOutputSerializer`` and
``DemandListOutputSerializer`` give (those document the API and serve detail pages); a test holds
the two to each other.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import OuterRef, QuerySet
from django.db.models.functions import JSONObject
from rest_framework import serializers

from apps.listings.models import Achievement, Demand, ListingStatus

COMMON_COLUMNS = (
    "id",
    "status",
    "language",
    "title",
    "translated_title",
    "keywords",
    "cooperation_modes",
    "published_at",
    "created_at",
    "technology_field_id",
    "technology_field__name_zh",
    "technology_field__name_en",
    "owner_id",
    "owner__name",
    "owner__type",
    "region_id",
    "region__name_zh",
)
ACHIEVEMENT_COLUMNS = ("summary", "trl", "stage", "attribute", "price_type", "price_min", "price_max", "expires_on")
DEMAND_COLUMNS = (
    "description",
    "industry_id",
    "industry__name_zh",
    "industry__name_en",
    "budget_min",
    "budget_max",
    "deadline",
    "wanted_stage",
)


def teaser_rows(qs: QuerySet[Any], model: type[Achievement] | type[Demand]) -> QuerySet[Any]:
    """``qs`` as the rows a list page shows: one query, whatever the page size."""
    if model is Achievement:
        industries = ArraySubquery(
            Achievement.industries.through.objects.filter(achievement_id=OuterRef("pk"))
            .order_by("industry__sort_order", "industry__code")
            .values(json=JSONObject(code="industry__code", name="industry__name_zh", name_en="industry__name_en"))
        )
        return qs.values(*COMMON_COLUMNS, *ACHIEVEMENT_COLUMNS, industry_list=industries)
    return qs.values(*COMMON_COLUMNS, *DEMAND_COLUMNS)


# DRF's own field conversions, so that time zones, "Z" and decimal places come out exactly as elsewhere.
_datetime = serializers.DateTimeField().to_representation
_date = serializers.DateField().to_representation
_money = serializers.DecimalField(max_digits=16, decimal_places=2).to_representation


def _optional(convert: Callable[[Any], Any], value: Any) -> Any:
    return None if value is None else convert(value)


def render_teasers(rows: Iterable[dict[str, Any]], model: type[Achievement] | type[Demand]) -> list[dict[str, Any]]:
    """The JSON objects of a list page, in the order of ``rows``."""
    status_labels = {value: str(label) for value, label in ListingStatus.choices}  # in the request's language
    achievement = model is Achievement
    out = []
    for row in rows:
        item = {
            "id": row["id"],
            "status": row["status"],
            "status_display": status_labels[row["status"]],
            "language": row["language"],
            "title": row["title"],
            "translated_title": row["translated_title"],
            "technology_field": {
                "code": row["technology_field_id"],
                "name": row["technology_field__name_zh"],
                "name_en": row["technology_field__name_en"],
            },
            "keywords": row["keywords"],
            "cooperation_modes": row["cooperation_modes"],
            "owner": {"id": row["owner_id"], "name": row["owner__name"], "type": row["owner__type"]},
            "region": {"code": row["region_id"], "name": row["region__name_zh"]} if row["region_id"] else None,
            "published_at": _optional(_datetime, row["published_at"]),
            "created_at": _datetime(row["created_at"]),
        }
        if achievement:
            item.update(
                summary=row["summary"],
                industries=row["industry_list"],
                trl=row["trl"],
                stage=row["stage"],
                attribute=row["attribute"],
                price_type=row["price_type"],
                price_min=_optional(_money, row["price_min"]),
                price_max=_optional(_money, row["price_max"]),
                expires_on=_optional(_date, row["expires_on"]),
            )
        else:
            industry = None
            if row["industry_id"] is not None:
                industry = {
                    "code": row["industry_id"],
                    "name": row["industry__name_zh"],
                    "name_en": row["industry__name_en"],
                }
            item.update(
                description=row["description"],
                industry=industry,
                budget_min=_optional(_money, row["budget_min"]),
                budget_max=_optional(_money, row["budget_max"]),
                deadline=_date(row["deadline"]),
                wanted_stage=row["wanted_stage"],
            )
        out.append(item)
    return out
