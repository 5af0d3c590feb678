"""Reads of saved searches (the owner's own: anyone else gets a 404) and what a digest would hold.

A digest's candidates are what anyone may see: published achievements and demands, open (or later)
challenges, each also passed through the app's own visibility selector for the saved search's user.
What the user's organisations posted is left out unless the saved search asks for it, and so is every
item the saved search has sent before.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from apps.accounts.models import User
from apps.alerts.models import AlertKind, Digest, DigestItem, SavedSearch
from apps.challenges.models import PUBLIC_STATUSES, Challenge
from apps.challenges.selectors import challenge_visible_qs
from apps.listings.filters import region_prefix
from apps.listings.models import Achievement, Demand, ListingStatus
from apps.listings.selectors import listing_visible_qs, search_query
from apps.organizations.access import organization_ids

# A listing published just before a digest may commit just after it: each digest looks this far back
# past the last one, and the items already sent are left out, so it is counted once and not lost.
OVERLAP = timedelta(minutes=15)


@dataclass(frozen=True, slots=True)
class DigestEntry:
    kind: str
    object_id: int
    title: str
    technology_field: str
    region: str
    published_at: datetime

    @property
    def path(self) -> str:
        if self.kind == AlertKind.CHALLENGE:
            return f"/api/v1/challenges/{self.object_id}"
        return f"/api/v1/{self.kind}s/{self.object_id}"


def saved_search_list(*, actor: User) -> QuerySet[SavedSearch]:
    return SavedSearch.objects.filter(user_id=actor.pk).order_by("-id")


def access_saved_search(*, actor: User, pk: Any) -> SavedSearch:
    try:
        return saved_search_list(actor=actor).get(pk=pk)
    except (SavedSearch.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def digest_list(*, saved_search: SavedSearch) -> QuerySet[Digest]:
    # ``saved_search`` came from access_saved_search.
    return Digest.objects.filter(saved_search=saved_search).prefetch_related("items").order_by("-id")


def _any(conditions: list[Q]) -> Q | None:
    return reduce(or_, conditions) if conditions else None


def _criteria(saved: SavedSearch, prefix: str, *, industries: Q | None) -> Q:
    """``prefix`` leads from the candidate to its listing ("" or "demand__")."""
    condition = Q()
    if saved.technology_fields:
        condition &= Q(**{f"{prefix}technology_field_id__in": saved.technology_fields})
    if saved.industries and industries is not None:
        condition &= industries
    regions = _any([Q(**{f"{prefix}region__code__startswith": region_prefix(code)}) for code in saved.regions])
    if regions is not None:
        condition &= regions
    queries = [query for query in (search_query(phrase) for phrase in saved.keywords) if query is not None]
    keywords = _any([Q(**{f"{prefix}search_vector": query}) for query in queries])
    if keywords is not None:
        condition &= keywords
    return condition


def _not_sent(saved: SavedSearch, kind: str) -> Exists:
    return Exists(DigestItem.objects.filter(saved_search_id=saved.pk, kind=kind, object_id=OuterRef("pk")))


def _window(saved: SavedSearch, until: datetime) -> tuple[datetime, datetime]:
    return max(saved.last_digest_at - OVERLAP, saved.created_at), until


def _achievements(saved: SavedSearch, user: User, since: datetime, until: datetime) -> QuerySet[Any]:
    through = Achievement.industries.through
    industries = Exists(through.objects.filter(achievement_id=OuterRef("pk"), industry_id__in=saved.industries))
    qs = listing_visible_qs(Achievement, user).filter(
        _criteria(saved, "", industries=Q(industries)),
        status=ListingStatus.PUBLISHED,
        published_at__gt=since,
        published_at__lte=until,
    )
    if not saved.include_own_organization:
        qs = qs.exclude(owner_id__in=organization_ids(user))
    return qs.exclude(_not_sent(saved, AlertKind.ACHIEVEMENT))


def _demands(saved: SavedSearch, user: User, since: datetime, until: datetime) -> QuerySet[Any]:
    qs = listing_visible_qs(Demand, user).filter(
        _criteria(saved, "", industries=Q(industry_id__in=saved.industries)),
        status=ListingStatus.PUBLISHED,
        published_at__gt=since,
        published_at__lte=until,
    )
    if not saved.include_own_organization:
        qs = qs.exclude(owner_id__in=organization_ids(user))
    return qs.exclude(_not_sent(saved, AlertKind.DEMAND))


def _challenges(saved: SavedSearch, user: User, since: datetime, until: datetime) -> QuerySet[Challenge]:
    # Public challenges only: one the user sees because their organisation bid on it is not news.
    qs = challenge_visible_qs(user).filter(
        _criteria(saved, "demand__", industries=Q(demand__industry_id__in=saved.industries)),
        status__in=PUBLIC_STATUSES,
        opened_at__gt=since,
        opened_at__lte=until,
    )
    if not saved.include_own_organization:
        qs = qs.exclude(issuer_id__in=organization_ids(user))
    return qs.exclude(_not_sent(saved, AlertKind.CHALLENGE))


def digest_candidates(*, saved_search: SavedSearch, until: datetime, limit: int) -> tuple[list[DigestEntry], int]:
    """The items the next digest of ``saved_search`` would hold if sent at ``until``, oldest first, at most
    ``limit``; and how many there are in all."""
    user = saved_search.user
    if not user.is_active:
        return [], 0
    since, until = _window(saved_search, until)
    entries: list[DigestEntry] = []
    total = 0
    kinds = set(saved_search.kinds)
    listing_columns = ("pk", "title", "technology_field_id", "region_id", "published_at")
    if AlertKind.ACHIEVEMENT in kinds:
        qs = _achievements(saved_search, user, since, until)
        total += qs.count()
        rows = qs.order_by("published_at", "pk").values_list(*listing_columns)[:limit]
        entries += [DigestEntry(AlertKind.ACHIEVEMENT, pk, t, f, r or "", at) for pk, t, f, r, at in rows]
    if AlertKind.DEMAND in kinds:
        qs = _demands(saved_search, user, since, until)
        total += qs.count()
        rows = qs.order_by("published_at", "pk").values_list(*listing_columns)[:limit]
        entries += [DigestEntry(AlertKind.DEMAND, pk, t, f, r or "", at) for pk, t, f, r, at in rows]
    if AlertKind.CHALLENGE in kinds:
        challenges = _challenges(saved_search, user, since, until)
        total += challenges.count()
        opened = challenges.order_by("opened_at", "pk").values_list(
            "pk", "demand__title", "demand__technology_field_id", "demand__region_id", "opened_at"
        )[:limit]
        # opened_at is set: the window filtered on it.
        # A listing of an organisation abroad has no region: "".
        entries += [
            DigestEntry(AlertKind.CHALLENGE, pk, t, f, r or "", at) for pk, t, f, r, at in opened if at is not None
        ]
    entries.sort(key=lambda entry: (entry.published_at, entry.kind, entry.object_id))
    return entries[:limit], total
