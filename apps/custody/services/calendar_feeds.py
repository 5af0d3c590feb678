"""A person's secret iCalendar feed address of annuity due dates: only the token's hash is stored."""

from __future__ import annotations

import secrets

from apps.accounts.models import User
from apps.custody.models import CalendarFeed
from apps.custody.selectors import feed_token_hash


def calendar_feed_rotate(*, user: User) -> str:
    """Make (or replace) the user's feed; returns the new token, which is shown once."""
    token = secrets.token_urlsafe(32)
    CalendarFeed.objects.update_or_create(user=user, defaults={"token_hash": feed_token_hash(token)})
    return token


def calendar_feed_revoke(*, user: User) -> None:
    CalendarFeed.objects.filter(user=user).delete()
