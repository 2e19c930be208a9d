from django.contrib import admin

from luffy.payments.models import PaymentMessage, Refund


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
