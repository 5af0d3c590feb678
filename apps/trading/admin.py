from django.contrib import admin

from apps.trading.models import Bid, Bidder, Deposit, Objection, Sale


class ObjectionInline(admin.TabularInline):
    model = Objection
    extra = 0
    fields = ("filed_by", "organization", "reason", "status", "resolution", "resolved_at")
    readonly_fields = fields
    can_delete = False


class BidInline(admin.TabularInline):
    model = Bid
    extra = 0
    fields = ("sequence", "bidder", "amount", "is_proxy", "placed_at")
    readonly_fields = fields
    can_delete = False


@admin.register(Sale)
class SaleAdmin(admin.ModelAdmin):
    list_display = ("id", "title", "seller", "mode", "status", "price", "notice_ends_at", "ends_at", "final_price")
    list_filter = ("mode", "status")
    search_fields = ("title", "seller__name")
    raw_id_fields = ("achievement", "seller", "buyer", "leader", "deal", "created_by")
    inlines = [ObjectionInline, BidInline]

    def has_delete_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


@admin.register(Bidder)
class BidderAdmin(admin.ModelAdmin):
    list_display = ("sale", "number", "organization", "created_at")
    raw_id_fields = ("sale", "organization", "registered_by")


@admin.register(Deposit)
class DepositAdmin(admin.ModelAdmin):
    list_display = ("sale", "bidder", "amount", "status", "confirmed_at", "settled_at")
    list_filter = ("status",)
    raw_id_fields = ("sale", "bidder", "confirmed_by")


@admin.register(Objection)
class ObjectionAdmin(admin.ModelAdmin):
    list_display = ("sale", "filed_by", "status", "created_at", "resolved_at")
    list_filter = ("status",)
    raw_id_fields = ("sale", "filed_by", "organization", "resolved_by")
