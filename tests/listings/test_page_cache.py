"""Anonymous list and search pages shared through the cache (apps.listings.page_cache): the same bytes as a
page built for the request, never stale after a write of any kind, never another reader's view."""

from __future__ import annotations

import time

import pytest
from django.db import connection
from django.test import override_settings

from apps.listings.models import Achievement, Demand, ListingStatus
from apps.listings.page_cache import CACHE_HEADER
from apps.organizations.models import Organization
from tests.factories import OrganizationFactory, member_of, operator_user
from tests.listings.factories import achievement_data, make_achievement, make_demand
from tests.listings.test_apis import _json

pytestmark = pytest.mark.django_db

PAGES = (
    "/api/v1/achievements",
    "/api/v1/achievements?page_size=1",
    "/api/v1/achievements?q=齿轮",
    "/api/v1/achievements?technology_field=03&ordering=-published_at",
    "/api/v1/demands",
    "/api/v1/demands?q=轧辊&page_size=5",
)


@pytest.fixture
def org():
    return OrganizationFactory(name="柳州示例机械厂")


@pytest.fixture
def owner(org):
    return member_of(org)


@pytest.fixture
def listings(org):
    return (
        make_achievement(org, title="齿轮精密加工", industries=["automotive"]),
        make_achievement(org, title="齿轮激光淬火", technology_field_id="03"),
        make_demand(org, title="轧辊修复技术需求"),
    )


def _titles(response):
    return [item["title"] for item in response.json()["results"]]


def test_a_cached_page_is_the_page_built_for_the_request_byte_for_byte(listings, api_client):
    for path in PAGES:
        with override_settings(LISTING_PAGE_CACHE_SECONDS=0):
            uncached = api_client.get(path)
        assert uncached.status_code == 200
        assert CACHE_HEADER not in uncached
        first, second = api_client.get(path), api_client.get(path)
        assert (first[CACHE_HEADER], second[CACHE_HEADER]) == ("MISS", "HIT"), path
        assert first.content == second.content == uncached.content, path
        assert first["Content-Type"] == second["Content-Type"] == uncached["Content-Type"]
        assert first["ETag"] == second["ETag"] == uncached["ETag"]
        assert second.json()["results"], path
        # Conditional GET still answers 304 from a cached page.
        assert api_client.get(path, HTTP_IF_NONE_MATCH=second["ETag"]).status_code == 304
    # The language is part of the key: status_display is translated.
    english = api_client.get("/api/v1/achievements", HTTP_ACCEPT_LANGUAGE="en")
    assert english[CACHE_HEADER] == "MISS"
    chinese = api_client.get("/api/v1/achievements")
    assert chinese[CACHE_HEADER] == "HIT"
    assert english.json()["results"][0]["status_display"] == "published"
    assert chinese.json()["results"][0]["status_display"] == "已发布"


def test_an_edit_through_the_api_is_visible_on_the_next_anonymous_request(listings, owner, client_for, api_client):
    achievement = listings[0]
    assert "齿轮精密加工" in _titles(api_client.get("/api/v1/achievements"))
    assert api_client.get("/api/v1/achievements")[CACHE_HEADER] == "HIT"
    owner_client, operator_client = client_for(owner), client_for(operator_user())
    path = f"/api/v1/achievements/{achievement.pk}"
    # A published listing is edited by withdrawing, reopening, editing and publishing it again.
    assert owner_client.post(f"{path}/withdraw", {"note": "修改"}).status_code == 200
    assert owner_client.post(f"{path}/reopen").status_code == 200
    edited = owner_client.patch(path, {"title": "齿轮精密磨削"}, format="json")
    assert edited.status_code == 200, edited.json()
    assert owner_client.post(f"{path}/submit").status_code == 200
    # Pages built while it is away are cached too; the approval must still show on the next request.
    assert "齿轮精密磨削" not in _titles(api_client.get("/api/v1/achievements"))
    assert api_client.get("/api/v1/achievements")[CACHE_HEADER] == "HIT"
    assert operator_client.post(f"{path}/review", {"approve": True}).json()["status"] == "published"
    after = api_client.get("/api/v1/achievements")
    assert after[CACHE_HEADER] == "MISS"
    assert "齿轮精密磨削" in _titles(after)
    assert "齿轮精密加工" not in _titles(after)
    assert "齿轮精密磨削" in _titles(api_client.get("/api/v1/achievements?q=齿轮"))


def test_a_withdrawal_removes_the_listing_from_cached_pages(listings, owner, client_for, api_client):
    achievement, _other, demand = listings
    for path in ("/api/v1/achievements", "/api/v1/achievements?q=齿轮"):
        api_client.get(path)
        assert api_client.get(path)[CACHE_HEADER] == "HIT"
    assert "轧辊修复技术需求" in _titles(api_client.get("/api/v1/demands"))
    owner_client = client_for(owner)
    assert owner_client.post(f"/api/v1/achievements/{achievement.pk}/withdraw", {"note": "暂停"}).status_code == 200
    assert owner_client.post(f"/api/v1/demands/{demand.pk}/withdraw", {"note": "暂停"}).status_code == 200
    for path in ("/api/v1/achievements", "/api/v1/achievements?q=齿轮"):
        assert achievement.pk not in [item["id"] for item in api_client.get(path).json()["results"]], path
    assert api_client.get("/api/v1/demands").json()["results"] == []


