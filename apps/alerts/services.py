"""Writes of saved searches, and the digest: what was published since the last one, sent once.

The hourly beat task ``alerts.send_digests`` records the effect ``alerts.send_digest`` for every saved
search whose digest is due; its handler (:func:`saved_search_send_digest`) locks the saved search,
checks it is still due (so a second run, or a duplicate effect, does nothing), stores the digest and
its items (unique per saved search: nothing is sent twice), moves the saved search on to its next
digest, and notifies the user in their language through ``notifications.notify``, whose e-mail is the
durable effect ``notifications.send_emails`` recorded in the same transaction.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.alerts.feed import kind_name
from apps.alerts.models import Digest, DigestItem, Frequency, SavedSearch
from apps.alerts.selectors import DigestEntry, digest_candidates
from apps.core.effects import effect
from apps.core.errors import ApplicationError
from apps.listings import search
from apps.notifications.models import Notification, NotificationKind
from apps.notifications.services import notify
from apps.reference.models import Industry, Region, TechnologyField

PERIODS = {Frequency.DAILY: timedelta(days=1), Frequency.WEEKLY: timedelta(days=7)}
BODY_MAX = 5000


class SavedSearchError(StrEnum):
    NO_CRITERIA = "saved_search_no_criteria"
    NO_CHANNEL = "saved_search_no_channel"
    UNKNOWN_CODE = "saved_search_unknown_code"
    EMPTY_KEYWORD = "saved_search_empty_keyword"
    TOO_MANY = "saved_search_limit"


CRITERIA = ("technology_fields", "industries", "regions", "keywords")
FIELDS = (
    "name",
    "kinds",
    *CRITERIA,
    "include_own_organization",
    "in_app",
    "email",
    "frequency",
)


def _refuse(field: str, message: str, code: SavedSearchError) -> ApplicationError:
    return ApplicationError(message, code=code, field_errors={field: message})


def _check_codes(field: str, codes: list[str], model: Any) -> None:
    known = set(model.objects.filter(pk__in=codes).values_list("pk", flat=True))
    unknown = [code for code in codes if code not in known]
    if unknown:
        raise _refuse(
            field, _("Unknown codes: %(codes)s.") % {"codes": ", ".join(unknown)}, SavedSearchError.UNKNOWN_CODE
        )


def _check(data: dict[str, Any]) -> dict[str, Any]:
    """The saved search's terms, checked as a whole (after a PATCH merged them with the stored ones)."""
    data = dict(data)
    for name in ("kinds", *CRITERIA):
        data[name] = list(dict.fromkeys(value.strip() for value in data.get(name) or []))
    if not any(data[name] for name in CRITERIA):
        raise _refuse(
            "technology_fields",
            _("Follow at least one technology field, industry, region or keyword."),
            SavedSearchError.NO_CRITERIA,
        )
    if not (data.get("in_app") or data.get("email")):
        raise _refuse("email", _("Choose in-app digests, e-mail digests or both."), SavedSearchError.NO_CHANNEL)
    _check_codes("technology_fields", data["technology_fields"], TechnologyField)
    _check_codes("industries", data["industries"], Industry)
    _check_codes("regions", data["regions"], Region)
    for keyword in data["keywords"]:
        if not search.query_text(keyword):
            raise _refuse(
                "keywords",
                _("The keyword %(keyword)s has no word to search for.") % {"keyword": keyword},
                SavedSearchError.EMPTY_KEYWORD,
            )
    return data


@transaction.atomic
def saved_search_create(*, actor: User, data: dict[str, Any]) -> SavedSearch:
    checked = _check(data)
    # The user's row serialises concurrent creations, so the limit holds.
    User.objects.select_for_update().filter(pk=actor.pk).first()
    limit = settings.ALERTS_MAX_SAVED_SEARCHES
    if SavedSearch.objects.filter(user_id=actor.pk).count() >= limit:
        raise ApplicationError(
            _("You can keep at most %(limit)s saved searches.") % {"limit": limit},
            code=SavedSearchError.TOO_MANY,
            extra={"limit": limit},
        )
    now = timezone.now()
    return SavedSearch.objects.create(
        user=actor,
        **{name: checked[name] for name in FIELDS if name in checked},
        last_digest_at=now,
        next_digest_at=now + PERIODS[Frequency(checked.get("frequency") or Frequency.DAILY)],
    )


