"""Notification factories (kept beside the tests: tests/factories.py belongs to everyone)."""

from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from apps.notifications.models import Notification
from tests.factories import UserFactory


class NotificationFactory(DjangoModelFactory):
    class Meta:
        model = Notification

    recipient = factory.SubFactory(UserFactory)
    kind = "organization.verification"
    title = factory.Sequence(lambda n: f"柳州测试企业{n}有限公司已通过认证")
    body = "贵单位现在可以在科技大市场发布成果和需求。"
