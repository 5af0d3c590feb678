"""Webhooks: an organisation's subscriptions, the events published to them, and every delivery attempt.

See docs/webhooks.md for the receiver's side (headers, signature, replay window, retries).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimeStampedModel


class EventType(models.TextChoices):
    """Every event an integrator can subscribe to: one list, served at ``GET /webhooks/event-types``."""

    LISTING_CREATED = "listing.created", _("a listing was created")
    LISTING_UPDATED = "listing.updated", _("a listing was edited")
    LISTING_PUBLISHED = "listing.published", _("a listing was published")
    LISTING_WITHDRAWN = "listing.withdrawn", _("a listing was withdrawn")
    MATCH_CREATED = "match.created", _("a new match for one of your listings")
    DEAL_STAGE_CHANGED = "deal.stage_changed", _("a deal changed stage")
    CONTRACT_CREATED = "contract.created", _("a contract was recorded")
    CONTRACT_SIGNED = "contract.signed", _("a contract was signed")
    REGISTRATION_APPLIED = "registration.applied", _("a contract registration was applied for")
    REGISTRATION_APPROVED = "registration.approved", _("a contract registration was approved")
    REGISTRATION_REJECTED = "registration.rejected", _("a contract registration was rejected")
    PAYMENT_RECORDED = "payment.recorded", _("a contract payment was recorded")
    CUSTODY_ANNUITY_DUE = "custody.annuity_due", _("a patent annuity in custody is due")
    CUSTODY_ANNUITY_OVERDUE = "custody.annuity_overdue", _("a patent annuity in custody is overdue")
    PING = "webhook.ping", _("a test event sent on request")


class DisabledReason(models.TextChoices):
    NONE = "", _("not disabled")
    BY_USER = "by_user", _("switched off by the organisation")
    FAILING = "failing", _("switched off after persistent delivery failures")


class Subscription(TimeStampedModel):
    """Where an organisation wants to hear of events: a URL, the event types, a signing secret.

    Optionally bound to one of the organisation's API keys (its integration): the key then manages it,
    and revoking the key stops its deliveries. The secret signs every delivery (Standard Webhooks
    style); after a rotation the previous one keeps signing, beside the new, until its grace ends.
    """

    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="webhook_subscriptions",
    )
    api_key = models.ForeignKey(
        "accounts.ApiKey",
        verbose_name=_("API key"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="webhook_subscriptions",
    )
    url = models.URLField(_("target URL"), max_length=2000)
    description = models.CharField(_("description"), max_length=500, blank=True)
    # Empty: every event type.
    event_types = ArrayField(models.CharField(max_length=64), verbose_name=_("event types"), default=list, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    disabled_reason = models.CharField(
        _("disabled reason"), max_length=16, choices=DisabledReason.choices, default=DisabledReason.NONE, blank=True
    )
    disabled_at = models.DateTimeField(_("disabled at"), null=True, blank=True)
    # Stored as given to the receiver: a delivery must sign with it (an HMAC key cannot be hashed away).
    secret = models.CharField(_("signing secret"), max_length=100)
    previous_secret = models.CharField(_("previous signing secret"), max_length=100, blank=True)
    previous_secret_expires_at = models.DateTimeField(_("previous secret valid until"), null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(_("consecutive failed attempts"), default=0)
    failing_since = models.DateTimeField(_("failing since"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-id"]
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")
        indexes = [models.Index(fields=["organization"], condition=models.Q(is_active=True), name="webhook_sub_active")]

    def __str__(self) -> str:
        return self.url


class Event(models.Model):
    """One event as sent: the exact body is kept, so every delivery and redelivery signs the same bytes."""

    public_id = models.UUIDField(_("event id"), default=uuid.uuid4, unique=True, editable=False)
    type = models.CharField(_("type"), max_length=64, choices=EventType.choices)
    occurred_at = models.DateTimeField(_("occurred at"))
    body = models.TextField(_("body"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("webhook event")
        verbose_name_plural = _("webhook events")

    def __str__(self) -> str:
        return f"{self.type} {self.public_id}"

    @property
    def message_id(self) -> str:
        """The ``Webhook-Id``: the same for every attempt and redelivery of this event (receivers dedupe on it)."""
        return f"evt_{self.public_id.hex}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    SUCCEEDED = "succeeded", _("succeeded")
    FAILED = "failed", _("failed")
    CANCELLED = "cancelled", _("cancelled")


class Delivery(models.Model):
    """One event to one subscription: attempted until a 2xx answer or the retry schedule runs out."""

    event = models.ForeignKey(Event, verbose_name=_("event"), on_delete=models.CASCADE, related_name="deliveries")
    subscription = models.ForeignKey(
        Subscription, verbose_name=_("subscription"), on_delete=models.CASCADE, related_name="deliveries"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING, db_index=True
    )
    attempt_count = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    # A sender's claim: another run leaves the delivery alone until then.
    leased_until = models.DateTimeField(_("leased until"), null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(_("last status code"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    redelivery_of = models.ForeignKey(
        "self", verbose_name=_("redelivery of"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        indexes = [
            models.Index(fields=["subscription", "-id"]),
            models.Index(fields=["next_attempt_at"], condition=models.Q(status="pending"), name="webhook_delivery_due"),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.subscription_id}"


class Attempt(models.Model):
    """One HTTP request of a delivery: what the receiver answered, how fast, or why it failed."""

    delivery = models.ForeignKey(
        Delivery, verbose_name=_("delivery"), on_delete=models.CASCADE, related_name="attempts"
    )
    number = models.PositiveSmallIntegerField(_("number"))
    attempted_at = models.DateTimeField(_("attempted at"))
    url = models.URLField(_("target URL"), max_length=2000)
    succeeded = models.BooleanField(_("succeeded"), default=False)
    status_code = models.PositiveSmallIntegerField(_("status code"), null=True, blank=True)
    duration_ms = models.PositiveIntegerField(_("response time (ms)"), null=True, blank=True)
    response_body = models.TextField(_("response body (truncated)"), blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)

    class Meta:
        ordering = ["number"]
        verbose_name = _("webhook delivery attempt")
        verbose_name_plural = _("webhook delivery attempts")
        constraints = [models.UniqueConstraint(fields=["delivery", "number"], name="webhook_attempt_unique_number")]

    def __str__(self) -> str:
        return f"{self.delivery_id} #{self.number}"
