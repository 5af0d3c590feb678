"""Writes of webhook subscriptions: create, change, switch on and off, rotate the secret, test, redeliver.

Who may: the organisation's admins, and an API key (read and write) for the subscriptions bound to it;
an API key's new subscription is bound to it and belongs to its organisation.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import timedelta
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import ApiKey, User
from apps.core.errors import ApplicationError
from apps.organizations.access import admin_organization_ids
from apps.organizations.models import Organization
from apps.webhooks import delivery as deliveries
from apps.webhooks.models import Delivery, DisabledReason, EventType, Subscription
from apps.webhooks.selectors import actor_api_key
from apps.webhooks.signing import new_secret
from apps.webhooks.targets import TargetRefusedError, resolve_target

MAX_SUBSCRIPTIONS_PER_ORGANIZATION = 20
MAX_GRACE_SECONDS = 7 * 24 * 3600


class WebhookError(StrEnum):
    ORGANIZATION_REQUIRED = "organization_required"
    NOT_ADMIN = "not_organization_admin"
    TARGET_REFUSED = "target_refused"
    UNKNOWN_EVENT_TYPE = "unknown_event_type"
    UNKNOWN_API_KEY = "unknown_api_key"
    TOO_MANY = "too_many_subscriptions"
    INACTIVE = "subscription_inactive"


def check_target(url: str) -> None:
    """Refuse a URL the market may not post to (see apps.webhooks.targets), as a 400 on ``url``."""
    try:
        resolve_target(url, allow_private=settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS)
    except TargetRefusedError as exc:
        raise ApplicationError(
            _("The market cannot send webhooks to this URL."),
            code=WebhookError.TARGET_REFUSED,
            field_errors={"url": str(exc)},
        ) from None


def check_event_types(event_types: Iterable[str]) -> list[str]:
    wanted = list(dict.fromkeys(event_types))
    unknown = [t for t in wanted if t not in EventType.values or t == EventType.PING]
    if unknown:
        raise ApplicationError(
            _("Unknown event types: %(types)s.") % {"types": ", ".join(unknown)},
            code=WebhookError.UNKNOWN_EVENT_TYPE,
            field_errors={"event_types": _("See GET /api/v1/webhooks/event-types for the list.")},
        )
    return wanted


def _owner(*, actor: User, organization_id: int | None, api_key: ApiKey | None) -> Organization:
    if api_key is not None:
        if organization_id is not None and organization_id != api_key.organization_id:
            raise ApplicationError(
                _("An API key manages webhooks of its own organisation only."),
                code=WebhookError.NOT_ADMIN,
                status=403,
                field_errors={"organization_id": _("Not this API key's organisation.")},
            )
        return api_key.organization
    administered = admin_organization_ids(actor)
    if organization_id is None:
        if len(administered) != 1:
            raise ApplicationError(
                _("Say which organisation this subscription is for (organization_id)."),
                code=WebhookError.ORGANIZATION_REQUIRED,
                field_errors={"organization_id": _("Required unless you administer exactly one organisation.")},
            )
        (organization_id,) = administered
    elif organization_id not in administered:
        raise ApplicationError(
            _("Only an administrator of the organisation may manage its webhooks."),
            code=WebhookError.NOT_ADMIN,
            status=403,
            field_errors={"organization_id": _("You do not administer this organisation.")},
        )
    return Organization.objects.get(pk=organization_id)


def _bound_key(*, organization: Organization, prefix: str | None) -> ApiKey | None:
    if not prefix:
        return None
    key = ApiKey.objects.filter(prefix=prefix, organization=organization, revoked=False).first()
    if key is None:
        raise ApplicationError(
            _("Unknown or revoked API key of this organisation."),
            code=WebhookError.UNKNOWN_API_KEY,
            field_errors={"api_key_id": _("Unknown id.")},
        )
    return key


@transaction.atomic
def subscription_create(
    *,
    actor: User,
    url: str,
    event_types: Iterable[str] = (),
    description: str = "",
    is_active: bool = True,
    organization_id: int | None = None,
    api_key_id: str | None = None,
) -> Subscription:
    """A new subscription with a fresh secret (shown to the caller once, in the answer)."""
    own_key = actor_api_key(actor)
    organization = _owner(actor=actor, organization_id=organization_id, api_key=own_key)
    bound = own_key or _bound_key(organization=organization, prefix=api_key_id)
    types = check_event_types(event_types)
    check_target(url)
    # Locks the organisation so two concurrent creations cannot both pass the limit.
    Organization.objects.select_for_update().filter(pk=organization.pk).first()
    if Subscription.objects.filter(organization=organization).count() >= MAX_SUBSCRIPTIONS_PER_ORGANIZATION:
        raise ApplicationError(
            _("An organisation can have at most %(count)d webhook subscriptions.")
            % {"count": MAX_SUBSCRIPTIONS_PER_ORGANIZATION},
            code=WebhookError.TOO_MANY,
            status=409,
        )
    return Subscription.objects.create(
        organization=organization,
        api_key=bound,
        url=url,
        description=description,
        event_types=types,
        is_active=is_active,
        disabled_reason=DisabledReason.NONE if is_active else DisabledReason.BY_USER,
        disabled_at=None if is_active else timezone.now(),
        secret=new_secret(),
        created_by=actor,
    )


@transaction.atomic
def subscription_update(*, actor: User, subscription: Subscription, data: Mapping[str, Any]) -> Subscription:
    """Change the URL, event types, description or active flag. Switching a subscription on again
    clears its failure count; switching it off keeps its log."""
    locked = Subscription.objects.select_for_update().get(pk=subscription.pk)
    if "url" in data and data["url"] != locked.url:
        check_target(data["url"])
        locked.url = data["url"]
    if "event_types" in data:
        locked.event_types = check_event_types(data["event_types"])
    if "description" in data:
        locked.description = data["description"]
    if "is_active" in data and data["is_active"] != locked.is_active:
        locked.is_active = data["is_active"]
        if locked.is_active:
            locked.disabled_reason, locked.disabled_at = DisabledReason.NONE, None
            locked.consecutive_failures, locked.failing_since = 0, None
        else:
            locked.disabled_reason, locked.disabled_at = DisabledReason.BY_USER, timezone.now()
    locked.save()
    return locked


@transaction.atomic
def subscription_delete(*, actor: User, subscription: Subscription) -> None:
    """Gone with its delivery log; deliveries still waiting are dropped with it."""
    Subscription.objects.filter(pk=subscription.pk).delete()


@transaction.atomic
def subscription_rotate_secret(
    *, actor: User, subscription: Subscription, grace_seconds: int | None = None
) -> Subscription:
    """A new secret; the previous one keeps signing beside it for ``grace_seconds`` (default
    ``WEBHOOKS_SECRET_GRACE_SECONDS``; 0 ends it at once, for a leaked secret)."""
    grace = settings.WEBHOOKS_SECRET_GRACE_SECONDS if grace_seconds is None else grace_seconds
    grace = max(0, min(grace, MAX_GRACE_SECONDS))
    locked = Subscription.objects.select_for_update().get(pk=subscription.pk)
    if grace:
        locked.previous_secret = locked.secret
        locked.previous_secret_expires_at = timezone.now() + timedelta(seconds=grace)
    else:
        locked.previous_secret, locked.previous_secret_expires_at = "", None
    locked.secret = new_secret()
    locked.save()
    return locked


def _require_active(subscription: Subscription) -> None:
    if not deliveries.live_subscriptions().filter(pk=subscription.pk).exists():
        raise ApplicationError(
            _("The subscription is switched off (or its API key was revoked): switch it on first."),
            code=WebhookError.INACTIVE,
            status=409,
        )


@transaction.atomic
def subscription_ping(*, actor: User, subscription: Subscription) -> Delivery:
    """Send a ``webhook.ping`` test event to the subscription's URL now."""
    _require_active(subscription)
    return deliveries.ping(subscription=subscription)


@transaction.atomic
def delivery_redeliver(*, actor: User, delivery: Delivery) -> Delivery:
    """Send a delivered (or failed) event again: a new delivery of the same event, with its own log."""
    _require_active(delivery.subscription)
    return deliveries.redeliver(delivery=delivery)
