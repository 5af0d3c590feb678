"""Durable named effects (apps.core.effects) in one process, on the real database and real handlers.

The failures of real processes (Redis stopped between commit and hand-over, a worker killed mid-effect)
are in test_effects_durability.py.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from apps.core.effects import (
    effect,
    execute_effect,
    purge_done_effects,
    retry_effects,
    run_pending_effects,
    sweep_effects,
)
from apps.core.models import Effect, EffectStatus
from apps.notifications.models import Notification
from apps.notifications.services import notify
from tests.factories import UserFactory, operator_user

pytestmark = pytest.mark.django_db


def _notification(email: str = "zhao.min@example.cn") -> Notification:
    (created,) = notify(recipients=[UserFactory(email=email)], kind="match_found", title="新的匹配", body="正文")
    return created


class TestRecording:
    def test_recorded_in_the_callers_transaction_and_gone_with_its_rollback(self):
        with pytest.raises(RuntimeError), transaction.atomic():
            _notification()
            assert Effect.objects.filter(name="notifications.send_emails").count() == 1
            raise RuntimeError("the change fails")
        assert Effect.objects.count() == 0
        assert Notification.objects.count() == 0

    def test_wrong_arguments_are_refused_at_the_call(self):
        with pytest.raises(TypeError, match=r"notifications\.send_emails"):
            effect("notifications.send_emails", notification_id=1)
        with pytest.raises(TypeError):
            effect("notifications.send_emails", notification_ids={1, 2})  # not a JSON value
        assert Effect.objects.count() == 0

    def test_pending_until_a_worker_runs_it(self):
        notification = _notification()
        row = Effect.objects.get()
        assert (row.status, row.kwargs) == (EffectStatus.PENDING, {"notification_ids": [notification.pk]})
        assert row.due_at > timezone.now()
        assert mail.outbox == []


class TestRunning:
    def test_runs_once_and_is_marked_done(self):
        _notification()
        assert run_pending_effects() == 1
        assert [m.to for m in mail.outbox] == [["zhao.min@example.cn"]]
        row = Effect.objects.get()
        assert row.status == EffectStatus.DONE and row.done_at is not None
        # A late duplicate delivery finds it done and does nothing.
        assert execute_effect(row.pk) is False
        assert run_pending_effects() == 0
        assert len(mail.outbox) == 1

    def test_a_failing_effect_is_kept_with_its_error_and_retried_later(self, settings):
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2  # nothing listens
        notification = _notification()
        row = Effect.objects.get()

        assert execute_effect(row.pk) is False
        row.refresh_from_db()
        assert row.status == EffectStatus.PENDING
        assert row.attempts == 1
        assert "ConnectionRefusedError" in row.last_error
        assert row.due_at > timezone.now()  # backoff before the sweeper hands it over again
        notification.refresh_from_db()
        assert notification.emailed_at is None  # the claim was released with the failure

        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        assert execute_effect(row.pk) is True
        assert len(mail.outbox) == 1

    def test_after_the_last_attempt_it_fails_and_the_operator_is_told(self, settings):
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2
        settings.EFFECTS_MAX_ATTEMPTS = 2
        operator = operator_user()
        _notification()
        row = Effect.objects.get(name="notifications.send_emails")
        execute_effect(row.pk)
        execute_effect(row.pk)
        row.refresh_from_db()
        assert (row.status, row.attempts) == (EffectStatus.FAILED, 2)

        alert = Effect.objects.get(name="organizations.alert_failed_effect")
        assert alert.kwargs == {"effect_id": row.pk}
        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        run_pending_effects(names=["organizations.alert_failed_effect"])
        told = Notification.objects.get(recipient=operator, kind="effect_failed")
        assert "notifications.send_emails" in told.title
        # A failed effect is no longer run by a worker or by the sweeper …
        assert execute_effect(row.pk) is False
        Effect.objects.filter(pk=row.pk).update(due_at=timezone.now() - timedelta(seconds=1))
        assert sweep_effects() == 0 or Effect.objects.get(pk=row.pk).handovers == 0
        # … until the operator retries it (the admin's action).
        assert retry_effects([row.pk]) == 1
        row.refresh_from_db()
        assert (row.status, row.attempts) == (EffectStatus.PENDING, 0)
        assert execute_effect(row.pk) is True
        assert [m.to for m in mail.outbox if m.to == ["zhao.min@example.cn"]] == [["zhao.min@example.cn"]]


class TestSweeper:
    def test_hands_over_only_what_is_due_and_backs_off(self, celery_eager):
        _notification()
        row = Effect.objects.get()
        assert sweep_effects() == 0  # handed over at commit; not due yet

        Effect.objects.filter(pk=row.pk).update(due_at=timezone.now() - timedelta(seconds=1))
        assert sweep_effects() == 1  # eager here: the hand-over runs it at once
        row.refresh_from_db()
        assert row.status == EffectStatus.DONE
        assert row.handovers == 1
        assert len(mail.outbox) == 1
        assert sweep_effects() == 0

    def test_the_delay_doubles_with_each_hand_over(self, settings):
        settings.EFFECTS_HANDOVER_SECONDS = 60
        _notification()
        Effect.objects.update(due_at=timezone.now() - timedelta(seconds=1), handovers=3)
        before = timezone.now()
        sweep_effects()  # not eager: the message waits in Redis, the row is re-armed
        row = Effect.objects.get()
        assert row.handovers == 4
        assert timedelta(seconds=60 * 16 - 5) < row.due_at - before < timedelta(seconds=60 * 16 + 5)


def test_done_effects_are_purged_after_the_retention(settings):
    settings.EFFECTS_RETENTION_DAYS = 14
    _notification()
    _notification("sun.li@example.cn")
    run_pending_effects()
    old, recent = Effect.objects.order_by("pk")
    Effect.objects.filter(pk=old.pk).update(done_at=timezone.now() - timedelta(days=15))
    assert purge_done_effects() == 1
    assert list(Effect.objects.values_list("pk", flat=True)) == [recent.pk]


def test_the_sweeper_and_purge_are_scheduled():
    from django.conf import settings

    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"core.effects_sweep", "core.effects_purge"} <= tasks


def test_the_operator_sees_a_failed_effect_in_the_admin_and_retries_it(client, settings):
    from django.urls import reverse

    from apps.accounts.models import User

    admin_user = User.objects.create_superuser(email="yunying@example.cn", password="Liuzhou-Admin-2026")
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2
    settings.EFFECTS_MAX_ATTEMPTS = 1
    _notification()
    failed = Effect.objects.get(name="notifications.send_emails")
    execute_effect(failed.pk)
    failed.refresh_from_db()
    assert failed.status == EffectStatus.FAILED

    client.force_login(admin_user)
    changelist = reverse("admin:core_effect_changelist")
    listed = client.get(changelist, {"status__exact": "failed"})
    assert listed.status_code == 200
    assert "notifications.send_emails" in listed.content.decode()
    detail = client.get(reverse("admin:core_effect_change", args=[failed.pk]))
    assert "ConnectionRefusedError" in detail.content.decode()

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    retried = client.post(changelist, {"action": "retry", "_selected_action": [failed.pk]}, follow=True)
    assert retried.status_code == 200
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (EffectStatus.PENDING, 0)
    assert run_pending_effects(names=["notifications.send_emails"]) >= 1
    assert [m.to for m in mail.outbox if m.to == ["zhao.min@example.cn"]] == [["zhao.min@example.cn"]]
    # Nobody changes an effect by hand: the form is read-only, and there is no add or delete.
    assert client.get(reverse("admin:core_effect_add")).status_code == 403


def test_emails_under_a_dead_senders_lease_are_retried_not_dropped(settings):
    """A sender died mid-send: its lease still holds the e-mail when the effect runs again. The run must
    not be marked done (the e-mail would never go out); it is retried and sends once the lease expires."""
    settings.NOTIFICATION_EMAIL_LEASE_SECONDS = 300
    notification = _notification()
    row = Effect.objects.get(name="notifications.send_emails")
    Notification.objects.filter(pk=notification.pk).update(
        email_claimed_until=timezone.now() + timedelta(seconds=300)  # what the dead sender left behind
    )

    assert execute_effect(row.pk) is False
    row.refresh_from_db()
    assert (row.status, row.attempts) == (EffectStatus.PENDING, 1)
    assert "EmailsStillClaimedError" in row.last_error
    assert mail.outbox == []

    Notification.objects.filter(pk=notification.pk).update(email_claimed_until=timezone.now() - timedelta(seconds=1))
    assert execute_effect(row.pk) is True
    assert [m.to for m in mail.outbox] == [["zhao.min@example.cn"]]
