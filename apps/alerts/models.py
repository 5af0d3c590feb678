"""Saved searches (关注) and the digests of new listings and challenges sent for them.

A :class:`SavedSearch` is one user's standing question: which kinds (achievements, demands,
challenges), in which technology fields, industries, regions, with which keywords. A digest lists
what was published since the last one; :class:`DigestItem` remembers every item a saved search has
sent, so nothing is sent twice (a listing withdrawn and published again is not new).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimeStampedModel


class AlertKind(models.TextChoices):
    ACHIEVEMENT = "achievement", _("achievements")
    DEMAND = "demand", _("demands")
    CHALLENGE = "challenge", _("challenges")


class Frequency(models.TextChoices):
    DAILY = "daily", _("daily")
    WEEKLY = "weekly", _("weekly")


class SavedSearch(TimeStampedModel):
    """What a user follows, how and how often they hear of it, and where the last digest stopped.

    Within a criterion any value matches (fields 03 or 05); across criteria all must (field 03 and
    region 450200). Each keyword phrase is matched like the listing search (every word of the phrase,
    Chinese segmented); any phrase matching is enough.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="saved_searches"
    )
    name = models.CharField(_("name"), max_length=100)
    kinds = ArrayField(models.CharField(max_length=16, choices=AlertKind.choices), verbose_name=_("kinds"), size=3)
    technology_fields = ArrayField(
        models.CharField(max_length=8), verbose_name=_("technology fields"), default=list, blank=True, size=11
    )
    industries = ArrayField(
        models.CharField(max_length=48), verbose_name=_("industries"), default=list, blank=True, size=20
    )
    regions = ArrayField(models.CharField(max_length=6), verbose_name=_("regions"), default=list, blank=True, size=20)
    keywords = ArrayField(
        models.CharField(max_length=40), verbose_name=_("keywords"), default=list, blank=True, size=10
    )
    include_own_organization = models.BooleanField(_("include my organisations' own"), default=False)
    in_app = models.BooleanField(_("in-app digest"), default=True)
    email = models.BooleanField(_("e-mail digest"), default=True)
    frequency = models.CharField(_("frequency"), max_length=8, choices=Frequency.choices, default=Frequency.DAILY)
    # Items published after this are new for the next digest (the creation time at first).
    last_digest_at = models.DateTimeField(_("last digest at"))
    next_digest_at = models.DateTimeField(_("next digest at"), db_index=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("saved search")
        verbose_name_plural = _("saved searches")
        indexes = [models.Index(fields=["user", "-id"], name="saved_search_user")]

    def __str__(self) -> str:
        return self.name


class Digest(models.Model):
    """One digest sent for a saved search: the items published in ``(since, until]`` it listed."""

    saved_search = models.ForeignKey(
        SavedSearch, verbose_name=_("saved search"), on_delete=models.CASCADE, related_name="digests"
    )
    since = models.DateTimeField(_("since"))
    until = models.DateTimeField(_("until"))
    item_count = models.PositiveIntegerField(_("items"), default=0)
    more_count = models.PositiveIntegerField(_("items not listed"), default=0)
    notification = models.ForeignKey(
        "notifications.Notification",
        verbose_name=_("notification"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("digest")
        verbose_name_plural = _("digests")

    def __str__(self) -> str:
        return f"{self.saved_search_id} {self.until:%Y-%m-%d %H:%M}"


class DigestItem(models.Model):
    """An item a saved search has sent; unique per saved search, so no digest repeats another's."""

    digest = models.ForeignKey(Digest, verbose_name=_("digest"), on_delete=models.CASCADE, related_name="items")
    saved_search = models.ForeignKey(
        SavedSearch, verbose_name=_("saved search"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=AlertKind.choices)
    object_id = models.BigIntegerField(_("object id"))
    title = models.CharField(_("title"), max_length=200)
    published_at = models.DateTimeField(_("published at"))

    class Meta:
        ordering = ["id"]
        verbose_name = _("digest item")
        verbose_name_plural = _("digest items")
        constraints = [
            models.UniqueConstraint(fields=["saved_search", "kind", "object_id"], name="digest_item_once"),
        ]

    def __str__(self) -> str:
        return self.title
