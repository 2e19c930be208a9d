from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin, TabularInline
from unfold.decorators import display

from luffy.orders.admin import OrderAdmin
from luffy.orders.models import Order
from luffy.payments.models import PaymentMessage, Refund, Trade
from luffy.payments.services.messages import OUTCOME_LABELS


@admin.register(PaymentMessage)
class PaymentMessageAdmin(ModelAdmin):
    list_display = ["created_at", "source", "out_trade_no", "verified", "outcome_label", "flagged"]
    list_filter = ["flagged", "source", "outcome", "verified"]
    search_fields = ["out_trade_no", "notify_id"]
    date_hierarchy = "created_at"
    readonly_fields = [
        field.name for field in PaymentMessage._meta.fields if field.name != "flagged"
    ]
    actions = ["clear_flag"]

    def has_add_permission(self, request):
        return False  # messages come from the gateway only; staff may only clear the flag

    @display(description=_("outcome"), ordering="outcome")
    def outcome_label(self, message: PaymentMessage) -> str:
        return OUTCOME_LABELS.get(message.outcome, message.outcome)

    @admin.action(description=_("Clear the flag of the selected messages"), permissions=["change"])
    def clear_flag(self, request, queryset):
        count = queryset.filter(flagged=True).update(flagged=False)
        self.message_user(request, _("%(count)d messages cleared.") % {"count": count})


@admin.register(Refund)
class RefundAdmin(ModelAdmin):
    list_display = ["created_at", "out_request_no", "order", "amount", "status", "staff_user"]
    list_filter = ["status"]
    list_select_related = ["order", "staff_user"]
    search_fields = ["out_request_no", "order__order_number"]
    date_hierarchy = "created_at"
    readonly_fields = [field.name for field in Refund._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Trade)
class TradeAdmin(ModelAdmin):
    list_display = ["created_at", "gateway", "out_trade_no", "trade_no", "order", "amount",
                    "status"]  # fmt: skip
    list_filter = ["gateway", "status"]
    list_select_related = ["order"]
    search_fields = ["out_trade_no", "trade_no", "order__order_number"]
    readonly_fields = [field.name for field in Trade._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class TradeInline(TabularInline):
    """The order's gateway trades, read only (payments owns them; orders cannot import them)."""

    model = Trade
    extra = 0
    hide_title = True
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
