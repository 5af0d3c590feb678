"""The one lifecycle helper: a transition table and one conditional UPDATE returning the state it left.

Exercised on the effect outbox's own status (a core model), so the helper is tested without any app.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction
from django.http import Http404
from django.utils import timezone

from apps.core.errors import ApplicationError
from apps.core.lifecycle import Lifecycle, Transition
from apps.core.models import Effect, EffectStatus

S = EffectStatus
LIFECYCLE = Lifecycle(
    transitions={
        "finish": Transition(sources=(S.PENDING,), target=S.DONE),
        "give_up": Transition(sources=(S.PENDING,), target=S.FAILED),
        "revive": Transition(sources=(S.FAILED, S.DONE), target=S.PENDING),
    },
    error_code="bad_transition",
    message="An effect that is %(status)s cannot be moved this way.",
    labels=S,
)


def _row(status: str = S.PENDING) -> Effect:
    return Effect.objects.create(name="test.lifecycle", kwargs={}, status=status, due_at=timezone.now())


@pytest.mark.django_db
class TestMove:
    def test_moves_and_returns_the_state_it_left(self):
        row = _row()
        assert LIFECYCLE.move(model=Effect, pk=row.pk, action="finish", last_error="ok") == S.PENDING
        row.refresh_from_db()
        assert (row.status, row.last_error) == (S.DONE, "ok")

    def test_refuses_from_another_state_with_the_current_one(self):
        row = _row(S.DONE)
        with pytest.raises(ApplicationError) as refused:
            LIFECYCLE.move(model=Effect, pk=row.pk, action="give_up", last_error="no")
        assert refused.value.status == 409
        assert refused.value.code == "bad_transition"
        assert refused.value.extra == {"current_status": "done", "action": "give_up"}
        assert str(S.DONE.label) in str(refused.value.message)
        row.refresh_from_db()
        assert (row.status, row.last_error) == (S.DONE, "")

    def test_a_missing_row_is_a_404(self):
        with pytest.raises(Http404):
            LIFECYCLE.move(model=Effect, pk=987654321, action="finish")

    def test_one_statement(self, django_assert_num_queries):
        row = _row()
        with django_assert_num_queries(1):
            LIFECYCLE.move(model=Effect, pk=row.pk, action="finish")

    def test_allowed_actions(self):
        assert LIFECYCLE.allowed(S.PENDING) == ["finish", "give_up"]
        assert LIFECYCLE.allowed(S.DONE) == ["revive"]
        with pytest.raises(ApplicationError):
            LIFECYCLE.check(S.DONE, "finish")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_concurrent_moves_from_the_same_state_have_one_winner():
    row = _row()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def attempt(action: str) -> None:
        try:
            with transaction.atomic():
                barrier.wait(timeout=10)
                LIFECYCLE.move(model=Effect, pk=row.pk, action=action)
            outcomes.append(action)
        except ApplicationError as exc:
            outcomes.append(f"refused:{exc.extra['current_status']}")
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(a,)) for a in ("finish", "give_up")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    winners = [o for o in outcomes if not o.startswith("refused")]
    assert len(winners) == 1
    row.refresh_from_db()
    assert row.status == LIFECYCLE.target(winners[0])
    # The loser saw the winner's state, not the one both started from.
    assert [o for o in outcomes if o.startswith("refused")] == [f"refused:{row.status}"]
