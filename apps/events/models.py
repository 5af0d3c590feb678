"""Events of the market (线上线下相结合): roadshows (路演) and matchmaking meetings (对接会), their
registrations, one-to-one meeting slots, attendance, and the deals that started there.

A deal is attributed to the event that started it by :class:`EventDealAttribution` (kept here, above
deals, so deals need not know of events); statistics per event follow the deal to its contracts.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimeStampedModel


class EventKind(models.TextChoices):
    ROADSHOW = "roadshow", _("roadshow")
    MATCHMAKING = "matchmaking", _("matchmaking meeting (对接会)")


class EventFormat(models.TextChoices):
    ONLINE = "online", _("online")
    OFFLINE = "offline", _("on site")
    HYBRID = "hybrid", _("online and on site")


class Event(TimeStampedModel):
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=EventKind.choices)
    format = models.CharField(_("format"), max_length=8, choices=EventFormat.choices)
    market = models.ForeignKey("markets.Market", verbose_name=_("market"), on_delete=models.PROTECT, related_name="+")
    venue = models.CharField(_("venue"), max_length=300, blank=True)
    online_url = models.URLField(_("online address"), blank=True)
    description = models.TextField(_("description"), max_length=5000, blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    capacity = models.PositiveIntegerField(_("capacity"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-starts_at", "-id"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")), name="event_ends_after_start")
        ]

    def __str__(self) -> str:
        return self.title


class EventRegistration(TimeStampedModel):
    """A person's place at an event, for one of their organisations."""

    event = models.ForeignKey(Event, verbose_name=_("event"), on_delete=models.CASCADE, related_name="registrations")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="event_registrations"
    )
    organization = models.ForeignKey(
        "organizations.Organization", verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="+"
    )
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("event registration")
        verbose_name_plural = _("event registrations")
        constraints = [models.UniqueConstraint(fields=["event", "user"], name="event_registration_unique")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.event}"


class MeetingSlot(TimeStampedModel):
    """A one-to-one meeting between two registrants at an event; neither is booked twice at once."""

    event = models.ForeignKey(Event, verbose_name=_("event"), on_delete=models.CASCADE, related_name="slots")
    requester = models.ForeignKey(
        EventRegistration, verbose_name=_("requester"), on_delete=models.CASCADE, related_name="+"
    )
    counterpart = models.ForeignKey(
        EventRegistration, verbose_name=_("counterpart"), on_delete=models.CASCADE, related_name="+"
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    table = models.CharField(_("table or room"), max_length=40, blank=True)

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("meeting slot")
        verbose_name_plural = _("meeting slots")
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")), name="slot_ends_after_start"),
            models.CheckConstraint(condition=~models.Q(requester=models.F("counterpart")), name="slot_two_parties"),
        ]

    def __str__(self) -> str:
        return f"{self.event_id} {self.starts_at:%H:%M}"


class EventDealAttribution(TimeStampedModel):
    """The event where a deal started (one event per deal)."""

    event = models.ForeignKey(Event, verbose_name=_("event"), on_delete=models.PROTECT, related_name="deals")
    deal = models.OneToOneField(
        "deals.Deal", verbose_name=_("deal"), on_delete=models.CASCADE, related_name="event_attribution"
    )
    attributed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("attributed by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("deal attributed to an event")
        verbose_name_plural = _("deals attributed to events")

    def __str__(self) -> str:
        return f"{self.deal_id} ← {self.event_id}"
