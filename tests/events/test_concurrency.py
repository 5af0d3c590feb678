"""Two people taking the last seat, or the same person's time, at the same moment, in parallel transactions."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from apps.core.errors import ApplicationError
from apps.events.models import Event, EventRegistration, MeetingSlot
from apps.events.services import event_create, event_register, slot_book
from tests.factories import OrganizationFactory, member_of, operator_user


def _race(actions: dict[str, Callable[[], object]]) -> list[str]:
    barrier = threading.Barrier(len(actions))
    outcomes: list[str] = []

    def act(name: str) -> None:
        try:
            barrier.wait(timeout=10)
            actions[name]()
            outcomes.append(name)
        except ApplicationError as exc:
            outcomes.append(f"refused:{exc.code}")
        finally:
            connection.close()

    threads = [threading.Thread(target=act, args=(name,)) for name in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_last_seat_and_a_busy_person_are_taken_once():
    now = timezone.now()
    event = event_create(
        actor=operator_user(), market_code="liuzhou", starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=3), title="对接会", kind="matchmaking", format="offline", capacity=3,
    )  # fmt: skip
    host = member_of(OrganizationFactory())
    hosted = event_register(actor=host, event=event)
    first, second, third = (member_of(OrganizationFactory()) for _ in range(3))
    event_register(actor=first, event=event)
    outcomes = _race(
        {
            "second": lambda: event_register(actor=second, event=Event.objects.get(pk=event.pk)),
            "third": lambda: event_register(actor=third, event=Event.objects.get(pk=event.pk)),
        }
    )
    assert sorted(o.startswith("refused") for o in outcomes) == [False, True], outcomes
    assert "refused:event_full" in outcomes
    assert EventRegistration.objects.filter(event=event).count() == 3

    # Both other registrants book the host for the same half hour: one gets it.
    booker = second if "second" in outcomes else third
    start = now.replace(microsecond=0) + timedelta(minutes=30)
    slot = {"counterpart_id": hosted.pk, "starts_at": start, "ends_at": start + timedelta(minutes=30)}
    outcomes = _race(
        {
            "first": lambda: slot_book(actor=first, event=Event.objects.get(pk=event.pk), **slot),
            "booker": lambda: slot_book(actor=booker, event=Event.objects.get(pk=event.pk), **slot),
        }
    )
    assert sorted(o.startswith("refused") for o in outcomes) == [False, True], outcomes
    assert "refused:double_booked" in outcomes
    assert MeetingSlot.objects.filter(event=event).count() == 1