@transaction.atomic
def saved_search_update(*, actor: User, saved_search: SavedSearch, data: dict[str, Any]) -> SavedSearch:
    # ``saved_search`` came from access_saved_search; locked so a digest being built does not interleave.
    locked = SavedSearch.objects.select_for_update().get(pk=saved_search.pk, user_id=actor.pk)
    merged = {name: getattr(locked, name) for name in FIELDS} | dict(data)
    checked = _check(merged)
    for name in FIELDS:
        setattr(locked, name, checked[name])
    if "frequency" in data:
        locked.next_digest_at = locked.last_digest_at + PERIODS[Frequency(checked["frequency"])]
    locked.save()
    return locked


@transaction.atomic
def saved_search_delete(*, actor: User, saved_search: SavedSearch) -> None:
    SavedSearch.objects.filter(pk=saved_search.pk, user_id=actor.pk).delete()


# --- digests -----------------------------------------------------------------------------------


def digest_text(saved: SavedSearch, entries: list[DigestEntry], total: int) -> tuple[str, str]:
    """Title and body of a digest in the active language; listing titles stay as their owners wrote them."""
    title = _("New for your saved search %(name)s: %(count)s") % {"count": total, "name": saved.name}
    lines = [f"[{kind_name(entry.kind)}] {entry.title}\n{entry.path}" for entry in entries]
    if total > len(entries):
        lines.append(_("… and %(more)s more: open the saved search's preview.") % {"more": total - len(entries)})
    body = "\n\n".join(lines)
    if len(body) > BODY_MAX:
        body = body[: BODY_MAX - 1] + "…"
    return title, body


def _next_due(saved: SavedSearch, now: datetime) -> datetime:
    period = PERIODS[Frequency(saved.frequency)]
    due = saved.next_digest_at + period
    if due <= now:
        # Missed digests are not made up one by one: the next is one period from now.
        due = now + period
    return due


@transaction.atomic
def saved_search_send_digest(*, saved_search_id: int, now: datetime | None = None) -> Digest | None:
    """Send the digest of one saved search if it is due; the digest, or None when nothing was due or new.

    Safe to run twice: the locked row's ``next_digest_at`` is the state guard, and an item is stored
    once per saved search (a unique constraint), so no digest repeats another's.
    """
    now = now or timezone.now()
    saved = SavedSearch.objects.select_for_update().select_related("user").filter(pk=saved_search_id).first()
    if saved is None or saved.next_digest_at > now:
        return None
    entries, total = digest_candidates(saved_search=saved, until=now, limit=settings.ALERTS_DIGEST_MAX_ITEMS)
    since = saved.last_digest_at
    saved.last_digest_at = now
    saved.next_digest_at = _next_due(saved, now)
    saved.save(update_fields=["last_digest_at", "next_digest_at", "updated_at"])
    if not entries:
        return None
    digest = Digest.objects.create(
        saved_search=saved, since=since, until=now, item_count=len(entries), more_count=total - len(entries)
    )
    DigestItem.objects.bulk_create(
        [
            DigestItem(
                digest=digest,
                saved_search=saved,
                kind=entry.kind,
                object_id=entry.object_id,
                title=entry.title[:200],
                published_at=entry.published_at,
            )
            for entry in entries
        ]
    )
    user = saved.user
    with translation.override(user.preferred_language or settings.LANGUAGE_CODE):
        title, body = digest_text(saved, entries, total)
    created = notify(
        recipients=[user], kind=NotificationKind.ALERTS_DIGEST, title=title, body=body, target=digest, email=saved.email
    )
    if created:
        if not saved.in_app:
            # E-mail only: the notification carries the e-mail and is kept, already read, as its record.
            Notification.objects.filter(pk=created[0].pk).update(read_at=now)
        Digest.objects.filter(pk=digest.pk).update(notification=created[0])
    return digest


@transaction.atomic
def saved_searches_record_due_digests(*, now: datetime | None = None, batch: int = 1000) -> int:
    """Record ``alerts.send_digest`` for every saved search whose digest is due; return how many."""
    now = now or timezone.now()
    ids = list(
        SavedSearch.objects.filter(next_digest_at__lte=now, user__is_active=True)
        .order_by("next_digest_at")
        .values_list("pk", flat=True)[:batch]
    )
    for pk in ids:
        effect("alerts.send_digest", saved_search_id=pk)
    return len(ids)
