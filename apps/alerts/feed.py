"""The public listings feed for the city's transparency pages: what was published lately, as JSON and Atom.

Published achievements and demands and public challenges (open, awarded, completed), newest first,
read through each app's visibility selector as an anonymous visitor: a draft, a listing under review,
a withdrawn one or a challenge not yet open is never in it. Titles as their owners wrote them
(Chinese first); the teaser text is the public summary only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.contrib.syndication.views import Feed
from django.http import HttpRequest
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from apps.alerts.models import AlertKind
from apps.challenges.models import PUBLIC_STATUSES
from apps.challenges.selectors import challenge_visible_qs
from apps.listings.models import Achievement, Demand, ListingStatus
from apps.listings.selectors import listing_visible_qs

FEED_DEFAULT_ITEMS = 50
FEED_MAX_ITEMS = 100
SUMMARY_MAX = 500


@dataclass(frozen=True, slots=True)
class FeedItem:
    kind: str
    id: int
    title: str
    summary: str
    technology_field: str
    technology_field_name: str
    region: str
    published_at: datetime

    @property
    def path(self) -> str:
        if self.kind == AlertKind.CHALLENGE:
            return f"/api/v1/challenges/{self.id}"
        return f"/api/v1/{self.kind}s/{self.id}"


def _short(text: str) -> str:
    return text if len(text) <= SUMMARY_MAX else text[: SUMMARY_MAX - 1] + "…"


def public_feed(*, kinds: list[str] | None = None, technology_field: str | None = None, limit: int) -> list[FeedItem]:
    """The newest ``limit`` public items of ``kinds`` (all by default), newest first. Three queries at most."""
    kinds = kinds or list(AlertKind.values)
    anonymous = AnonymousUser()
    items: list[FeedItem] = []
    field_filter = {"technology_field_id": technology_field} if technology_field else {}
    columns = ("pk", "title", "technology_field_id", "technology_field__name_zh", "region_id", "published_at")
    for kind, model, text in (
        (AlertKind.ACHIEVEMENT, Achievement, "summary"),
        (AlertKind.DEMAND, Demand, "description"),
    ):
        if kind not in kinds:
            continue
        rows = (
            listing_visible_qs(model, anonymous)
            .filter(status=ListingStatus.PUBLISHED, published_at__isnull=False, **field_filter)
            .order_by("-published_at", "-pk")
            .values_list(*columns, text)[:limit]
        )
        items += [
            FeedItem(kind, pk, title, _short(summary), field, field_name, region or "", published)
            for pk, title, field, field_name, region, published, summary in rows
        ]
    if AlertKind.CHALLENGE in kinds:
        challenge_filter = {"demand__technology_field_id": technology_field} if technology_field else {}
        rows = (
            challenge_visible_qs(anonymous)
            .filter(status__in=PUBLIC_STATUSES, opened_at__isnull=False, **challenge_filter)
            .order_by("-opened_at", "-pk")
            .values_list(
                "pk",
                "demand__title",
                "demand__technology_field_id",
                "demand__technology_field__name_zh",
                "demand__region_id",
                "opened_at",
                "demand__description",
                "reward",
            )[:limit]
        )
        items += [
            FeedItem(
                AlertKind.CHALLENGE,
                pk,
                title,
                _short(_("Reward %(reward)s yuan. %(text)s") % {"reward": reward, "text": text}),
                field,
                field_name,
                region or "",
                opened,
            )
            for pk, title, field, field_name, region, opened, text, reward in rows
            if opened is not None
        ]
    items.sort(key=lambda item: (item.published_at, item.id), reverse=True)
    return items[:limit]


def kind_name(kind: str) -> str:
    names = {
        AlertKind.ACHIEVEMENT: _("achievement"),
        AlertKind.DEMAND: _("demand"),
        AlertKind.CHALLENGE: _("challenge"),
    }
    return str(names[AlertKind(kind)])


class ListingsAtomFeed(Feed):
    """The same items as the JSON feed, as Atom 1.0 (django.contrib.syndication)."""

    feed_type = Atom1Feed
    link = "/api/v1/open-data/listings"

    def __init__(self, items: list[FeedItem]) -> None:
        self._items = items

    def title(self) -> str:
        return _("Liuzhou technology market: newly published")

    def subtitle(self) -> str:
        return _("Achievements, technical demands and challenges published on the technology market.")

    def items(self) -> list[FeedItem]:
        return self._items

    def item_title(self, item: FeedItem) -> str:
        return f"【{kind_name(item.kind)}】{item.title}"

    def item_description(self, item: FeedItem) -> str:
        return item.summary

    def item_link(self, item: FeedItem) -> str:
        return item.path

    def item_guid(self, item: FeedItem) -> str:
        return f"urn:marketplace:{item.kind}:{item.id}"

    item_guid_is_permalink = False

    def item_pubdate(self, item: FeedItem) -> datetime:
        return item.published_at

    def item_updateddate(self, item: FeedItem) -> datetime:
        return item.published_at

    def item_categories(self, item: FeedItem) -> list[str]:
        return [item.technology_field_name] if item.technology_field_name else []


def atom_response(request: HttpRequest, items: list[FeedItem]) -> Any:
    return ListingsAtomFeed(items)(request)
