"""Durable named effects: what a change must cause elsewhere, recorded with the change and run by a worker.

A service records ``effect("stats.fold_contract", contract_id=…)`` inside its transaction: one row in
the outbox table (:class:`apps.core.models.Effect`) commits or rolls back with the change. After the
commit the effect is handed to Celery (``core.run_effect``); the worker runs the handler that the owning
app registered with :func:`effect_handler` and marks the row done. Nothing in between can lose it:

- the broker is down at commit time, or the message is lost: the row stays pending and the sweeper
  (``core.effects_sweep``, every minute) hands it over again once it is due;
- the worker dies mid-effect (``kill -9``): an atomic handler's work and its "done" mark are one
  transaction, so both roll back and the row lock is released; the sweeper hands it over again;
- the handler raises: the error is kept on the row and the effect is retried with backoff; after
  ``EFFECTS_MAX_ATTEMPTS`` failures it is ``failed``, the operator is told (the
  ``organizations.alert_failed_effect`` effect) and can retry it from the admin.

Handlers may therefore run more than once and must be idempotent (a state guard, a conditional UPDATE,
a recomputed difference); an atomic handler whose run is marked done never runs again.

Why not Celery's own ``delay_on_commit``: the message is the only record, so a broker outage or a
worker killed before acknowledging loses the work without trace.
"""

from __future__ import annotations

import inspect
import json
import logging
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from apps.core.models import Effect, EffectStatus

logger = logging.getLogger(__name__)

ALERT_EFFECT = "organizations.alert_failed_effect"


@dataclass(frozen=True)
class Handler:
    name: str
    func: Callable[..., Any]
    atomic: bool
    queue: str | Callable[..., str] | None
    signature: inspect.Signature

    def queue_for(self, kwargs: dict[str, Any]) -> str | None:
        return self.queue(**kwargs) if callable(self.queue) else self.queue


_registry: dict[str, Handler] = {}


