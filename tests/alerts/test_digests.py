"""Digests end to end: the hourly beat task records the digest effects, the effect machinery runs them,
the notification reaches the user in-app and through a real SMTP server, in their language; nothing twice,
nothing private, nothing of their own organisation unless asked."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from rest_framework.test import APIClient

from apps.accounts.models import User
from apps.alerts.models import Digest, DigestItem
from apps.alerts.services import saved_search_send_digest
from apps.alerts.tasks import send_digests
from apps.core.effects import run_pending_effects
from apps.core.models import Effect
from apps.listings.models import ListingStatus
from apps.notifications.models import Notification
from tests.challenges.factories import issuer_member, open_challenge, published_demand
from tests.factories import OrganizationFactory, UserFactory, member_of
from tests.listings.factories import make_achievement
from tests.smtp_sink import SMTPSink

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)


def at(moment: datetime) -> time_machine.travel:
    return time_machine.travel(moment, tick=False)


@pytest.fixture
def smtp(settings: Any) -> Iterator[SMTPSink]:
    with SMTPSink() as sink:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sink.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        yield sink


def follow(client: APIClient, **overrides: Any) -> dict[str, Any]:
    data = {
        "name": "电池热管理",
        "kinds": ["achievement", "demand", "challenge"],
        "keywords": ["电池热管理", "机器视觉"],
        "frequency": "daily",
        **overrides,
    }
    response = client.post("/api/v1/saved-searches", data, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def digest_mails(sink: SMTPSink) -> list[Any]:
    # Other notifications of the flow (a challenge's review …) reach the same server.
    # A digest's subject in English or in zh-hans ("您关注的“…”有 n 条新信息").
    return [m for m in sink.messages if "saved search" in str(m["Subject"]) or "您关注的" in str(m["Subject"])]


def beat() -> int:
    """The beat task as Celery beat calls it, then the effects it recorded, as the worker runs them."""
    recorded = send_digests.apply().get()
    run_pending_effects()
    return int(recorded)


def test_digest_end_to_end(smtp: SMTPSink, client_for: Callable[[User], APIClient]) -> None:
    own_org = OrganizationFactory()
    watcher = member_of(own_org, preferred_language="zh-hans", email="watcher@example.cn")
    english = UserFactory(preferred_language="en", email="english@example.cn")
    with at(START):
        saved = follow(client_for(watcher))
        follow(client_for(english), kinds=["achievement"])
    with at(START + timedelta(hours=2)):
        issuer = issuer_member()
        demand = published_demand(actor=issuer)  # 新能源汽车电池热管理技术需求
        achievement = make_achievement(OrganizationFactory(), title="汽车零部件机器视觉检测系统")
        make_achievement(OrganizationFactory(), status=ListingStatus.DRAFT, title="草稿：机器视觉")
        make_achievement(OrganizationFactory(), status=ListingStatus.SUBMITTED, title="待审：机器视觉")
        mine = make_achievement(own_org, title="本单位：机器视觉")
    with at(START + timedelta(hours=3)):
        challenge = open_challenge(issuer=issuer)

    # Not yet due: the beat records nothing.
    with at(START + timedelta(hours=23)):
        assert beat() == 0
    with at(START + timedelta(days=1, minutes=40)):
        assert beat() == 2
    digest = Digest.objects.get(saved_search_id=saved["id"])
    sent = {(item.kind, item.object_id) for item in digest.items.all()}
    # The challenge's own demand is a published demand too.
    assert sent == {
        ("demand", demand.pk),
        ("demand", challenge.demand_id),
        ("achievement", achievement.pk),
        ("challenge", challenge.pk),
    }
    assert ("achievement", mine.pk) not in sent

    # In-app, over the API, in the watcher's language (the kind names are the catalogue's).
    inbox = client_for(watcher).get("/api/v1/notifications", {"kind": "alerts.digest"}).json()["results"]
    assert len(inbox) == 1
    assert inbox[0]["target_type"] == "alerts.digest"
    assert inbox[0]["target_id"] == str(digest.pk)
    assert "[科技成果] 汽车零部件机器视觉检测系统" in inbox[0]["body"]
    assert f"/api/v1/challenges/{challenge.pk}" in inbox[0]["body"]
    # E-mail, through the durable e-mail effect, to a real SMTP server.
    assert sorted(str(m["To"]) for m in digest_mails(smtp)) == ["english@example.cn", "watcher@example.cn"]
    english_mail = next(m for m in digest_mails(smtp) if m["To"] == "english@example.cn")
    # Both machine-vision achievements: the English user is no member of the organisation that posted one.
    assert str(english_mail["Subject"]).strip() == "New for your saved search 电池热管理: 2"
    assert "[achievement] 汽车零部件机器视觉检测系统" in english_mail.get_content()
    assert "技术需求" not in english_mail.get_content()  # the English user follows achievements only

    history = client_for(watcher).get(f"/api/v1/saved-searches/{saved['id']}/digests").json()["results"]
    assert [h["item_count"] for h in history] == [4]

    # The next day: one new achievement, and the demand withdrawn and published again is not new.
    with at(START + timedelta(days=1, hours=5)):
        later = make_achievement(OrganizationFactory(), title="电池热管理仿真软件")
        type(demand).objects.filter(pk=demand.pk).update(published_at=START + timedelta(days=1, hours=5))
    with at(START + timedelta(days=2, minutes=40)):
        assert beat() == 2
    second = Digest.objects.filter(saved_search_id=saved["id"]).order_by("-id").first()
    assert second is not None and second.pk != digest.pk
    assert [(i.kind, i.object_id) for i in second.items.all()] == [("achievement", later.pk)]
    assert DigestItem.objects.filter(saved_search_id=saved["id"]).count() == 5
    assert len(digest_mails(smtp)) == 4


def test_running_twice_sends_once_and_email_only_stays_read(
    smtp: SMTPSink, client_for: Callable[[User], APIClient]
) -> None:
    watcher = UserFactory(preferred_language="zh-hans")
    with at(START):
        saved = follow(client_for(watcher), in_app=False, include_own_organization=True)
    with at(START + timedelta(hours=1)):
        make_achievement(OrganizationFactory(), title="机器视觉检测")
    with at(START + timedelta(days=1, minutes=40)):
        send_digests.apply().get()
        send_digests.apply().get()  # beat twice before a worker ran anything
        assert Effect.objects.filter(name="alerts.send_digest").count() == 2
        run_pending_effects()
        assert saved_search_send_digest(saved_search_id=saved["id"]) is None  # and once more by hand
    assert Digest.objects.count() == 1
    assert len(digest_mails(smtp)) == 1
    notification = Notification.objects.get(recipient=watcher)
    assert notification.read_at is not None  # e-mail only: kept as a record, not as unread news
    assert client_for(watcher).get("/api/v1/notifications/unread-count").json() == {"unread": 0}


def test_weekly_and_nothing_new_sends_nothing(smtp: SMTPSink, client_for: Callable[[User], APIClient]) -> None:
    watcher = UserFactory()
    with at(START):
        saved = follow(client_for(watcher), frequency="weekly")
    with at(START + timedelta(days=1, hours=1)):
        make_achievement(OrganizationFactory(), title="机器视觉检测")
    with at(START + timedelta(days=2)):
        assert beat() == 0  # weekly: not due
    with at(START + timedelta(days=7, minutes=5)):
        assert beat() == 1
    with at(START + timedelta(days=14, minutes=5)):
        assert beat() == 1  # due, but nothing new: no digest, no e-mail
    assert Digest.objects.filter(saved_search_id=saved["id"]).count() == 1
    assert len(digest_mails(smtp)) == 1
