"""The operator's admin pages for notifications: searchable in Chinese, filterable, read-only."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tests.factories import UserFactory
from tests.notifications.factories import NotificationFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/notifications/notification/"


def test_search_by_chinese_title(admin_client):
    wanted = NotificationFactory(title="柳州螺蛳粉技术需求已匹配")
    NotificationFactory(title="桂林米粉工艺成果已发布")

    response = admin_client.get(CHANGELIST, {"q": "螺蛳粉"})

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [wanted]


def test_filter_by_read(admin_client):
    read = NotificationFactory(read_at=timezone.now())
    unread = NotificationFactory()
    assert list(admin_client.get(CHANGELIST, {"read": "yes"}).context["cl"].result_list) == [read]
    assert list(admin_client.get(CHANGELIST, {"read": "no"}).context["cl"].result_list) == [unread]


def test_filter_by_kind(admin_client):
    deal = NotificationFactory(kind="deal.stage")
    NotificationFactory(kind="organization.verification")
    assert list(admin_client.get(CHANGELIST, {"kind": "deal.stage"}).context["cl"].result_list) == [deal]


def test_staff_can_view_but_not_add_or_change(admin_client):
    notification = NotificationFactory(recipient=UserFactory())
    assert admin_client.get(f"{CHANGELIST}add/").status_code == 403
    view = admin_client.get(f"{CHANGELIST}{notification.pk}/change/")
    assert view.status_code == 200
    assert notification.title in view.content.decode()
    title_before = notification.title
    admin_client.post(f"{CHANGELIST}{notification.pk}/change/", {"title": "改过的标题"})
    notification.refresh_from_db()
    assert notification.title == title_before
