"""Reads of webhook subscriptions and their delivery logs, scoped to the actor.

A person sees the subscriptions of the organisations they administer; an API key's service account
sees the subscriptions bound to that key. Anything else is a 404.
"""

from __future__ import annotations

from typing import cast

from django.db.models import QuerySet
from django.http import Http404

from apps.accounts.models import ApiKey, User
from apps.organizations.access import Actor, admin_organization_ids
from apps.webhooks.models import Delivery, DeliveryStatus, Subscription


def actor_api_key(actor: Actor) -> ApiKey | None:
    """The API key a service account stands for (None for a person)."""
    if not getattr(actor, "is_authenticated", False) or not getattr(actor, "is_service_account", False):
        return None
    return ApiKey.objects.filter(service_user=cast(User, actor)).first()


def subscription_visible_qs(actor: Actor) -> QuerySet[Subscription]:
    if not getattr(actor, "is_authenticated", False):
        return Subscription.objects.none()
    if getattr(actor, "is_service_account", False):
        return Subscription.objects.filter(api_key__service_user=cast(User, actor))
    return Subscription.objects.filter(organization_id__in=admin_organization_ids(actor))


def subscription_list(*, actor: Actor, organization_id: int | None = None) -> QuerySet[Subscription]:
    qs = subscription_visible_qs(actor).select_related("api_key")
    if organization_id is not None:
        qs = qs.filter(organization_id=organization_id)
    return qs.order_by("-id")


def access_subscription(*, actor: Actor, pk: int) -> Subscription:
    subscription = subscription_visible_qs(actor).select_related("api_key").filter(pk=pk).first()
    if subscription is None:
        raise Http404
    return subscription


def delivery_list(*, actor: Actor, subscription: Subscription, status: str | None = None) -> QuerySet[Delivery]:
    """The deliveries of a subscription the caller has accessed, newest first."""
    qs = Delivery.objects.filter(subscription=subscription).select_related("event")
    if status:
        if status not in DeliveryStatus.values:
            return qs.none()
        qs = qs.filter(status=status)
    return qs.order_by("-id")


def access_delivery(*, actor: Actor, pk: int) -> Delivery:
    delivery = (
        Delivery.objects.filter(pk=pk, subscription__in=subscription_visible_qs(actor))
        .select_related("event", "subscription")
        .prefetch_related("attempts")
        .first()
    )
    if delivery is None:
        raise Http404
    return delivery
