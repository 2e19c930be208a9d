from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin, TabularInline
from unfold.decorators import display

from luffy.orders.admin import OrderAdmin
from luffy.orders.models import Order
from luffy.payments.gateway import GATEWAY_LABELS
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


class GatewayName:
    """The gateway column in Chinese (Trade and Refund keep the kind, e.g. "alipay")."""

    @display(description=_("gateway"), ordering="gateway")
    def gateway_name(self, row: Refund | Trade) -> str:
        return GATEWAY_LABELS.get(row.gateway, row.gateway)


def fields_named(model) -> list[str]:
    return [f.name if f.name != "gateway" else "gateway_name" for f in model._meta.fields]


@admin.register(Refund)
class RefundAdmin(GatewayName, ModelAdmin):
    list_display = ["created_at", "out_request_no", "order", "gateway_name", "amount", "status",
                    "staff_user"]  # fmt: skip
    list_filter = ["status"]
    list_select_related = ["order", "staff_user"]
    search_fields = ["out_request_no", "order__order_number"]
    date_hierarchy = "created_at"
    readonly_fields = fields_named(Refund)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Trade)
class TradeAdmin(GatewayName, ModelAdmin):
    list_display = ["created_at", "gateway_name", "out_trade_no", "trade_no", "order", "amount",
                    "status"]  # fmt: skip
    list_filter = ["gateway", "status"]
    list_select_related = ["order"]
    search_fields = ["out_trade_no", "trade_no", "order__order_number"]
    readonly_fields = fields_named(Trade)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class TradeInline(GatewayName, TabularInline):
    """The order's gateway trades, read only (payments owns them; orders cannot import them)."""

    model = Trade
    extra = 0
    hide_title = True
    can_delete = False
    fields = ["gateway_name", "out_trade_no", "sent_at", "trade_no", "amount", "status"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


# The order page shows its trades: payments adds the inline to the orders app's admin.
admin.site.unregister(Order)


@admin.register(Order)
class OrderWithTradesAdmin(OrderAdmin):
    inlines = [*OrderAdmin.inlines, TradeInline]
