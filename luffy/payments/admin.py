from django.contrib import admin

from luffy.orders.admin import OrderAdmin
from luffy.orders.models import Order
from luffy.payments.models import PaymentMessage, Refund, Trade


@admin.register(PaymentMessage)
class PaymentMessageAdmin(admin.ModelAdmin):
    list_display = ["created_at", "source", "out_trade_no", "verified", "outcome", "flagged"]
    list_filter = ["flagged", "source", "outcome", "verified"]
    search_fields = ["out_trade_no", "notify_id"]
    date_hierarchy = "created_at"
    readonly_fields = [
        field.name for field in PaymentMessage._meta.fields if field.name != "flagged"
    ]

    def has_add_permission(self, request):
        return False  # messages come from the gateway only; staff may only clear the flag


@admin.register(Refund)
class RefundAdmin(admin.ModelAdmin):
    list_display = ["created_at", "out_request_no", "order", "amount", "status"]
    list_filter = ["status"]
    search_fields = ["out_request_no", "order__order_number"]
    readonly_fields = [field.name for field in Refund._meta.fields]

    def has_add_permission(self, request):
        return False


class TradeInline(admin.TabularInline):
    """The order's gateway trades, read only (payments owns them; orders cannot import them)."""

    model = Trade
    extra = 0
    can_delete = False
    fields = ["gateway", "out_trade_no", "sent_at", "trade_no", "amount", "status"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


# The order page shows its trades: payments adds the inline to the orders app's admin.
admin.site.unregister(Order)


@admin.register(Order)
class OrderWithTradesAdmin(OrderAdmin):
    inlines = [*OrderAdmin.inlines, TradeInline]
