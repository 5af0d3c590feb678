"""Webhook tasks: a delivery's retries, the sweeper of lost retries, the log's purge."""

from __future__ import annotations

from celery import shared_task

from apps.webhooks.delivery import delivery_attempt, purge_events, sweep_deliveries

# A lost retry message is found again by the sweeper (the delivery row is the record, and its claim
# makes a duplicate run harmless); the time limits cover one request (WEBHOOKS_TIMEOUT_SECONDS) with room.


@shared_task(name="webhooks.attempt_delivery", time_limit=120, soft_time_limit=100)
def attempt_delivery_task(delivery_id: int) -> str | None:
    return delivery_attempt(delivery_id=delivery_id)


@shared_task(name="webhooks.sweep_deliveries", time_limit=120, soft_time_limit=100)
def sweep_deliveries_task() -> int:
    return sweep_deliveries()


@shared_task(name="webhooks.purge", time_limit=1800, soft_time_limit=1770)
def purge_task() -> int:
    return purge_events()
