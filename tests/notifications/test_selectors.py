"""Each user reads only their own notifications."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.http import Http404
from django.utils import timezone

from apps.notifications.selectors import access_notification, notification_list, unread_count
from tests.factories import UserFactory
from tests.notifications.factories import NotificationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def actor():
    return UserFactory()


@pytest.fixture
def mixed(actor):
    """The actor's unread verification notice, read membership notice and unread deal notice; one not theirs."""
    earlier = timezone.now() - timedelta(hours=1)
    return {
        "unread_verification": NotificationFactory(recipient=actor, kind="organization.verification"),
        "read_membership": NotificationFactory(recipient=actor, kind="organization.membership", read_at=earlier),
        "unread_deal": NotificationFactory(recipient=actor, kind="deal.stage"),
        "other": NotificationFactory(kind="organization.verification"),
    }


class TestNotificationList:
    def test_only_the_actors_own_newest_first(self, actor, mixed):
        result = list(notification_list(actor=actor, filters={}))
        assert result == [mixed["unread_deal"], mixed["read_membership"], mixed["unread_verification"]]

    def test_unread_true_and_false(self, actor, mixed):
        assert list(notification_list(actor=actor, filters={"unread": True})) == [
            mixed["unread_deal"],
            mixed["unread_verification"],
        ]
        assert list(notification_list(actor=actor, filters={"unread": False})) == [mixed["read_membership"]]

    def test_kind(self, actor, mixed):
        assert list(notification_list(actor=actor, filters={"kind": "organization.verification"})) == [
            mixed["unread_verification"]
        ]

    def test_filters_combine(self, actor, mixed):
        assert list(notification_list(actor=actor, filters={"kind": "organization.membership", "unread": True})) == []

    def test_absent_filters_do_not_filter(self, actor, mixed):
        assert len(notification_list(actor=actor, filters={"unread": None, "kind": ""})) == 3
        assert len(notification_list(actor=actor, filters=None)) == 3


class TestAccessNotification:
    def test_own(self, actor, mixed):
        assert access_notification(actor=actor, pk=mixed["unread_deal"].pk) == mixed["unread_deal"]

    def test_someone_elses_is_404(self, actor, mixed):
        with pytest.raises(Http404):
            access_notification(actor=actor, pk=mixed["other"].pk)

    def test_missing_is_404(self, actor):
        with pytest.raises(Http404):
            access_notification(actor=actor, pk=999_999_999)


def test_unread_count_counts_only_the_actors_unread(actor, mixed):
    assert unread_count(actor=actor) == 2
    assert unread_count(actor=mixed["other"].recipient) == 1
    assert unread_count(actor=UserFactory()) == 0