def effect_handler(
    name: str, *, atomic: bool = True, queue: str | Callable[..., str] | None = None
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register the handler of effect ``name``; it lives in ``apps/<owning app>/effects.py``.

    ``atomic``: the handler runs in one transaction with the "done" mark (set ``False`` for handlers
    that must commit on their own, e.g. a claim before an e-mail goes out). ``queue``: the Celery queue,
    or a function of the effect's keyword arguments that returns one.
    """

    def register(func: Callable[..., Any]) -> Callable[..., Any]:
        existing = _registry.get(name)
        if existing is not None and existing.func.__qualname__ != func.__qualname__:
            raise ValueError(
                f"Effect {name!r} is already handled by {existing.func.__module__}.{existing.func.__qualname__}"
            )
        _registry[name] = Handler(name=name, func=func, atomic=atomic, queue=queue, signature=inspect.signature(func))
        return func

    return register


def registered_effects() -> dict[str, Handler]:
    """Every registered effect by name (the apps' ``effects`` modules are imported at start-up)."""
    return dict(_registry)


def check_effect_call(name: str, kwargs: dict[str, Any]) -> Handler:
    """The handler of ``name`` if ``kwargs`` fit its signature and are JSON values; raises otherwise."""
    handler = _registry.get(name)
    if handler is None:
        raise LookupError(f"No handler is registered for effect {name!r} (add it to the owning app's effects.py)")
    try:
        handler.signature.bind(**kwargs)
    except TypeError as exc:
        raise TypeError(f"Effect {name!r}: {exc}") from None
    json.dumps(kwargs)  # a TypeError here names the value that cannot be stored
    return handler


def effect(name: str, /, **kwargs: Any) -> Effect:
    """Record effect ``name`` with ``kwargs`` in the current transaction; a worker runs it after commit."""
    handler = check_effect_call(name, kwargs)
    row = Effect.objects.create(name=name, kwargs=kwargs, due_at=timezone.now() + _handover_delay(0))
    transaction.on_commit(lambda: _hand_over(row.pk, handler.queue_for(kwargs)))
    return row


# --- hand-over -----------------------------------------------------------------------------------


def _handover_delay(handovers: int) -> timedelta:
    # Doubling: a long queue is not flooded with copies of effects that are only waiting their turn.
    base = settings.EFFECTS_HANDOVER_SECONDS
    return timedelta(seconds=min(base * 2**handovers, settings.EFFECTS_HANDOVER_MAX_SECONDS))


def _hand_over(effect_id: int, queue: str | None) -> bool:
    """Send the effect to a worker; a broker that does not answer leaves it to the sweeper."""
    try:
        # No result is read (the row is the record): without ignore_result the Redis result backend
        # retried its subscription for about 20 s per effect while Redis was down, inside the request.
        options: dict[str, Any] = {"ignore_result": True, **({"queue": queue} if queue else {})}
        run_effect_task.apply_async(args=(effect_id,), **options)
    except Exception:  # broad on purpose: any broker failure: the row is the record, the sweeper retries
        logger.warning("effect %s not handed over (broker unavailable); the sweeper will retry", effect_id)
        return False
    return True


def sweep_effects(*, limit: int = 500) -> int:
    """Hand over again the pending effects that are due (lost, or waiting for a retry); return how many.

    Rows locked by a running atomic handler are skipped: that run is alive and holds them.
    """
    now = timezone.now()
    with transaction.atomic():
        due = list(
            Effect.objects.select_for_update(skip_locked=True)
            .filter(status=EffectStatus.PENDING, due_at__lte=now)
            .filter(Q(leased_until__isnull=True) | Q(leased_until__lte=now))
            .order_by("due_at")
            .values_list("pk", "name", "kwargs", "handovers")[:limit]
        )
        for pk, _name, _kwargs, handovers in due:
            Effect.objects.filter(pk=pk).update(
                due_at=now + _handover_delay(handovers + 1), handovers=F("handovers") + 1
            )
    sent = 0
    for pk, name, kwargs, _handovers in due:
        handler = _registry.get(name)
        sent += _hand_over(pk, handler.queue_for(kwargs) if handler else None)
    return sent


# --- running -------------------------------------------------------------------------------------


def execute_effect(effect_id: int) -> bool:
    """Run one pending effect and mark it done; False when it is not pending, already running or failed."""
    row = Effect.objects.filter(pk=effect_id).values("name", "status").first()
    if row is None or row["status"] != EffectStatus.PENDING:
        return False
    handler = _registry.get(row["name"])
    if handler is None:
        _record_failure(effect_id, f"no handler is registered for {row['name']!r}", final=True)
        return False
    try:
        if handler.atomic:
            with transaction.atomic():
                locked = (
                    Effect.objects.select_for_update(skip_locked=True)
                    .filter(pk=effect_id, status=EffectStatus.PENDING)
                    .values_list("kwargs", flat=True)
                    .first()
                )
                if locked is None:
                    return False  # another worker is running it, or it finished meanwhile
                handler.func(**locked)
                _mark_done(effect_id)
            return True
        now = timezone.now()
        lease = now + timedelta(seconds=settings.EFFECTS_HANDOVER_SECONDS)
        claimed = Effect.objects.filter(
            Q(leased_until__isnull=True) | Q(leased_until__lte=now), pk=effect_id, status=EffectStatus.PENDING
        ).update(leased_until=lease)
        if not claimed:
            return False
        kwargs = Effect.objects.values_list("kwargs", flat=True).get(pk=effect_id)
        handler.func(**kwargs)
        _mark_done(effect_id)
        return True
    except Exception:  # broad on purpose: kept on the row, retried with backoff, shown to the operator
        _record_failure(effect_id, traceback.format_exc(limit=20))
        return False


def _mark_done(effect_id: int) -> None:
    Effect.objects.filter(pk=effect_id).update(
        status=EffectStatus.DONE, done_at=timezone.now(), leased_until=None, last_error=""
    )


def _record_failure(effect_id: int, error: str, *, final: bool = False) -> None:
    try:
        with transaction.atomic():
            row = Effect.objects.select_for_update().filter(pk=effect_id, status=EffectStatus.PENDING).first()
            if row is None:
                return
            row.attempts += 1
            row.last_error = error[-4000:]
            row.leased_until = None
            if final or row.attempts >= settings.EFFECTS_MAX_ATTEMPTS:
                row.status = EffectStatus.FAILED
                if row.name != ALERT_EFFECT and ALERT_EFFECT in _registry:
                    effect("organizations.alert_failed_effect", effect_id=row.pk)
            else:
                row.due_at = timezone.now() + _retry_delay(row.attempts)
            row.save(update_fields=["attempts", "last_error", "leased_until", "status", "due_at"])
        logger.warning("effect %s failed (attempt %s): %s", effect_id, row.attempts, error.strip().splitlines()[-1])
    except Exception:  # broad on purpose: the database itself may be what failed; the sweeper retries later
        logger.exception("effect %s: the failure could not be recorded", effect_id)


def _retry_delay(attempts: int) -> timedelta:
    return timedelta(seconds=min(10 * 2**attempts, settings.EFFECTS_HANDOVER_MAX_SECONDS))


def retry_effects(effect_ids: Iterable[int]) -> int:
    """The operator's retry: failed (or pending) effects become due now and are handed over after commit."""
    ids = list(effect_ids)
    with transaction.atomic():
        count = (
            Effect.objects.filter(pk__in=ids)
            .exclude(status=EffectStatus.DONE)
            .update(status=EffectStatus.PENDING, attempts=0, due_at=timezone.now(), leased_until=None)
        )
        for pk, name, kwargs in Effect.objects.filter(pk__in=ids, status=EffectStatus.PENDING).values_list(
            "pk", "name", "kwargs"
        ):
            handler = _registry.get(name)
            queue = handler.queue_for(kwargs) if handler else None
            transaction.on_commit(partial(_hand_over, pk, queue))
    return count


def run_pending_effects(*, names: Iterable[str] | None = None, rounds: int = 10) -> int:
    """Run every pending effect in this process, the ones their handlers record included; return how many ran.

    For tests, the demo loader and ``manage.py run_effects``: the worker's code path without Celery.
    """
    wanted = set(names) if names is not None else None
    ran = 0
    for _round in range(rounds):
        query = Effect.objects.filter(status=EffectStatus.PENDING)
        if wanted is not None:
            query = query.filter(name__in=wanted)
        ids = list(query.order_by("pk").values_list("pk", flat=True))
        if not ids:
            break
        progressed = sum(execute_effect(pk) for pk in ids)
        ran += progressed
        if not progressed:
            break
    return ran


def purge_done_effects() -> int:
    """Delete done effects older than ``EFFECTS_RETENTION_DAYS`` (failed ones stay until retried)."""
    cutoff = timezone.now() - timedelta(days=settings.EFFECTS_RETENTION_DAYS)
    deleted, _rows = Effect.objects.filter(status=EffectStatus.DONE, done_at__lt=cutoff).delete()
    return deleted


# --- tasks ---------------------------------------------------------------------------------------
# Defined here rather than in tasks.py because effect() hands over to them and tasks.py imports this.


@shared_task(name="core.run_effect", time_limit=1800, soft_time_limit=1770)
def run_effect_task(effect_id: int) -> bool:
    return execute_effect(effect_id)
