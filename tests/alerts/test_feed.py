"""The public listings feed: JSON and Atom, anonymous, nothing private, cacheable, rate-limited."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from apps.listings.models import Achievement, ListingStatus
from tests.challenges.factories import draft_challenge, open_challenge
from tests.factories import OrganizationFactory
from tests.listings.factories import make_achievement, make_demand

pytestmark = pytest.mark.django_db

URL = "/api/v1/open-data/listings"
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def market() -> dict[str, Any]:
    owner = OrganizationFactory()
    published = make_achievement(owner, title="柳州螺蛳粉汤料杀菌新工艺")
    demand = make_demand(owner, title="变速箱齿轮降噪技术需求")
    challenge = open_challenge()
    hidden = [
        make_achievement(owner, status=ListingStatus.DRAFT, title="草稿成果"),
        make_achievement(owner, status=ListingStatus.SUBMITTED, title="待审成果"),
        make_achievement(owner, status=ListingStatus.WITHDRAWN, title="撤回成果"),
        make_demand(owner, status=ListingStatus.REJECTED, title="被退回需求"),
    ]
    draft = draft_challenge()
    # The challenge opened last; the achievement is the oldest.
    Achievement.objects.filter(pk=published.pk).update(published_at=timezone.now() - timedelta(hours=1))
    return {"published": published, "demand": demand, "challenge": challenge, "hidden": hidden, "draft": draft}


def test_json_feed_lists_public_items_only(
    api_client: APIClient, market: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(3):
        response = api_client.get(URL)
    assert response.status_code == 200, response.json()
    items = response.json()["items"]
    # The challenges' demands are published demands; the draft challenge itself is not public.
    assert {(i["kind"], i["id"]) for i in items} == {
        ("challenge", market["challenge"].pk),
        ("demand", market["challenge"].demand_id),
        ("demand", market["draft"].demand_id),
        ("demand", market["demand"].pk),
        ("achievement", market["published"].pk),
    }
    published = [i["published_at"] for i in items]
    assert published == sorted(published, reverse=True)
    assert items[-1]["title"] == "柳州螺蛳粉汤料杀菌新工艺"
    assert items[-1]["technology_field_name"]
    assert not {i["title"] for i in items} & {"草稿成果", "待审成果", "撤回成果", "被退回需求"}
    assert "public" in response["Cache-Control"]
    assert response["ETag"] and response["Last-Modified"]
    only = api_client.get(URL, {"kind": "achievement", "limit": 1}).json()["items"]
    assert [(i["kind"], i["id"]) for i in only] == [("achievement", market["published"].pk)]
    assert api_client.get(URL, {"limit": 0}).status_code == 400
    assert api_client.get(URL, {"kind": "draft"}).status_code == 400


def test_a_stale_token_still_reads_the_feed(market: dict[str, Any]) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    assert client.get(URL).status_code == 200


def test_feed_answers_304_to_a_current_copy(api_client: APIClient, market: dict[str, Any]) -> None:
    first = api_client.get(URL)
    again = api_client.get(URL, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert again.content == b""
    by_date = api_client.get(URL, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert by_date.status_code == 304
    make_achievement(OrganizationFactory(), title="新发布：汽车轻量化材料")
    changed = api_client.get(URL, HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200
    assert changed.json()["items"][0]["title"] == "新发布：汽车轻量化材料"


def test_atom_feed_with_chinese_titles(api_client: APIClient, market: dict[str, Any]) -> None:
    response = api_client.get(f"{URL}.atom", HTTP_ACCEPT="application/atom+xml", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)  # noqa: S314 - our own output
    entries = feed.findall(f"{ATOM}entry")
    titles = [entry.findtext(f"{ATOM}title") for entry in entries]
    assert len(titles) == 5
    assert "【科技成果】柳州螺蛳粉汤料杀菌新工艺" in titles
    assert "【技术需求】变速箱齿轮降噪技术需求" in titles
    links = [entry.find(f"{ATOM}link").get("href") for entry in entries]  # type: ignore[union-attr]
    assert f"http://testserver/api/v1/achievements/{market['published'].pk}" in links
    assert api_client.get(f"{URL}.atom", HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304


def test_the_feed_is_rate_limited_like_anonymous_reads(
    api_client: APIClient, market: dict[str, Any], throttle_rates: Callable[..., None]
) -> None:
    throttle_rates(anon="2/min")
    assert [api_client.get(URL).status_code for _ in range(3)] == [200, 200, 429]
    assert api_client.get(f"{URL}.atom").status_code == 429
