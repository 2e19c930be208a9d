import csv
from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.db.models import OuterRef, Subquery
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from luffy.common.errors import ApplicationError
from luffy.orders.models import Order, OrderLine, OrderStatusChange
from luffy.payments.models import Refund, Trade


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


class RefundInline(admin.TabularInline):
    model = Refund
    extra = 0
    can_delete = False
    fields = ["created_at", "gateway", "out_request_no", "amount", "status", "reason"]
    readonly_fields = fields


class RefundForm(forms.Form):
    amount = forms.DecimalField(
        max_digits=10,
        decimal_places=2,
        required=False,
        min_value=Decimal("0.01"),
        help_text="empty = all not refunded yet; a full refund ends access and returns credit",
    )
    reason = forms.CharField(max_length=200)


class _Echo:
    def write(self, value):
        return value


CSV_COLUMNS = [
    "order_number", "created_at", "paid_at", "status", "username", "mobile", "title",
    "total_price", "discounted_price", "coupon_amount", "credit", "credit_amount", "real_price",
    "trade_no",
]  # fmt: skip


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
    search_fields = ["order_number", "user__username", "user__mobile", "trades__trade_no"]
    date_hierarchy = "created_at"
    inlines = [OrderLineInline, OrderStatusChangeInline, RefundInline]
    actions = ["refund", "export_csv"]
    # Money and status change only through the order services (conditional updates + audit).
    readonly_fields = [field.name for field in Order._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Refund the selected order through the gateway that was paid…")
    def refund(self, request, queryset):
        from luffy.payments.services import order_refund

        if queryset.count() != 1:
            self.message_user(request, "Select exactly one order to refund.", messages.ERROR)
            return None
        order = queryset.get()
        form = RefundForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            try:
                refund = order_refund(
                    order_id=order.id,
                    amount=form.cleaned_data["amount"],
                    reason=form.cleaned_data["reason"],
                )
            except ApplicationError as exc:
                self.message_user(request, exc.message, messages.ERROR)
                return None
            self.message_user(
                request,
                f"Refunded {refund.amount:.2f} ({refund.out_request_no}).",
                messages.SUCCESS,
            )
            return None
        return render(
            request,
            "admin/orders/refund.html",
            {**self.admin_site.each_context(request), "order": order, "form": form,
             "title": f"Refund {order.order_number}"},
        )  # fmt: skip

    @admin.action(description="Export the selected orders as CSV (finance)")
    def export_csv(self, request, queryset):
        writer = csv.writer(_Echo())

        def rows():
            yield "\ufeff"  # a BOM, so spreadsheet programs read the Chinese titles as UTF-8
            yield writer.writerow(CSV_COLUMNS)
            paid_trade = Trade.objects.filter(order_id=OuterRef("id"), trade_no__isnull=False)
            with_trade = queryset.annotate(trade_no=Subquery(paid_trade.values("trade_no")[:1]))
            for o in with_trade.select_related("user").order_by("created_at").iterator():
                yield writer.writerow([
                    o.order_number, timezone.localtime(o.created_at).isoformat(),
                    timezone.localtime(o.paid_at).isoformat() if o.paid_at else "",
                    o.get_status_display(), o.user.username, o.user.mobile, o.title,
                    o.total_price, o.discounted_price, o.coupon_amount, o.credit,
                    o.credit_amount, o.real_price, o.trade_no,
                ])  # fmt: skip

        response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
        response["Content-Disposition"] = f'attachment; filename="orders-{stamp}.csv"'
        return response