def test_a_created_and_published_listing_appears(listings, owner, client_for, api_client, org):
    before = _titles(api_client.get("/api/v1/achievements"))
    data = achievement_data(title="齿轮箱故障诊断", summary="基于振动信号的齿轮箱故障诊断方法。")
    created = client_for(owner).post("/api/v1/achievements", _json(data), format="json")
    assert created.status_code == 201, created.json()
    # A draft: the page is built again (a write happened) but shows the same listings.
    draft_page = api_client.get("/api/v1/achievements")
    assert (draft_page[CACHE_HEADER], _titles(draft_page)) == ("MISS", before)
    # Published by a write no signal sees (a queryset update, as the importer and expiry job write).
    Achievement.objects.filter(pk=created.json()["id"]).update(
        status=ListingStatus.PUBLISHED, published_at=listings[0].published_at
    )
    assert "齿轮箱故障诊断" in _titles(api_client.get("/api/v1/achievements"))


def test_writes_outside_the_orm_and_to_owners_invalidate(listings, api_client, org):
    api_client.get("/api/v1/demands")
    assert api_client.get("/api/v1/demands")[CACHE_HEADER] == "HIT"
    with connection.cursor() as cursor:
        cursor.execute("UPDATE listings_demand SET title = %s WHERE id = %s", ["轧辊堆焊修复", listings[2].pk])
    assert _titles(api_client.get("/api/v1/demands")) == ["轧辊堆焊修复"]
    # A teaser shows its owner's name.
    Organization.objects.filter(pk=org.pk).update(name="柳州新名字机械厂")
    assert api_client.get("/api/v1/demands").json()["results"][0]["owner"]["name"] == "柳州新名字机械厂"
    Demand.objects.filter(pk=listings[2].pk).delete()
    assert api_client.get("/api/v1/demands").json()["results"] == []


def test_drafts_of_another_organisation_never_reach_a_shared_page(listings, client_for, api_client, org):
    other = OrganizationFactory()
    stranger = member_of(other, email="stranger@example.cn")
    draft = make_achievement(other, title="齿轮未公开草稿", status=ListingStatus.DRAFT)
    submitted = make_demand(other, title="轧辊待审需求", status=ListingStatus.SUBMITTED)
    stranger_client = client_for(stranger)
    # Their own organisation's listings, any status, for the signed-in member: never stored nor served.
    for path in ("/api/v1/achievements?mine=true", "/api/v1/achievements?status=draft&mine=true"):
        mine = stranger_client.get(path)
        assert mine.status_code == 200
        assert CACHE_HEADER not in mine
        assert draft.pk in [item["id"] for item in mine.json()["results"]]
    # The same URLs anonymously, and the public pages, before and after the member's reads.
    for path in (
        "/api/v1/achievements?mine=true",
        "/api/v1/achievements?status=draft&mine=true",
        "/api/v1/achievements?status=draft",
        "/api/v1/achievements",
        "/api/v1/achievements?q=齿轮",
    ):
        for _ in range(2):
            response = api_client.get(path)
            assert response.status_code == 200
            assert draft.pk not in [item["id"] for item in response.json()["results"]], path
    for path in ("/api/v1/demands", "/api/v1/demands?q=轧辊", "/api/v1/demands?status=submitted"):
        api_client.get(path)
        assert submitted.pk not in [item["id"] for item in api_client.get(path).json()["results"]], path
    # A signed-in reader is never served an anonymous page either.
    api_client.get("/api/v1/achievements")
    assert CACHE_HEADER not in stranger_client.get("/api/v1/achievements")


def test_pages_expire(listings, api_client):
    with override_settings(LISTING_PAGE_CACHE_SECONDS=1):
        api_client.get("/api/v1/demands")
        assert api_client.get("/api/v1/demands")[CACHE_HEADER] == "HIT"
        time.sleep(1.2)
        assert api_client.get("/api/v1/demands")[CACHE_HEADER] == "MISS"


def test_cached_pages_still_count_against_the_anonymous_rate(listings, api_client, throttle_rates):
    throttle_rates(anon="3/min")
    answers = [api_client.get("/api/v1/achievements") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a.get(CACHE_HEADER) for a in answers[:3]] == ["MISS", "HIT", "HIT"]
    assert [a["RateLimit"] for a in answers[:3]] == ['"anon";r=2;t=60', '"anon";r=1;t=60', '"anon";r=0;t=60']
    assert 0 < int(answers[3]["Retry-After"]) <= 60


def test_the_anonymous_window_slides(listings, api_client, throttle_rates):
    throttle_rates(anon="2/s")
    assert [api_client.get("/api/v1/demands").status_code for _ in range(3)] == [200, 200, 429]
    time.sleep(1.05)
    # The two requests of the last second have left the window; the refused one never entered it.
    assert [api_client.get("/api/v1/demands").status_code for _ in range(3)] == [200, 200, 429]
