"""Saved searches over HTTP: create, read, change, delete one's own; bad input; nobody else's; the preview."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from apps.accounts.models import User
from apps.alerts.models import SavedSearch
from apps.alerts.services import saved_search_send_digest
from tests.factories import OrganizationFactory, UserFactory, member_of
from tests.listings.factories import make_achievement, make_demand

pytestmark = pytest.mark.django_db

URL = "/api/v1/saved-searches"


def body(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "柳州汽车 · 机器视觉",
        "kinds": ["achievement", "demand"],
        "technology_fields": ["03"],
        "regions": ["450200"],
        "keywords": ["机器视觉", "defect detection"],
        "frequency": "weekly",
    }
    data.update(overrides)
    return data


@pytest.fixture
def watcher() -> User:
    # Anyone with an account: no organisation, no demand posted.
    return UserFactory(preferred_language="zh-hans")


def test_create_read_update_delete(watcher: User, client_for: Callable[[User], APIClient]) -> None:
    client = client_for(watcher)
    created = client.post(URL, body(), format="json")
    assert created.status_code == 201, created.json()
    saved = created.json()
    assert created["Location"] == f"{URL}/{saved['id']}"
    assert saved["kinds"] == ["achievement", "demand"]
    assert saved["keywords"] == ["机器视觉", "defect detection"]
    assert (saved["in_app"], saved["email"], saved["include_own_organization"]) == (True, True, False)
    assert client.get(f"{URL}/{saved['id']}").json()["name"] == "柳州汽车 · 机器视觉"
    assert [row["id"] for row in client.get(URL).json()["results"]] == [saved["id"]]

    changed = client.patch(f"{URL}/{saved['id']}", {"frequency": "daily", "email": False}, format="json")
    assert changed.status_code == 200, changed.json()
    assert (changed.json()["frequency"], changed.json()["email"], changed.json()["regions"]) == (
        "daily",
        False,
        ["450200"],
    )
    assert client.delete(f"{URL}/{saved['id']}").status_code == 204
    assert client.get(f"{URL}/{saved['id']}").status_code == 404
    assert not SavedSearch.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"technology_fields": [], "regions": [], "keywords": []}, "technology_fields", "saved_search_no_criteria"),
        ({"in_app": False, "email": False}, "email", "saved_search_no_channel"),
        ({"technology_fields": ["99"]}, "technology_fields", "saved_search_unknown_code"),
        ({"regions": ["459999"]}, "regions", "saved_search_unknown_code"),
        ({"industries": ["no-such-industry"]}, "industries", "saved_search_unknown_code"),
        ({"keywords": ["的 和"]}, "keywords", "saved_search_empty_keyword"),
        ({"kinds": []}, "kinds", "empty"),
        ({"kinds": ["patent"]}, "kinds", "invalid_choice"),
        ({"frequency": "hourly"}, "frequency", "invalid_choice"),
        ({"keywords": ["词"] * 11}, "keywords", "max_length"),
    ],
)
def test_bad_input_is_refused_and_nothing_stored(
    watcher: User, client_for: Callable[[User], APIClient], overrides: dict[str, Any], field: str, code: str
) -> None:
    response = client_for(watcher).post(URL, body(**overrides), format="json")
    assert response.status_code == 400, response.json()
    assert response["Content-Type"].startswith("application/problem+json")
    errors = {(e["field"].split(".")[0], e["code"]) for e in response.json()["errors"]}
    assert (field, code) in errors, response.json()
    assert not SavedSearch.objects.exists()


def test_a_patch_that_breaks_the_rules_changes_nothing(watcher: User, client_for: Callable[[User], APIClient]) -> None:
    client = client_for(watcher)
    saved = client.post(URL, body(in_app=False), format="json").json()
    response = client.patch(f"{URL}/{saved['id']}", {"email": False}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "saved_search_no_channel"
    assert SavedSearch.objects.get().email is True


def test_the_limit_per_user(watcher: User, client_for: Callable[[User], APIClient], settings: Any) -> None:
    settings.ALERTS_MAX_SAVED_SEARCHES = 2
    client = client_for(watcher)
    assert [client.post(URL, body(), format="json").status_code for _ in range(3)] == [201, 201, 400]
    assert SavedSearch.objects.count() == 2


def test_nobody_else_reads_or_changes_my_saved_searches(
    watcher: User, client_for: Callable[[User], APIClient], api_client: APIClient
) -> None:
    saved = client_for(watcher).post(URL, body(), format="json").json()
    other = client_for(member_of(OrganizationFactory()))
    for response in (
        other.get(f"{URL}/{saved['id']}"),
        other.patch(f"{URL}/{saved['id']}", {"name": "偷看"}, format="json"),
        other.delete(f"{URL}/{saved['id']}"),
        other.get(f"{URL}/{saved['id']}/preview"),
        other.get(f"{URL}/{saved['id']}/digests"),
    ):
        assert response.status_code == 404
    assert other.get(URL).json()["results"] == []
    assert api_client.get(URL).status_code == 401
    assert api_client.post(URL, body(), format="json").status_code == 401
    assert SavedSearch.objects.get().name == "柳州汽车 · 机器视觉"


def test_preview_shows_what_the_next_digest_would_hold(
    watcher: User, client_for: Callable[[User], APIClient], django_assert_max_num_queries: Any
) -> None:
    client = client_for(watcher)
    saved = client.post(URL, body(), format="json").json()
    owner = OrganizationFactory()
    seen = make_achievement(owner, title="发动机缸体机器视觉缺陷检测", keywords=["机器视觉"])
    english = make_achievement(owner, title="Gearbox defect detection line", keywords=["inspection"], language="en")
    make_achievement(owner, status="draft", title="草稿：机器视觉检测", keywords=["机器视觉"])
    make_achievement(owner, technology_field="01", title="电子信息：机器视觉芯片")  # another field
    make_demand(OrganizationFactory(region_id="450100"), title="南宁：机器视觉需求")  # another region
    with django_assert_max_num_queries(12):
        preview = client.get(f"{URL}/{saved['id']}/preview")
    assert preview.status_code == 200, preview.json()
    items = preview.json()["items"]
    assert [(i["kind"], i["id"]) for i in items] == [("achievement", seen.pk), ("achievement", english.pk)]
    assert preview.json()["total"] == 2
    assert items[0]["url"] == f"/api/v1/achievements/{seen.pk}"
    # A preview sends nothing and marks nothing.
    assert client.get(f"{URL}/{saved['id']}/preview").json()["total"] == 2
    assert client.get(f"{URL}/{saved['id']}/digests").json()["results"] == []


def test_list_query_counts(
    watcher: User, client_for: Callable[[User], APIClient], django_assert_num_queries: Any
) -> None:
    client = client_for(watcher)
    saved = client.post(URL, body(), format="json").json()
    # user + page, with one saved search or five.
    with django_assert_num_queries(2):
        assert len(client.get(URL).json()["results"]) == 1
    for _ in range(4):
        client.post(URL, body(), format="json")
    with django_assert_num_queries(2):
        assert len(client.get(URL).json()["results"]) == 5
    make_achievement(OrganizationFactory(), title="机器视觉检测平台", keywords=["机器视觉"])
    saved_search_send_digest(saved_search_id=saved["id"], now=timezone.now() + timedelta(days=8))
    # user + the saved search + page + items prefetch.
    with django_assert_num_queries(4):
        digests = client.get(f"{URL}/{saved['id']}/digests").json()["results"]
    assert [(d["item_count"], d["items"][0]["title"]) for d in digests] == [(1, "机器视觉检测平台")]
