"""Deals (交易): the pipeline from a first introduction to a signed, registered and completed contract.

Every change to a deal, its participants and its activity log is kept by trigger-based history
(django-pghistory): bulk and queryset updates included, with the acting user from the request context.
"""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimeStampedModel
from apps.deals import transitions

# DealStage is defined with the transition table and importable from here, as the model's choices.
from apps.deals.transitions import DealStage, Role


class DealCloseReason(models.TextChoices):
    """Why a deal was lost or cancelled (a note gives the details)."""

    PRICE = "price", _("price not agreed")
    TECHNOLOGY_FIT = "technology_fit", _("technology does not fit")
    TIMING = "timing", _("timing")
    COMPETITOR = "competitor", _("went to a competitor")
    BUYER_WITHDREW = "buyer_withdrew", _("buyer withdrew")
    SELLER_WITHDREW = "seller_withdrew", _("seller withdrew")
    IP_ISSUE = "ip_issue", _("IP ownership or validity problem")
    CONTRACT_TERMINATED = "contract_terminated", _("contract terminated or annulled")
    DUPLICATE = "duplicate", _("duplicate deal")
    OTHER = "other", _("other")


class ParticipantRole(models.TextChoices):
    BUYER = "buyer", _("buyer")
    SELLER = "seller", _("seller")
    BROKER = "broker", _("broker")


class ActivityKind(models.TextChoices):
    NOTE = "note", _("note")
    CALL = "call", _("call")
    MEETING = "meeting", _("meeting")
    SYSTEM = "system", _("system")


def _tracked() -> tuple[pghistory.RowEvent, ...]:
    """Fresh trackers per model (a tracker instance binds to the model it is registered on)."""
    return (pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())


@pghistory.track(*_tracked())
class Deal(TimeStampedModel):
    """One deal between a buyer and a seller organisation, run by the parties and their brokers.

    ``version`` rises by one on every change; clients read it as the ``ETag`` and send it back in
    ``If-Match``, and every write is a conditional ``UPDATE ... WHERE version = expected``.
    """

    title = models.CharField(_("title"), max_length=200)
    buyer = models.ForeignKey(
        "organizations.Organization", verbose_name=_("buyer"), on_delete=models.PROTECT, related_name="deals_bought"
    )
    seller = models.ForeignKey(
        "organizations.Organization", verbose_name=_("seller"), on_delete=models.PROTECT, related_name="deals_sold"
    )
    stage = models.CharField(
        _("stage"), max_length=20, choices=DealStage.choices, default=DealStage.LEAD, db_index=True
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    introduction = models.ForeignKey(
        "brokers.Introduction",
        verbose_name=_("introduction"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="deals",
    )
    demand = models.ForeignKey(
        "listings.Demand", verbose_name=_("demand"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    achievement = models.ForeignKey(
        "listings.Achievement",
        verbose_name=_("achievement"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    description = models.TextField(_("description"), max_length=5000, blank=True)
    close_reason = models.CharField(_("close reason"), max_length=32, choices=DealCloseReason.choices, blank=True)
    close_note = models.CharField(_("close note"), max_length=1000, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    stage_changed_at = models.DateTimeField(_("stage changed at"), default=timezone.now)
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("deal")
        verbose_name_plural = _("deals")
        constraints = [
            models.CheckConstraint(condition=~models.Q(buyer=models.F("seller")), name="deal_distinct_parties"),
            models.CheckConstraint(
                condition=~models.Q(stage__in=["lost", "cancelled"]) | ~models.Q(close_reason=""),
                name="deal_closed_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["buyer", "seller"], name="deal_parties_idx"),
            models.Index(fields=["seller"], name="deal_seller_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def stage_value(self) -> DealStage:
        return DealStage(self.stage)

    def can_move_to(self, to: str, roles: frozenset[Role] | set[Role]) -> bool:
        return transitions.can_move(self.stage_value, DealStage(to), roles)


@pghistory.track(*_tracked())
class DealParticipant(TimeStampedModel):
    """Who takes part in a deal: the buyer and seller organisations, and any brokers."""

    deal = models.ForeignKey(Deal, verbose_name=_("deal"), on_delete=models.CASCADE, related_name="participants")
    role = models.CharField(_("role"), max_length=8, choices=ParticipantRole.choices)
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    broker = models.ForeignKey(
        "brokers.Broker",
        verbose_name=_("broker"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="deal_participations",
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("deal participant")
        verbose_name_plural = _("deal participants")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(role="broker", broker__isnull=False, organization__isnull=True)
                    | models.Q(role__in=["buyer", "seller"], broker__isnull=True, organization__isnull=False)
                ),
                name="deal_participant_role_matches",
            ),
            models.UniqueConstraint(
                fields=["deal", "broker"],
                condition=models.Q(broker__isnull=False),
                name="deal_participant_unique_broker",
            ),
            models.UniqueConstraint(
                fields=["deal", "role"],
                condition=models.Q(role__in=["buyer", "seller"]),
                name="deal_participant_unique_party_role",
            ),
        ]

    def __str__(self) -> str:
        who = self.broker if self.broker_id else self.organization
        return f"{self.deal_id}: {who} ({self.role})"


@pghistory.track(*_tracked())
class DealActivity(TimeStampedModel):
    """The deal's log: notes, calls and meetings by people, and system entries for stage changes."""

    deal = models.ForeignKey(Deal, verbose_name=_("deal"), on_delete=models.CASCADE, related_name="activities")
    kind = models.CharField(_("kind"), max_length=8, choices=ActivityKind.choices)
    text = models.TextField(_("text"), max_length=5000)
    occurred_at = models.DateTimeField(_("occurred at"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("deal activity")
        verbose_name_plural = _("deal activities")
        indexes = [models.Index(fields=["deal", "-occurred_at", "-id"], name="deal_activity_timeline_idx")]

    def __str__(self) -> str:
        return f"{self.deal_id} {self.kind} {self.occurred_at:%Y-%m-%d}"
