"""notify, the e-mail sending behind it, and marking notifications read."""

from __future__ import annotations

import smtplib
from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail import EmailMessage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.core.errors import ApplicationError
from apps.core.models import Effect
from apps.notifications import services
from apps.notifications.models import Notification, NotificationKind
from apps.notifications.services import (
    notification_mark_all_read,
    notification_mark_read,
    notification_send_emails,
    notify,
)
from apps.notifications.tasks import send_notification_emails
from tests.factories import UserFactory
from tests.notifications.factories import NotificationFactory

pytestmark = pytest.mark.django_db


class TestNotify:
    def test_one_row_per_distinct_active_recipient(self):
        first, second = UserFactory(), UserFactory()
        inactive = UserFactory(is_active=False)
        target = UserFactory()

        created = notify(
            recipients=[first, second, first, inactive],
            kind="organization.membership",
            title="您已被加入柳州测试企业有限公司",
            body="管理员把您加为成员。",
            target=target,
            email=False,
        )

        assert len(created) == 2
        rows = Notification.objects.order_by("recipient_id")
        assert [n.recipient_id for n in rows] == sorted([first.pk, second.pk])
        for row in rows:
            assert row.kind == "organization.membership"
            assert row.title == "您已被加入柳州测试企业有限公司"
            assert row.body == "管理员把您加为成员。"
            assert (row.target_type, row.target_id) == ("accounts.user", str(target.pk))
            assert row.read_at is None
            assert row.emailed_at is None

    def test_a_long_title_is_cut_to_the_column_length(self):
        notify(recipients=[UserFactory()], kind=NotificationKind.MATCH_FOUND, title="柳" * 300, email=False)
        assert Notification.objects.get().title == "柳" * 200

    def test_no_active_recipient_creates_and_queues_nothing(self, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks() as callbacks:
            created = notify(recipients=[UserFactory(is_active=False)], kind=NotificationKind.MATCH_FOUND, title="标题")
        assert created == []
        assert callbacks == []
        assert not Notification.objects.exists()

    def test_email_false_queues_no_email(self, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks() as callbacks:
            notify(recipients=[UserFactory()], kind=NotificationKind.MATCH_FOUND, title="标题", email=False)
        assert callbacks == []
        assert Notification.objects.count() == 1

    def test_email_is_sent_after_commit(self, celery_eager, django_capture_on_commit_callbacks):
        first, second = UserFactory(email="zhang.wei@example.cn"), UserFactory(email="li.na@example.cn")

        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            notify(
                recipients=[first, second],
                kind="organization.verification",
                title="柳州测试企业有限公司已通过认证",
                body="贵单位现在可以在科技大市场发布成果和需求。",
            )
            # Still inside the transaction: nothing may leave before the rows are committed.
            assert mail.outbox == []
            assert Notification.objects.filter(emailed_at__isnull=False).count() == 0

        assert len(callbacks) == 1
        assert sorted(m.to[0] for m in mail.outbox) == ["li.na@example.cn", "zhang.wei@example.cn"]
        message = mail.outbox[0]
        assert message.subject == "柳州测试企业有限公司已通过认证"
        assert message.body == "贵单位现在可以在科技大市场发布成果和需求。"
        assert Notification.objects.filter(emailed_at__isnull=True).count() == 0

    def test_large_recipient_lists_are_queued_in_batches(self, monkeypatch):
        monkeypatch.setattr(services, "EMAIL_BATCH_SIZE", 2)

        created = notify(recipients=UserFactory.create_batch(5), kind=NotificationKind.MATCH_FOUND, title="标题")

        # One durable e-mail effect per batch, recorded in the same transaction as the rows.
        queued = [
            e.kwargs["notification_ids"] for e in Effect.objects.filter(name="notifications.send_emails").order_by("pk")
        ]
        assert [len(batch) for batch in queued] == [2, 2, 1]
        assert sorted(pk for batch in queued for pk in batch) == sorted(n.pk for n in created)


class TestSendEmails:
    def test_running_the_task_twice_sends_once(self, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=False):
            created = notify(recipients=[UserFactory()], kind=NotificationKind.MATCH_FOUND, title="新的需求匹配")
        ids = [n.pk for n in created]

        first = send_notification_emails.apply(kwargs={"notification_ids": ids})
        second = send_notification_emails.apply(kwargs={"notification_ids": ids})

        assert (first.get(), second.get()) == (1, 0)
        assert len(mail.outbox) == 1
        assert Notification.objects.get().emailed_at is not None

    def test_a_row_claimed_by_another_run_meanwhile_is_not_sent(self, monkeypatch):
        notification = NotificationFactory()
        real_get_connection = services.get_connection

        def claim_then_connect(*args, **kwargs):
            # Another worker claims the row after this run selected it and before this run claims it.
            Notification.objects.filter(pk=notification.pk).update(emailed_at=timezone.now())
            return real_get_connection(*args, **kwargs)

        monkeypatch.setattr(services, "get_connection", claim_then_connect)

        assert notification_send_emails(notification_ids=[notification.pk]) == 0
        assert mail.outbox == []

    def test_service_accounts_and_users_without_address_get_no_email(self):
        robot = NotificationFactory(recipient=UserFactory(is_service_account=True))
        silent = NotificationFactory(recipient=UserFactory(email=""))
        person = NotificationFactory(recipient=UserFactory(email="wang.fang@example.cn"))

        assert notification_send_emails(notification_ids=[robot.pk, silent.pk, person.pk]) == 1

        assert [m.to for m in mail.outbox] == [["wang.fang@example.cn"]]
        assert Notification.objects.filter(emailed_at__isnull=False).get() == person

    def test_a_failed_send_releases_the_claim_for_the_retry(self, monkeypatch):
        notification = NotificationFactory()

        def refuse(self, fail_silently=False):
            raise smtplib.SMTPServerDisconnected("connection lost")

        monkeypatch.setattr(EmailMessage, "send", refuse)
        with pytest.raises(smtplib.SMTPServerDisconnected):
            notification_send_emails(notification_ids=[notification.pk])
        notification.refresh_from_db()
        assert notification.emailed_at is None

        monkeypatch.undo()
        assert notification_send_emails(notification_ids=[notification.pk]) == 1
        assert len(mail.outbox) == 1

    def test_a_title_with_line_breaks_makes_a_one_line_subject(self):
        notification = NotificationFactory(title="成果\n已发布")
        notification_send_emails(notification_ids=[notification.pk])
        assert mail.outbox[0].subject == "成果 已发布"


class TestMarkRead:
    def test_marks_the_notification_read(self):
        notification = NotificationFactory()
        result = notification_mark_read(actor=notification.recipient, notification=notification)
        assert result.read_at is not None
        notification.refresh_from_db()
        assert notification.read_at == result.read_at

    def test_reading_again_keeps_the_first_reading_time(self):
        first_read = timezone.now() - timedelta(days=2)
        notification = NotificationFactory(read_at=first_read)
        result = notification_mark_read(actor=notification.recipient, notification=notification)
        assert result.read_at == first_read
        notification.refresh_from_db()
        assert notification.read_at == first_read

    def test_someone_elses_notification_is_not_found(self):
        notification = NotificationFactory()
        with pytest.raises(ApplicationError) as raised:
            notification_mark_read(actor=UserFactory(), notification=notification)
        assert (raised.value.status, raised.value.code) == (404, "not_found")
        notification.refresh_from_db()
        assert notification.read_at is None


class TestMarkAllRead:
    def test_marks_only_the_actors_unread_notifications_in_one_update(self):
        actor = UserFactory()
        unread = NotificationFactory.create_batch(3, recipient=actor)
        earlier = timezone.now() - timedelta(days=1)
        already_read = NotificationFactory(recipient=actor, read_at=earlier)
        someone_elses = NotificationFactory()

        with CaptureQueriesContext(connection) as ctx:
            marked = notification_mark_all_read(actor=actor)

        assert marked == 3
        statements = [q["sql"] for q in ctx.captured_queries if "SAVEPOINT" not in q["sql"]]
        assert len(statements) == 1
        assert statements[0].startswith("UPDATE")
        assert Notification.objects.filter(pk__in=[n.pk for n in unread], read_at__isnull=True).count() == 0
        already_read.refresh_from_db()
        assert already_read.read_at == earlier
        someone_elses.refresh_from_db()
        assert someone_elses.read_at is None

    def test_nothing_unread_marks_nothing(self):
        assert notification_mark_all_read(actor=UserFactory()) == 0


def test_a_kind_outside_the_one_list_is_refused():
    with pytest.raises(ValueError, match="not_a_kind"):
        notify(recipients=[], kind="not_a_kind", title="x")
