from django.contrib import admin

from luffy.orders.models import CoursePurchase, Order, OrderLine, OrderStatusChange


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    can_delete = False
    fields = ["course", "course_name", "expire_text", "price", "real_price", "discount_name"]
    readonly_fields = fields


class OrderStatusChangeInline(admin.TabularInline):
    model = OrderStatusChange
    extra = 0
    can_delete = False
    fields = ["created_at", "from_status", "to_status", "reason"]
    readonly_fields = fields


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = [
        "order_number",
        "user",
        "title",
        "status",
        "real_price",
        "created_at",
        "paid_at",
    ]
    list_filter = ["status", "pay_type", "created_at"]
    list_select_related = ["user"]
    search_fields = ["order_number", "user__username", "user__mobile", "trade_no"]
    date_hierarchy = "created_at"
    inlines = [OrderLineInline, OrderStatusChangeInline]
    # Money and status change only through the order services (conditional updates + audit).
    readonly_fields = [field.name for field in Order._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CoursePurchase)
class CoursePurchaseAdmin(admin.ModelAdmin):
    list_display = ["user", "course", "expires_at", "order", "updated_at"]
    list_select_related = ["user", "course", "order"]
    search_fields = ["user__username", "user__mobile", "course__name"]
    raw_id_fields = ["user", "course", "order"]
