"""Negotiation records are the parties' own: the operator may look (read only), never write."""

from __future__ import annotations

from django.contrib import admin

from apps.core.admin import ReadOnlyAdminMixin
from apps.negotiation.models import Message, MessageAttachment, Thread


class MessageInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Message
    extra = 0
    fields = ("author", "author_role", "author_organization", "body", "created_at")


@admin.register(Thread)
class ThreadAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("subject", "deal", "message_count", "last_message_at")
    search_fields = ("subject", "deal__title")
    inlines = [MessageInline]


@admin.register(MessageAttachment)
class MessageAttachmentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("original_name", "message", "content_type", "size", "sha256")
