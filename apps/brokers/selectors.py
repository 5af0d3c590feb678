"""Reads of brokers and introductions.

Broker profiles: verified ones form a public directory (any signed-in user); a pending or rejected
profile is seen by its own person, their agency's admins and the operator, a 404 to anyone else.
Introductions: seen by the broker who recorded them, the two parties' members and the operator.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError

from apps.accounts.models import User
from apps.brokers.models import Broker, BrokerStatus, Introduction
from apps.organizations.access import Actor, admin_organization_ids, is_operator, organization_ids


def broker_for_user(user: Actor | None) -> Broker | None:
    """The user's own broker profile (any status), or None; cached on the user object."""
    if not isinstance(user, User) or not user.is_authenticated:
        return None
    if not hasattr(user, "_market_broker"):
        setattr(user, "_market_broker", Broker.objects.filter(user_id=user.pk).first())  # noqa: B010
    broker: Broker | None = getattr(user, "_market_broker")  # noqa: B009
    return broker


def broker_visible_qs(actor: Actor) -> QuerySet[Broker]:
    qs = Broker.objects.select_related("user", "organization").prefetch_related("fields", "industries", "regions")
    if is_operator(actor):
        return qs
    return qs.filter(
        Q(status=BrokerStatus.VERIFIED) | Q(user_id=actor.pk) | Q(organization_id__in=admin_organization_ids(actor))
    )


def broker_list(*, actor: Actor, filters: Any = None) -> QuerySet[Broker]:
    from apps.brokers.filters import BrokerFilter

    filterset = BrokerFilter(filters or {}, queryset=broker_visible_qs(actor))
    if not filterset.is_valid():
        raise ValidationError(filterset.errors)
    return filterset.qs


def access_broker(*, actor: Actor, pk: int) -> Broker:
    try:
        return broker_visible_qs(actor).get(pk=pk)
    except (Broker.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def introductions_between(*, org_a_id: int, org_b_id: int, since: datetime) -> QuerySet[Introduction]:
    """Introductions of these two organisations (in either order) recorded at or after ``since``.

    No actor: this is for system checks such as the bypass alert (a contract signed by two parties a
    broker introduced, without that broker). Newest first.
    """
    pair = Q(party_a_id=org_a_id, party_b_id=org_b_id) | Q(party_a_id=org_b_id, party_b_id=org_a_id)
    return (
        Introduction.objects.filter(pair, created_at__gte=since)
        .select_related("broker", "broker__user", "broker__organization")
        .order_by("-created_at", "-id")
    )


def introduction_visible_qs(actor: Actor) -> QuerySet[Introduction]:
    qs = Introduction.objects.select_related(
        "broker", "broker__user", "broker__organization", "party_a", "party_b"
    ).order_by("-id")
    if is_operator(actor):
        return qs
    orgs = organization_ids(actor)
    return qs.filter(Q(broker__user_id=actor.pk) | Q(party_a_id__in=orgs) | Q(party_b_id__in=orgs))


def introduction_list(*, actor: Actor, filters: Any = None) -> QuerySet[Introduction]:
    qs = introduction_visible_qs(actor)
    filters = filters or {}
    if broker_id := filters.get("broker"):
        if not str(broker_id).isdigit():
            raise ValidationError({"broker": [_("A broker id is a number.")]})
        qs = qs.filter(broker_id=int(broker_id))
    if org := filters.get("organization"):
        if not str(org).isdigit():
            raise ValidationError({"organization": [_("An organisation id is a number.")]})
        qs = qs.filter(Q(party_a_id=int(org)) | Q(party_b_id=int(org)))
    return qs


def access_introduction(*, actor: Actor, pk: int) -> Introduction:
    try:
        return introduction_visible_qs(actor).get(pk=pk)
    except (Introduction.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
