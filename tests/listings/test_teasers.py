"""List pages are shaped from plain rows (apps.listings.teasers); they must say exactly what the
documented output serializers say about the same listings."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone, translation
from rest_framework.renderers import JSONRenderer

from apps.listings.apis import (
    AchievementListOutputSerializer,
    DemandListOutputSerializer,
)
from apps.listings.models import Achievement, Demand, ListingStatus
from apps.listings.selectors import with_related
from tests.factories import OrganizationFactory, member_of
from tests.listings.factories import make_achievement, make_demand

pytestmark = pytest.mark.django_db


@pytest.fixture
def org():
    return OrganizationFactory(name="柳州示例机械厂")


def _serialized(model, serializer, language):
    with translation.override(language):
        rows = with_related(model.objects.order_by("-id"), model)
        return [dict(item) for item in serializer(rows, many=True).data]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_achievement_page_matches_serializer(org, client_for, language):
    make_achievement(org, industries=["automotive", "steel"])
    make_achievement(org, price_type="negotiable", price_min=None, price_max=None, trl=2, keywords=[])
    make_achievement(
        org,
        price_type="fixed",
        price_min=Decimal("1234.50"),
        price_max=Decimal("1234.50"),
        expires_on=timezone.localdate() + timedelta(days=30),
        language="en",
        title="Laser cladding of <b>rolls</b>",
        translated_title="轧辊激光熔覆",
    )
    make_achievement(org, status=ListingStatus.DRAFT, industries=["automotive"])
    body = client_for(member_of(org)).get(
        "/api/v1/achievements?mine=true&ordering=-created_at", HTTP_ACCEPT_LANGUAGE=language
    )
    assert body.status_code == 200
    expected = _serialized(Achievement, AchievementListOutputSerializer, language)
    assert len(expected) == 4
    assert body.json()["results"] == expected
    if language == "zh-hans":
        assert {item["status_display"] for item in expected} == {"草稿", "已发布"}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_demand_page_matches_serializer(org, client_for, language):
    make_demand(org, industry="steel", wanted_stage="pilot")
    make_demand(org, budget_min=None, budget_max=None)
    make_demand(org, status=ListingStatus.SUBMITTED, budget_min=Decimal("0.10"), budget_max=None)
    body = client_for(member_of(org)).get(
        "/api/v1/demands?mine=true&ordering=-created_at", HTTP_ACCEPT_LANGUAGE=language
    )
    assert body.status_code == 200
    expected = _serialized(Demand, DemandListOutputSerializer, language)
    assert len(expected) == 3
    assert body.json()["results"] == expected
    assert expected[-1]["industry"]["code"] == "steel"
    assert expected[0]["industry"] is None


def test_search_page_by_relevance_matches_serializer(org, api_client):
    make_achievement(org, title="齿轮激光淬火", industries=["steel"])
    make_achievement(org, title="齿轮齿轮精密加工", industries=["automotive", "steel"])
    body = api_client.get("/api/v1/achievements?q=齿轮")
    assert body.status_code == 200
    results = body.json()["results"]
    by_id = {item["id"]: item for item in _serialized(Achievement, AchievementListOutputSerializer, "zh-hans")}
    assert len(results) == 2
    assert results == [by_id[item["id"]] for item in results]


def test_list_page_is_drfs_json_byte_for_byte_and_answers_304_while_unchanged(org, api_client, client_for):
    # The list pages are written by orjson (apps.core.renderers): the bytes must be DRF's own rendering,
    # escapes (quotes, backslashes, U+2028) and non-ASCII included.
    make_achievement(org, title='齿轮 "激光" 淬火 \\ 😀', summary="第一行\u2028第二行\u2029", industries=["steel"])
    make_demand(org, title="轧辊\t修复", budget_min=Decimal("0.10"))
    for path in ("/api/v1/achievements", "/api/v1/demands", "/api/v1/achievements?q=齿轮"):
        page = api_client.get(path)
        assert page.status_code == 200
        assert page.content == JSONRenderer().render(page.json())
        assert b"\\u2028" in page.content or "achievements" not in path
    # Anonymous pages come from a queryset built once per process: the same as a signed-in outsider's.
    outsider = client_for(member_of(OrganizationFactory()))
    for path in ("/api/v1/achievements?page_size=1", "/api/v1/demands?ordering=created_at"):
        anonymous = api_client.get(path).json()
        assert anonymous == outsider.get(path).json()
        assert anonymous["results"] and api_client.get(anonymous["next"] or path).status_code == 200
    first = api_client.get("/api/v1/achievements")
    etag = first["ETag"]
    again = api_client.get("/api/v1/achievements", HTTP_IF_NONE_MATCH=etag)
    assert (again.status_code, again.content, again["ETag"]) == (304, b"", etag)
    make_achievement(org, title="新发布的成果")
    changed = api_client.get("/api/v1/achievements", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag
    assert changed.json()["results"][0]["title"] == "新发布的成果"
