from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimeStampedModel


class NotificationKind(models.TextChoices):
    """Every kind of notification the market sends: one list, so a client can switch on ``kind``.

    The values are stored and served as they are; a new kind is added here before any app sends it.
    """

    ORGANIZATION_SUBMITTED = "organization.submitted", _("organisation submitted for verification")
    ORGANIZATION_VERIFICATION = "organization.verification", _("organisation verification decided")
    ORGANIZATION_MEMBERSHIP = "organization.membership", _("membership changed")
    EFFECT_FAILED = "effect_failed", _("background work failed")
    LISTING_SUBMITTED = "listing_submitted", _("listing submitted for review")
    LISTING_REVIEWED = "listing_reviewed", _("listing reviewed")
    NDA_REQUESTED = "nda_requested", _("NDA requested")
    NDA_DECIDED = "nda_decided", _("NDA decided")
    CUSTODY_STARTED = "custody_started", _("custody started")
    CUSTODY_ANNUITY_REMINDER = "custody_annuity_reminder", _("annuity reminder")
    BROKER_VERIFICATION_REQUESTED = "broker.verification_requested", _("broker verification requested")
    BROKER_VERIFICATION = "broker.verification", _("broker verification decided")
    BROKER_INTRODUCTION = "broker.introduction", _("introduction recorded")
    MATCH_FOUND = "match_found", _("new matches")
    MATCHING_REBUILD_DIFFERENCES = "matching_rebuild_differences", _("matching rebuild found differences")
    CHALLENGE_SUBMITTED = "challenge.submitted", _("challenge submitted for review")
    CHALLENGE_REVIEWED = "challenge.reviewed", _("challenge reviewed")
    CHALLENGE_CANCELLED = "challenge.cancelled", _("challenge cancelled")
    CHALLENGE_BID_SUBMITTED = "challenge.bid_submitted", _("bid submitted")
    CHALLENGE_AWARDED = "challenge.awarded", _("challenge awarded")
    CHALLENGE_NOT_AWARDED = "challenge.not_awarded", _("bid not awarded")
    CHALLENGE_MILESTONE_REVIEWED = "challenge.milestone_reviewed", _("milestone reviewed")
    DEAL_CREATED = "deal.created", _("deal opened")
    DEAL_STAGE = "deal.stage", _("deal stage changed")
    NEGOTIATION_MESSAGE = "negotiation.message", _("new negotiation message")
    CONTRACTS_BROKER_BYPASS = "contracts.broker_bypass", _("broker bypassed")
    CONTRACTS_REGISTRATION_DECIDED = "contracts.registration_decided", _("registration decided")
    CONTRACTS_REGISTRATION_OVERDUE = "contracts.registration_overdue", _("registration overdue")
    STATS_RECOMPUTE_DIFFERENCES = "stats.recompute_differences", _("statistics recompute found differences")
    WEBHOOK_DISABLED = "webhooks.subscription_disabled", _("webhook subscription switched off")
    ALERTS_DIGEST = "alerts.digest", _("new for a saved search")
    TRADING_OBJECTION = "trading.objection", _("objection to a sale")
    TRADING_OBJECTION_RESOLVED = "trading.objection_resolved", _("objection resolved")
    TRADING_WITHDRAWN = "trading.withdrawn", _("sale withdrawn")
    TRADING_SOLD = "trading.sold", _("sale concluded")
    TRADING_UNSOLD = "trading.unsold", _("auction closed unsold")
    TRADING_OUTBID = "trading.outbid", _("outbid")
    TRADING_WON = "trading.won", _("auction won")
    TRADING_LOST = "trading.lost", _("auction lost")
    TRADING_DEPOSIT = "trading.deposit", _("deposit changed")


class Notification(TimeStampedModel):
    """An in-app message to one user; e-mailed too when the user has an address and it was asked for."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=64, help_text=_("Machine name, e.g. organization.verification."))
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), max_length=5000, blank=True)
    target_type = models.CharField(_("target type"), max_length=64, blank=True)
    target_id = models.CharField(_("target id"), max_length=64, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)
    # A sender's lease on the e-mail: another run leaves it alone until then (see notification_send_emails).
    email_claimed_until = models.DateTimeField(_("e-mail claimed until"), null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["recipient", "-id"]),
            models.Index(fields=["recipient"], condition=models.Q(read_at__isnull=True), name="notification_unread"),
        ]

    def __str__(self) -> str:
        return self.title
