from django.contrib import admin

from apps.webhooks.models import Attempt, Delivery, Subscription


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ("id", "organization", "url", "is_active", "disabled_reason", "consecutive_failures", "created_at")
    list_filter = ("is_active", "disabled_reason")
    search_fields = ("url", "organization__name", "description")
    raw_id_fields = ("organization", "api_key", "created_by")
    exclude = ("secret", "previous_secret")
    readonly_fields = ("consecutive_failures", "failing_since", "disabled_at", "previous_secret_expires_at")


class AttemptInline(admin.TabularInline):
    model = Attempt
    extra = 0
    can_delete = False
    readonly_fields = ("number", "attempted_at", "url", "succeeded", "status_code", "duration_ms", "error")
    exclude = ("response_body",)


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ("id", "event", "subscription", "status", "attempt_count", "last_status_code", "created_at")
    list_filter = ("status",)
    raw_id_fields = ("event", "subscription", "redelivery_of")
    inlines = [AttemptInline]
