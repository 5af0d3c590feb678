"""The operator's admin for events."""

from __future__ import annotations

from django.contrib import admin

from apps.events.models import Event, EventDealAttribution, EventRegistration, MeetingSlot


class EventRegistrationInline(admin.TabularInline):
    model = EventRegistration
    extra = 0
    raw_id_fields = ("user", "organization")


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ("title", "kind", "format", "market", "starts_at", "capacity")
    list_filter = ("kind", "format", "market")
    inlines = [EventRegistrationInline]


@admin.register(MeetingSlot)
class MeetingSlotAdmin(admin.ModelAdmin):
    list_display = ("event", "requester", "counterpart", "starts_at", "ends_at")
    raw_id_fields = ("requester", "counterpart")


@admin.register(EventDealAttribution)
class EventDealAttributionAdmin(admin.ModelAdmin):
    list_display = ("event", "deal", "attributed_by", "created_at")
    raw_id_fields = ("deal",)
