"""The notifications API: a user's own notifications, read marks and the unread badge."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.notifications.models import Notification
from tests.factories import UserFactory
from tests.notifications.factories import NotificationFactory

pytestmark = pytest.mark.django_db

PROBLEM_KEYS = {"type", "title", "status", "detail", "code", "errors"}
LIST_URL = "/api/v1/notifications"


def detail_url(pk: int) -> str:
    return f"/api/v1/notifications/{pk}"


def read_url(pk: int) -> str:
    return f"/api/v1/notifications/{pk}/read"


def assert_problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body.keys() >= PROBLEM_KEYS
    assert (body["status"], body["code"], body["type"]) == (status, code, f"urn:marketplace:problem:{code}")
    return body


@pytest.fixture
def actor():
    return UserFactory()


@pytest.fixture
def client(actor, client_for):
    return client_for(actor)


class TestList:
    def test_lists_own_notifications_newest_first(self, client, actor):
        older = NotificationFactory(recipient=actor, title="柳州测试企业有限公司已通过认证")
        newer = NotificationFactory(recipient=actor, read_at=timezone.now(), body="")
        NotificationFactory()  # someone else's

        response = client.get(LIST_URL)

        assert response.status_code == 200
        body = response.json()
        assert [row["id"] for row in body["results"]] == [newer.pk, older.pk]
        assert body["next"] is None
        row = body["results"][1]
        assert row == {
            "id": older.pk,
            "kind": "organization.verification",
            "title": "柳州测试企业有限公司已通过认证",
            "body": "贵单位现在可以在科技大市场发布成果和需求。",
            "target_type": "",
            "target_id": "",
            "is_read": False,
            "read_at": None,
            "created_at": row["created_at"],
        }
        assert body["results"][0]["is_read"] is True
        # Chinese text travels as UTF-8, not \\u escapes.
        assert "柳州测试企业有限公司已通过认证".encode() in response.content

    @pytest.mark.parametrize(("query", "expected"), [("true", ["unread"]), ("false", ["read"]), ("1", ["unread"])])
    def test_unread_filter(self, client, actor, query, expected):
        rows = {
            "unread": NotificationFactory(recipient=actor),
            "read": NotificationFactory(recipient=actor, read_at=timezone.now()),
        }
        response = client.get(LIST_URL, {"unread": query})
        assert response.status_code == 200
        assert [row["id"] for row in response.json()["results"]] == [rows[name].pk for name in expected]

    def test_kind_filter(self, client, actor):
        wanted = NotificationFactory(recipient=actor, kind="deal.stage")
        NotificationFactory(recipient=actor, kind="organization.verification")
        response = client.get(LIST_URL, {"kind": "deal.stage"})
        assert [row["id"] for row in response.json()["results"]] == [wanted.pk]

    @pytest.mark.parametrize("params", [{"unread": "maybe"}, {"kind": "k" * 65}])
    def test_bad_filter_is_a_400_problem(self, client, actor, params):
        NotificationFactory(recipient=actor)
        body = assert_problem(client.get(LIST_URL, params), 400, "validation_error")
        assert {e["field"] for e in body["errors"]} == set(params)

    def test_pages_with_a_cursor(self, client, actor):
        rows = NotificationFactory.create_batch(5, recipient=actor)
        newest_first = [n.pk for n in reversed(rows)]

        first = client.get(LIST_URL, {"page_size": 2}).json()
        second = client.get(first["next"]).json()

        assert [row["id"] for row in first["results"]] == newest_first[:2]
        assert [row["id"] for row in second["results"]] == newest_first[2:4]

    def test_page_size_is_capped(self, client, actor, monkeypatch):
        from apps.core.pagination import StandardCursorPagination

        monkeypatch.setattr(StandardCursorPagination, "max_page_size", 2)
        NotificationFactory.create_batch(3, recipient=actor)
        response = client.get(LIST_URL, {"page_size": 10_000})
        assert response.status_code == 200
        assert len(response.json()["results"]) == 2

    @pytest.mark.parametrize("count", [1, 15])
    def test_query_count_does_not_grow_with_rows(self, client, actor, count, django_assert_num_queries):
        NotificationFactory.create_batch(count, recipient=actor)
        # One query authenticates the user, one reads the page.
        with django_assert_num_queries(2):
            response = client.get(LIST_URL)
        assert len(response.json()["results"]) == count


class TestDetail:
    def test_own_notification(self, client, actor):
        notification = NotificationFactory(recipient=actor)
        response = client.get(detail_url(notification.pk))
        assert response.status_code == 200
        assert response.json()["id"] == notification.pk
        assert response.json()["title"] == notification.title

    def test_someone_elses_is_a_404_problem(self, client):
        notification = NotificationFactory()
        body = assert_problem(client.get(detail_url(notification.pk)), 404, "not_found")
        assert notification.title not in str(body)

    def test_missing_is_the_same_404(self, client):
        assert_problem(client.get(detail_url(999_999_999)), 404, "not_found")


class TestRead:
    def test_marks_read(self, client, actor):
        notification = NotificationFactory(recipient=actor)
        response = client.post(read_url(notification.pk))
        assert response.status_code == 200
        assert response.json()["is_read"] is True
        notification.refresh_from_db()
        assert notification.read_at is not None
        assert response.json()["read_at"] is not None

    def test_reading_again_keeps_the_first_time(self, client, actor):
        first_read = timezone.now() - timedelta(days=3)
        notification = NotificationFactory(recipient=actor, read_at=first_read)
        assert client.post(read_url(notification.pk)).status_code == 200
        notification.refresh_from_db()
        assert notification.read_at == first_read

    def test_someone_elses_is_a_404_problem_and_stays_unread(self, client):
        notification = NotificationFactory()
        assert_problem(client.post(read_url(notification.pk)), 404, "not_found")
        notification.refresh_from_db()
        assert notification.read_at is None

    def test_get_is_not_allowed(self, client, actor):
        notification = NotificationFactory(recipient=actor)
        assert_problem(client.get(read_url(notification.pk)), 405, "method_not_allowed")


class TestReadAll:
    def test_marks_only_own_unread(self, client, actor):
        NotificationFactory.create_batch(3, recipient=actor)
        NotificationFactory(recipient=actor, read_at=timezone.now())
        someone_elses = NotificationFactory()

        response = client.post("/api/v1/notifications/read-all")

        assert response.status_code == 200
        assert response.json() == {"marked_read": 3}
        assert not Notification.objects.filter(recipient=actor, read_at__isnull=True).exists()
        someone_elses.refresh_from_db()
        assert someone_elses.read_at is None
        assert client.post("/api/v1/notifications/read-all").json() == {"marked_read": 0}


class TestUnreadCount:
    def test_counts_own_unread(self, client, actor):
        NotificationFactory.create_batch(2, recipient=actor)
        NotificationFactory(recipient=actor, read_at=timezone.now())
        NotificationFactory()
        response = client.get("/api/v1/notifications/unread-count")
        assert response.status_code == 200
        assert response.json() == {"unread": 2}

    def test_follows_reading(self, client, actor):
        notification = NotificationFactory(recipient=actor)
        client.post(read_url(notification.pk))
        assert client.get("/api/v1/notifications/unread-count").json() == {"unread": 0}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", LIST_URL),
        ("get", "/api/v1/notifications/{pk}"),
        ("post", "/api/v1/notifications/{pk}/read"),
        ("post", "/api/v1/notifications/read-all"),
        ("get", "/api/v1/notifications/unread-count"),
    ],
)
def test_unauthenticated_is_a_401_problem(api_client, method, path):
    notification = NotificationFactory()
    response = getattr(api_client, method)(path.format(pk=notification.pk))
    assert_problem(response, 401, "not_authenticated")
    notification.refresh_from_db()
    assert notification.read_at is None
