"""Negotiation between a deal's parties: threads, messages with attachments, and who read what.

Only the members of the deal's two organisations and the deal's brokers take part; when the deal
concerns a listing, a party that does not own it reads and writes only once its organisation holds an
accepted NDA for that listing (the listing's confidential terms are discussed here). Messages are
append-only: a negotiation record is evidence, so the database refuses to change or delete one.
"""

from __future__ import annotations

import pgtrigger
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimeStampedModel


class Thread(TimeStampedModel):
    """One subject under negotiation in a deal (price, delivery, IP terms …)."""

    deal = models.ForeignKey("deals.Deal", verbose_name=_("deal"), on_delete=models.CASCADE, related_name="threads")
    subject = models.CharField(_("subject"), max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("started by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_message_at = models.DateTimeField(_("last message at"), null=True, blank=True, db_index=True)
    message_count = models.PositiveIntegerField(_("messages"), default=0)

    class Meta:
        ordering = ["-last_message_at", "-id"]
        verbose_name = _("negotiation thread")
        verbose_name_plural = _("negotiation threads")
        indexes = [models.Index(fields=["deal", "id"], name="negotiation_thread_deal_idx")]

    def __str__(self) -> str:
        return self.subject


class Message(models.Model):
    """One message in a thread, by a party's member (for that organisation) or by a broker."""

    thread = models.ForeignKey(Thread, verbose_name=_("thread"), on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+"
    )
    author_organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("on behalf of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    author_role = models.CharField(_("author's role"), max_length=8)
    body = models.TextField(_("text"), max_length=10000)
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("negotiation message")
        verbose_name_plural = _("negotiation messages")
        indexes = [models.Index(fields=["thread", "id"], name="negotiation_message_order_idx")]
        triggers = [pgtrigger.Protect(name="negotiation_message_append_only", operation=pgtrigger.Update)]

    def __str__(self) -> str:
        return f"{self.thread_id}#{self.pk}"


class MessageAttachment(models.Model):
    """A file sent with a message: checked on its bytes like listing attachments, served only through the API."""

    message = models.ForeignKey(
        Message, verbose_name=_("message"), on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to="negotiation/%Y/%m/", max_length=300)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)

    class Meta:
        ordering = ["id"]
        verbose_name = _("message attachment")
        verbose_name_plural = _("message attachments")

    def __str__(self) -> str:
        return self.original_name


class ReadState(models.Model):
    """How far one user has read one thread: messages after ``last_read_message_id`` are unread."""

    thread = models.ForeignKey(Thread, verbose_name=_("thread"), on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+"
    )
    last_read_message_id = models.BigIntegerField(_("last message read"), default=0)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("read state")
        verbose_name_plural = _("read states")
        constraints = [models.UniqueConstraint(fields=["thread", "user"], name="negotiation_read_state_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} read {self.thread_id} to {self.last_read_message_id}"
