"""The daily reminder scan: what is sent when, to whom, once — on re-runs and with two beats at once."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.conf import settings
from django.db import connection

from apps.core.effects import run_pending_effects
from apps.core.models import Effect
from apps.custody.models import Reminder
from apps.custody.services import annuity_reminders_send, payment_record
from apps.custody.tasks import remind_annuities
from apps.notifications.models import Notification
from tests.custody.factories import custody_row, make_agreement, make_patent, make_world
from tests.factories import member_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("custody_today")]


def _lines(user) -> list[str]:
    return [
        line
        for n in Notification.objects.filter(recipient=user, kind="custody_annuity_reminder")
        for line in n.body.splitlines()
    ]


@pytest.fixture
def portfolio(world):
    # Two patents: year 8 of the first is due 2027-03-02, year 8 of the second 2027-05-20.
    first = make_patent(world.owner, title="一种螺蛳粉汤料的制备方法")
    second = make_patent(world.owner, title="汽车变速箱齿轮热处理工艺", filing_date=date(2020, 5, 20))
    agreement = make_agreement(world, [first, second])
    return agreement, first, second


def test_nothing_is_due_before_the_first_stage(world, portfolio):
    assert annuity_reminders_send(today=date(2026, 12, 1)) == {"agreements": 1, "rows": 0, "sent": 0}
    assert not Reminder.objects.exists()


def test_the_90_day_reminder_goes_to_owner_and_custodian_once(world, portfolio):
    _agreement, first, second = portfolio
    result = annuity_reminders_send(today=date(2026, 12, 2))
    assert (result["rows"], result["sent"]) == (1, 1)
    reminder = Reminder.objects.get()
    assert (reminder.asset_id, reminder.year, reminder.kind, reminder.amount) == (first.pk, 8, "before_90", 2000)
    for user in (world.owner_member, world.agency_member):
        lines = _lines(user)
        assert len(lines) == 1
        assert "一种螺蛳粉汤料的制备方法" in lines[0] and "2,000.00" in lines[0] and "2027-03-02" in lines[0]
    assert _lines(world.stranger) == []
    assert custody_row(first).next_reminder_on == date(2027, 1, 31)

    # Re-running the same day sends nothing.
    again = annuity_reminders_send(today=date(2026, 12, 2))
    assert again["sent"] == 0
    assert Notification.objects.filter(kind="custody_annuity_reminder").count() == 2
    # The second patent's 90 days start on 2027-02-19.
    assert custody_row(second).next_reminder_on == date(2027, 2, 19)


def test_a_missed_stretch_sends_only_the_stage_in_force(world, portfolio):
    _agreement, first, _second = portfolio
    # The beat did not run between December and April: first is in its second grace month.
    annuity_reminders_send(today=date(2027, 4, 10))
    kinds = dict(Reminder.objects.values_list("asset_id", "kind"))
    assert kinds[first.pk] == "grace_2"
    reminder = Reminder.objects.get(asset=first)
    assert (reminder.late_fee, reminder.amount) == (Decimal("100.00"), Decimal("2100.00"))
    line = next(line for line in _lines(world.owner_member) if "螺蛳粉" in line)
    assert "100.00" in line and "2,100.00" in line and "2027-09-02" in line


def test_monthly_through_grace_then_lapsed(world, portfolio):
    _agreement, first, _second = portfolio
    sent = []
    for day in (date(2027, 3, 3), date(2027, 3, 20), date(2027, 4, 3), date(2027, 5, 3), date(2027, 9, 3)):
        annuity_reminders_send(today=day)
        sent.append(list(Reminder.objects.filter(asset=first).order_by("id").values_list("kind", flat=True)))
    assert sent[-1] == ["grace_1", "grace_2", "grace_3", "lapsed"]
    assert sent[1] == ["grace_1"]  # 20 March: still the first grace month, nothing new
    assert custody_row(first).next_reminder_on is None


def test_payment_moves_the_reminders_to_the_next_year(world, portfolio):
    _agreement, first, _second = portfolio
    annuity_reminders_send(today=date(2026, 12, 2))
    with time_machine.travel("2027-01-05T09:00:00+08:00", tick=False):
        payment_record(
            actor=world.agency_member,
            custody_asset=custody_row(first),
            year=8,
            amount=Decimal("2000.00"),
            paid_on=date(2027, 1, 5),
            receipt_number="4500000000000001",
        )
    row = custody_row(first)
    assert (row.next_year, row.next_due_date, row.next_reminder_on) == (9, date(2028, 3, 2), date(2027, 12, 3))
    # Nothing more about year 8, even in its grace months.
    annuity_reminders_send(today=date(2027, 4, 10))
    assert list(Reminder.objects.filter(asset=first).values_list("year", "kind")) == [(8, "before_90")]


def test_ended_custody_is_not_reminded(world, portfolio):
    agreement, _first, _second = portfolio
    from apps.custody.services import agreement_end

    agreement_end(actor=world.owner_member, agreement=agreement)
    assert annuity_reminders_send(today=date(2027, 4, 10))["sent"] == 0


def test_a_large_portfolio_is_one_digest_per_chunk_and_lists_the_rest(world):
    patents = [make_patent(world.owner) for _ in range(35)]
    make_agreement(world, patents)
    result = annuity_reminders_send(today=date(2026, 12, 2), chunk_size=100)
    assert result["sent"] == 35
    notification = Notification.objects.get(recipient=world.owner_member, kind="custody_annuity_reminder")
    assert "35" in notification.title
    assert notification.body.count("\n") == 30  # 30 lines and "… and 5 more"
    assert "5" in notification.body.splitlines()[-1]


def test_offsets_are_configurable(world, portfolio, settings):
    settings.CUSTODY_REMINDER_OFFSETS_DAYS = [60, 14]
    _agreement, first, _second = portfolio
    annuity_reminders_send(today=date(2026, 12, 2))  # state was computed with 90: due today, nothing in force now
    assert not Reminder.objects.exists()
    annuity_reminders_send(today=date(2027, 1, 1))
    assert Reminder.objects.get(asset=first).kind == "before_60"


def test_the_task_is_named_time_limited_and_scheduled(world, portfolio, celery_eager):
    assert remind_annuities.name == "custody.remind_annuities"
    assert remind_annuities.time_limit and remind_annuities.soft_time_limit
    assert settings.CELERY_BEAT_SCHEDULE["custody.remind_annuities"]["task"] == "custody.remind_annuities"
    with time_machine.travel("2026-12-02T06:30:00+08:00", tick=False):
        result = remind_annuities.delay().get()
    assert result["sent"] == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_beats_at_once_send_each_reminder_once():
    world = make_world()
    second_member = member_of(world.owner)
    patents = [make_patent(world.owner) for _ in range(12)]
    make_agreement(world, patents)
    barrier = threading.Barrier(2)
    results: list[dict[str, int]] = []
    errors: list[BaseException] = []

    def beat() -> None:
        try:
            barrier.wait()
            results.append(annuity_reminders_send(today=date(2026, 12, 2), chunk_size=3))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=beat) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sum(r["sent"] for r in results) == 12
    assert Reminder.objects.count() == 12
    for user in (world.owner_member, second_member, world.agency_member):
        lines = _lines(user)
        assert len(lines) == 12, lines
        assert len(set(lines)) == 12
    # And a third run later the same day finds nothing to send.
    assert annuity_reminders_send(today=date(2026, 12, 2))["sent"] == 0


def test_the_log_guards_even_when_a_row_is_due_again(world, portfolio):
    # A change to the asset recomputes its state and makes the stage in force due again today: the log
    # (unique asset, year, kind; ON CONFLICT DO NOTHING) keeps the reminder from going out twice.
    _agreement, first, _second = portfolio
    annuity_reminders_send(today=date(2026, 12, 2))
    type(custody_row(first)).objects.filter(asset=first).update(next_reminder_on=date(2026, 12, 2))
    again = annuity_reminders_send(today=date(2026, 12, 2))
    assert (again["rows"], again["sent"]) == (1, 0)
    assert Notification.objects.filter(kind="custody_annuity_reminder").count() == 2
    assert custody_row(first).next_reminder_on == date(2027, 1, 31)


def test_digests_are_emailed_through_an_effect_recorded_with_the_chunk(world, portfolio, mailoutbox):
    annuity_reminders_send(today=date(2026, 12, 2))
    # One e-mail effect for the chunk's two digests (owner's and custodian's side), nothing sent yet.
    (recorded,) = Effect.objects.filter(name="notifications.send_emails")
    digests = Notification.objects.filter(kind="custody_annuity_reminder")
    assert sorted(recorded.kwargs["notification_ids"]) == sorted(digests.values_list("pk", flat=True))
    assert mailoutbox == []
    run_pending_effects()
    assert sorted(m.to[0] for m in mailoutbox) == sorted([world.owner_member.email, world.agency_member.email])
    assert all("一种螺蛳粉汤料的制备方法" in m.body for m in mailoutbox)


def test_a_due_date_stored_before_the_date_bounds_does_not_stop_the_scan(world, portfolio, caplog):
    """Rows written before dates were bounded (year 1): the scan skips that row, reminds the others."""
    _agreement, first, second = portfolio
    old = custody_row(second)
    type(old).objects.filter(pk=old.pk).update(
        next_due_date=date(1, 1, 10), grace_deadline=date(1, 7, 10), next_reminder_on=date(1, 1, 1)
    )
    result = annuity_reminders_send(today=date(2026, 12, 2))
    assert (result["rows"], result["sent"]) == (2, 1)
    assert list(Reminder.objects.values_list("asset_id", "kind")) == [(first.pk, "before_90")]
    assert custody_row(second).next_reminder_on is None  # not rescanned every day
    assert f"custody asset {old.pk}: no reminder for its stored due date 0001-01-10" in caplog.text


def test_date_arithmetic_off_the_calendar_is_an_annuity_error():
    from apps.custody.annuity import AnnuityError, add_months, anniversary

    with pytest.raises(AnnuityError):
        add_months(date(9999, 12, 1), 1)
    with pytest.raises(AnnuityError):
        anniversary(date(9990, 2, 28), 20)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
