"""Publishing events and delivering them: the part of webhooks the other apps and the workers use.

``publish(event_type, organization_ids, data)`` is the one call an app makes when something an
integrator may hear of happened, inside the transaction of that change. It stores the event's body
once and one :class:`~apps.webhooks.models.Delivery` per receiving subscription, each with the durable
effect ``webhooks.deliver``: the change, the event and the promise to deliver it commit together.

A delivery is attempted by :func:`delivery_attempt` (the effect's first run, then the retry task
``webhooks.attempt_delivery`` after each failure, per ``WEBHOOKS_RETRY_SCHEDULE_SECONDS``; the sweeper
``webhooks.sweep_deliveries`` hands over retries whose message was lost). Each attempt is claimed with
a lease by a conditional UPDATE, so two runs never post the same attempt.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy

from apps.accounts.models import User
from apps.core.effects import effect
from apps.notifications.models import NotificationKind
from apps.notifications.services import notify
from apps.organizations.models import MembershipRole
from apps.webhooks import signing
from apps.webhooks.models import (
    Attempt,
    Delivery,
    DeliveryStatus,
    DisabledReason,
    Event,
    EventType,
    Subscription,
)
from apps.webhooks.targets import Answer, TargetRefusedError, post, resolve_target

logger = logging.getLogger(__name__)

USER_AGENT = "TechMarket-Webhooks/1"
# A lease covers the request's timeout and the recording of its result.
LEASE_MARGIN_SECONDS = 60
# Retries due within this many seconds go to the broker with a countdown; later ones are left to the
# sweeper (a message held unacknowledged for hours would trip RabbitMQ's consumer_timeout).
COUNTDOWN_MAX_SECONDS = 300
# A retry task may reach the worker a moment before the time the database says it is due.
EARLY_TOLERANCE = timedelta(seconds=1)


# --- publishing ----------------------------------------------------------------------------------


def live_subscriptions() -> QuerySet[Subscription]:
    """Active subscriptions, leaving out those bound to an API key that was revoked or has expired."""
    now = timezone.now()
    return Subscription.objects.filter(is_active=True).filter(
        Q(api_key__isnull=True)
        | (Q(api_key__revoked=False) & (Q(api_key__expiry_date__isnull=True) | Q(api_key__expiry_date__gt=now)))
    )


def receiving_subscriptions(*, event_type: str, organization_ids: Iterable[int]) -> QuerySet[Subscription]:
    """Live subscriptions of these organisations that want ``event_type`` (none listed: every type)."""
    return live_subscriptions().filter(
        Q(event_types=[]) | Q(event_types__contains=[event_type]), organization_id__in=list(organization_ids)
    )


def render_body(*, public_id: uuid.UUID, event_type: str, occurred_at: datetime, data: Mapping[str, Any]) -> str:
    envelope = {
        "id": f"evt_{public_id.hex}",
        "type": event_type,
        "occurred_at": occurred_at.isoformat(),
        "data": data,
    }
    return json.dumps(envelope, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":"))


def _create_event(*, event_type: str, data: Mapping[str, Any], occurred_at: datetime | None) -> Event:
    public_id = uuid.uuid4()
    when = occurred_at or timezone.now()
    body = render_body(public_id=public_id, event_type=event_type, occurred_at=when, data=data)
    return Event.objects.create(public_id=public_id, type=event_type, occurred_at=when, body=body)


def _deliver(*, event: Event, subscription_ids: Iterable[int], redelivery_of: Delivery | None = None) -> list[Delivery]:
    now = timezone.now()
    deliveries = Delivery.objects.bulk_create(
        [
            Delivery(event=event, subscription_id=pk, next_attempt_at=now, redelivery_of=redelivery_of)
            for pk in subscription_ids
        ]
    )
    for delivery in deliveries:
        effect("webhooks.deliver", delivery_id=delivery.pk)
    return deliveries


@transaction.atomic
def publish(
    event_type: EventType | str,
    organization_ids: Iterable[int | None],
    data: Mapping[str, Any],
    *,
    occurred_at: datetime | None = None,
) -> int:
    """Tell the subscriptions of ``organization_ids`` (the organisations entitled to see it) that
    ``event_type`` happened; ``data`` is the raising app's own description of the record (JSON values,
    Decimals and dates allowed). Returns the number of deliveries recorded (0: nobody listens).

    Call it inside the change's transaction: the deliveries are durable effects committed with it.
    """
    event_type = EventType(event_type).value  # a type not in the one list is a programming error
    ids = {pk for pk in organization_ids if pk is not None}
    if not ids:
        return 0
    subscription_ids = list(
        receiving_subscriptions(event_type=event_type, organization_ids=ids).values_list("pk", flat=True)
    )
    if not subscription_ids:
        return 0
    event = _create_event(event_type=event_type, data=data, occurred_at=occurred_at)
    return len(_deliver(event=event, subscription_ids=subscription_ids))


def ping(*, subscription: Subscription) -> Delivery:
    """A ``webhook.ping`` event to this one subscription, whatever its event types."""
    event = _create_event(
        event_type=EventType.PING,
        data={"subscription_id": subscription.pk, "organization_id": subscription.organization_id},
        occurred_at=None,
    )
    (delivery,) = _deliver(event=event, subscription_ids=[subscription.pk])
    return delivery


def redeliver(*, delivery: Delivery) -> Delivery:
    """The same event (same ``Webhook-Id`` and body) once more, as a new delivery with its own log."""
    (again,) = _deliver(event=delivery.event, subscription_ids=[delivery.subscription_id], redelivery_of=delivery)
    return again


# --- delivering ----------------------------------------------------------------------------------


def _claim(delivery_id: int, *, now: datetime) -> bool:
    lease = now + timedelta(seconds=settings.WEBHOOKS_TIMEOUT_SECONDS + LEASE_MARGIN_SECONDS)
    return bool(
        Delivery.objects.filter(
            pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now + EARLY_TOLERANCE
        )
        .filter(Q(leased_until__isnull=True) | Q(leased_until__lte=now))
        .update(leased_until=lease)
    )


def signing_secrets(subscription: Subscription, *, now: datetime) -> list[str]:
    """The secrets that sign now: the current one, and the previous one during its rotation grace."""
    in_use = [subscription.secret]
    expires = subscription.previous_secret_expires_at
    if subscription.previous_secret and expires is not None and expires > now:
        in_use.append(subscription.previous_secret)
    return in_use


def request_headers(*, delivery: Delivery, attempt_number: int, now: datetime) -> dict[str, str]:
    event = delivery.event
    timestamp = int(now.timestamp())
    return {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        "Webhook-Id": event.message_id,
        "Webhook-Timestamp": str(timestamp),
        "Webhook-Signature": signing.signature_header(
            secrets_in_use=signing_secrets(delivery.subscription, now=now),
            message_id=event.message_id,
            timestamp=timestamp,
            body=event.body.encode(),
        ),
        "Webhook-Event-Type": event.type,
        "Webhook-Delivery-Id": str(delivery.pk),
        "Webhook-Attempt": str(attempt_number),
    }


def _still_wanted(subscription: Subscription) -> bool:
    return live_subscriptions().filter(pk=subscription.pk).exists()


def delivery_attempt(*, delivery_id: int) -> str | None:
    """Make the delivery's next attempt if it is due and nobody else is making it; return its outcome
    (``succeeded``, ``retry``, ``failed``, ``cancelled``) or None when there was nothing to do.

    Not atomic on purpose: the claim is committed before the request goes out, and the request is
    not made while holding a row lock.
    """
    now = timezone.now()
    if not _claim(delivery_id, now=now):
        return None
    delivery = Delivery.objects.select_related("event", "subscription").get(pk=delivery_id)
    subscription = delivery.subscription
    if not _still_wanted(subscription):
        Delivery.objects.filter(pk=delivery_id).update(
            status=DeliveryStatus.CANCELLED, leased_until=None, next_attempt_at=None, last_error="subscription inactive"
        )
        return DeliveryStatus.CANCELLED.value
    number = delivery.attempt_count + 1
    try:
        target = resolve_target(subscription.url, allow_private=settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS)
    except TargetRefusedError as exc:
        answer = Answer(status=None, body="", duration_ms=0, error=str(exc)[:500])
    else:
        answer = post(
            target,
            body=delivery.event.body.encode(),
            headers=request_headers(delivery=delivery, attempt_number=number, now=now),
            timeout=settings.WEBHOOKS_TIMEOUT_SECONDS,
            body_limit=settings.WEBHOOKS_RESPONSE_BODY_LIMIT,
        )
    outcome, retry_in = _record(delivery=delivery, number=number, now=now, answer=answer)
    if retry_in is not None:
        _schedule_retry(delivery_id, retry_in)
    return outcome


def _record(*, delivery: Delivery, number: int, now: datetime, answer: Answer) -> tuple[str, float | None]:
    succeeded = answer.status is not None and 200 <= answer.status < 300
    error = answer.error or ("" if succeeded else f"HTTP {answer.status}")
    with transaction.atomic():
        Attempt.objects.create(
            delivery=delivery,
            number=number,
            attempted_at=now,
            url=delivery.subscription.url,
            succeeded=succeeded,
            status_code=answer.status,
            duration_ms=answer.duration_ms,
            response_body=answer.body,
            error=error,
        )
        common = {"attempt_count": number, "last_status_code": answer.status, "last_error": error, "leased_until": None}
        if succeeded:
            Delivery.objects.filter(pk=delivery.pk).update(
                status=DeliveryStatus.SUCCEEDED, delivered_at=timezone.now(), next_attempt_at=None, **common
            )
            Subscription.objects.filter(pk=delivery.subscription_id).update(consecutive_failures=0, failing_since=None)
            return DeliveryStatus.SUCCEEDED.value, None
        schedule = settings.WEBHOOKS_RETRY_SCHEDULE_SECONDS
        retry_in = float(schedule[number - 1]) if number <= len(schedule) else None
        if retry_in is not None:
            Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=now + timedelta(seconds=retry_in), **common)
        else:
            Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.FAILED, next_attempt_at=None, **common)
        _count_failure(subscription_id=delivery.subscription_id, now=now)
    return ("retry" if retry_in is not None else DeliveryStatus.FAILED.value), retry_in


def _count_failure(*, subscription_id: int, now: datetime) -> None:
    """One more failed attempt in a row; past the limit and the period the subscription is switched off."""
    Subscription.objects.filter(pk=subscription_id).update(
        consecutive_failures=F("consecutive_failures") + 1, failing_since=Coalesce(F("failing_since"), now)
    )
    period = timedelta(seconds=settings.WEBHOOKS_DISABLE_AFTER_SECONDS)
    disabled = list(
        Subscription.objects.filter(
            pk=subscription_id,
            is_active=True,
            consecutive_failures__gte=settings.WEBHOOKS_DISABLE_AFTER_FAILURES,
            failing_since__lte=now - period,
        ).select_for_update()
    )
    if not disabled:
        return
    (subscription,) = disabled
    Subscription.objects.filter(pk=subscription.pk).update(
        is_active=False, disabled_reason=DisabledReason.FAILING, disabled_at=timezone.now()
    )
    # Deliveries still waiting would only fail too: the organisation redelivers what it needs once fixed.
    Delivery.objects.filter(subscription_id=subscription.pk, status=DeliveryStatus.PENDING).exclude(
        leased_until__gt=now
    ).update(status=DeliveryStatus.CANCELLED, next_attempt_at=None, last_error="subscription disabled")
    admins = User.objects.filter(
        memberships__organization_id=subscription.organization_id,
        memberships__role=MembershipRole.ADMIN,
        is_service_account=False,
    )
    notify(
        recipients=admins,
        kind=NotificationKind.WEBHOOK_DISABLED,
        title=format_lazy(gettext_lazy("Webhook switched off: {url}"), url=subscription.url[:150]),
        body=format_lazy(
            gettext_lazy(
                "{count} delivery attempts in a row to {url} failed. The subscription is switched off; "
                "fix the receiver, switch it on again and redeliver what it missed."
            ),
            count=subscription.consecutive_failures,
            url=subscription.url,
        ),
        target=subscription,
    )


def _schedule_retry(delivery_id: int, delay: float) -> None:
    from apps.webhooks.tasks import attempt_delivery_task

    if delay > COUNTDOWN_MAX_SECONDS:
        return  # the sweeper hands it over once due
    try:
        attempt_delivery_task.apply_async(args=(delivery_id,), countdown=delay, ignore_result=True)
    except Exception:  # broad on purpose: any broker failure: the row is the record, the sweeper retries
        logger.warning("webhook delivery %s: retry not handed over; the sweeper will", delivery_id)


def sweep_deliveries(*, limit: int = 500) -> int:
    """Hand over the due retries nobody is attempting (their message was lost); return how many."""
    now = timezone.now()
    due = list(
        Delivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now - timedelta(seconds=30))
        .filter(Q(leased_until__isnull=True) | Q(leased_until__lte=now))
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in due:
        _schedule_retry(pk, 0)
    return len(due)


def purge_events() -> int:
    """Delete events (their deliveries and attempts with them) older than ``WEBHOOKS_LOG_RETENTION_DAYS``
    whose deliveries are all finished."""
    cutoff = timezone.now() - timedelta(days=settings.WEBHOOKS_LOG_RETENTION_DAYS)
    deleted, _rows = (
        Event.objects.filter(created_at__lt=cutoff).exclude(deliveries__status=DeliveryStatus.PENDING).delete()
    )
    return deleted
