"""Reads of notifications. Each user sees only their own; anyone else's is a 404."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from apps.accounts.models import User
from apps.notifications.models import Notification


def _own(actor: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=actor)


def notification_list(*, actor: User, filters: Mapping[str, Any] | None = None) -> QuerySet[Notification]:
    """The actor's notifications, newest first.

    ``filters`` holds validated values: ``unread`` (bool) and ``kind`` (str); an absent or ``None``
    value does not filter.
    """
    filters = filters or {}
    qs = _own(actor).order_by("-id")
    unread = filters.get("unread")
    if unread is not None:
        qs = qs.filter(read_at__isnull=bool(unread))
    kind = filters.get("kind")
    if kind:
        qs = qs.filter(kind=kind)
    return qs


def access_notification(*, actor: User, pk: int) -> Notification:
    try:
        return _own(actor).get(pk=pk)
    except (Notification.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def unread_count(*, actor: User) -> int:
    return _own(actor).filter(read_at__isnull=True).count()
