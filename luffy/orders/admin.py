"""The order pages of the back office: the list with refunded and net amounts, the order page
with its refund button, refund history, gateway messages, status history and staff notes, and
the finance CSV export. Money and statuses change only through the services (refunds:
`payments.services.order_refund`); the admin edits nothing but the staff notes."""

import csv
from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Subquery
from django.http import HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from unfold.admin import ModelAdmin, TabularInline
from unfold.decorators import action, display

from luffy.common.errors import ApplicationError
from luffy.common.money import ZERO
from luffy.orders.models import Order, OrderLine, OrderStatusChange
from luffy.payments.gateway import GATEWAY_LABELS
from luffy.payments.models import PaymentMessage, Refund, Trade

LOCAL_TIME = "%Y-%m-%d %H:%M:%S"


def local(value) -> str:
    """A time in the store's time zone, to the second (CSV and admin text)."""
    return timezone.localtime(value).strftime(LOCAL_TIME) if value else ""


def status_text(order: Order) -> str:
    """The status as operators read it: a paid order with part of its money back is 部分退款."""
    if order.status == Order.Status.PAID and order.refunded_amount > 0:
        return _("partly refunded")
    return order.get_status_display()


class OrderLineInline(TabularInline):
    hide_title = True  # the rows' __str__ says nothing the columns do not
    model = OrderLine
    extra = 0
    can_delete = False
    fields = ["course", "course_name", "expire_text", "price", "real_price", "discount_name"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class OrderStatusChangeInline(TabularInline):
    hide_title = True  # the rows' __str__ says nothing the columns do not
    model = OrderStatusChange
    extra = 0
    can_delete = False
    fields = ["created_at", "from_status", "to_status", "reason_text", "staff_user"]
    readonly_fields = fields
    verbose_name_plural = gettext_lazy("status history")

    @display(description=gettext_lazy("reason"))
    def reason_text(self, change: OrderStatusChange) -> str:
        # The services' own reasons (TRANSITIONS) are msgids; a staff member's reason is shown
        # as typed.
        return _(change.reason) if change.reason else ""

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("staff_user").order_by("id")


class RefundInline(TabularInline):
    hide_title = True  # the rows' __str__ says nothing the columns do not
    model = Refund
    extra = 0
    can_delete = False
    fields = ["created_at", "gateway_name", "out_request_no", "amount", "status", "staff_user",
              "reason", "gateway_answer"]  # fmt: skip
    readonly_fields = fields
    verbose_name_plural = gettext_lazy("refund history")

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("staff_user").order_by("id")

    @display(description=gettext_lazy("gateway"))
    def gateway_name(self, refund: Refund) -> str:
        return GATEWAY_LABELS.get(refund.gateway, refund.gateway)

    @display(description=gettext_lazy("gateway answer"))
    def gateway_answer(self, refund: Refund) -> str:
        answer = refund.response or {}
        parts = [
            str(answer[key]) for key in ("code", "msg", "sub_msg", "status") if answer.get(key)
        ]
        return " · ".join(parts) or "—"


class RefundForm(forms.Form):
    amount = forms.DecimalField(
        label=gettext_lazy("Refund amount"),
        max_digits=10,
        decimal_places=2,
        required=False,
        min_value=Decimal("0.01"),
        help_text=gettext_lazy(
            "Empty = everything not refunded yet; a full refund ends the course access and "
            "returns the credit points."
        ),
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=200)


class _Echo:
    def write(self, value):
        return value


def csv_columns() -> list[tuple[str, object]]:
    """The export's columns: a Chinese header and how to read it off an annotated order."""
    return [
        (_("Order number"), lambda o: o.order_number),
        (_("Created at"), lambda o: local(o.created_at)),
        (_("Paid at"), lambda o: local(o.paid_at)),
        (_("Status"), status_text),
        (_("Username"), lambda o: o.user.username),
        (_("Mobile number"), lambda o: o.user.mobile),
        (_("Title"), lambda o: o.title),
        (_("Total price"), lambda o: o.total_price),
        (_("Discounted price"), lambda o: o.discounted_price),
        (_("Coupon amount"), lambda o: o.coupon_amount),
        (_("Credit points"), lambda o: o.credit),
        (_("Credit amount"), lambda o: o.credit_amount),
        (_("Amount paid"), lambda o: o.real_price),
        (_("Refunded"), lambda o: o.refunded_amount),
        (_("Net amount"), lambda o: net_amount(o)),
        (_("Gateway trade number"), lambda o: o.trade_no or ""),
    ]


def net_amount(order: Order) -> Decimal:
    """What the store kept: paid minus refunded (0 for an order never paid)."""
    if order.paid_at is None:
        return ZERO
    return order.real_price - order.refunded_amount


@admin.register(Order)
class OrderAdmin(ModelAdmin):
    list_display = ["order_number", "user", "title", "status_label", "real_price",
                    "refunded_amount", "net", "created_at", "paid_at"]  # fmt: skip
    list_filter = ["status", "pay_type", "created_at"]
    list_select_related = ["user"]
    search_fields = ["order_number", "user__username", "user__mobile", "trades__trade_no"]
    date_hierarchy = "created_at"
    inlines = [OrderLineInline, OrderStatusChangeInline, RefundInline]
    actions = ["refund", "export_csv"]
    actions_detail = ["refund_detail"]
    fieldsets = [
        (None, {"fields": ["order_number", "user", "title", "status_label", "pay_type",
                           "created_at", "pay_deadline", "paid_at", "sent_to_gateway_at"]}),
        (gettext_lazy("Money"), {"fields": ["total_price", "discounted_price", "coupon_amount",
                                            "credit", "credit_amount", "real_price",
                                            "refunded_amount", "refundable", "net"]}),
        (gettext_lazy("Payment messages"), {"fields": ["payment_messages"]}),
        (gettext_lazy("Staff notes"), {"fields": ["staff_note"]}),
    ]  # fmt: skip
    # Money and status change only through the order services (conditional updates + audit);
    # the staff notes are the one editable field.
    readonly_fields = [
        *(field.name for field in Order._meta.fields if field.name != "staff_note"),
        "status_label", "refundable", "net", "payment_messages",
    ]  # fmt: skip

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_refund_permission(self, request, obj=None):
        return request.user.has_perm("orders.refund_order")

    def has_export_permission(self, request, obj=None):
        return request.user.has_perm("orders.export_order")

    # --- what the pages show ---------------------------------------------------------------------

    @display(description=gettext_lazy("status"), ordering="status")
    def status_label(self, order: Order) -> str:
        return status_text(order)

    @display(description=gettext_lazy("net amount"))
    def net(self, order: Order) -> Decimal:
        return net_amount(order)

    @display(description=gettext_lazy("refundable"))
    def refundable(self, order: Order) -> Decimal:
        return refundable_amount(order)

    @display(description=gettext_lazy("payment messages"))
    def payment_messages(self, order: Order) -> str:
        """The gateway's messages about this order (by its out_trade_no), newest first."""
        rows = list(
            PaymentMessage.objects.filter(out_trade_no=order.order_number)
            .order_by("-created_at")
            .values_list("id", "created_at", "source", "outcome", "detail", "flagged")[:50]
        )
        if not rows:
            return _("None yet.")
        from luffy.payments.services.messages import OUTCOME_LABELS

        sources = dict(PaymentMessage.Source.choices)
        body = format_html_join(
            "",
            '<tr><td><a href="{}">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>',
            (
                (reverse("admin:payments_paymentmessage_change", args=[pk]), local(at),
                 sources.get(source, source), OUTCOME_LABELS.get(outcome, outcome), detail,
                 "⚑" if flagged else "")
                for pk, at, source, outcome, detail, flagged in rows
            ),
        )  # fmt: skip
        head = format_html(
            "<tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
            _("Received at"), _("Source"), _("Outcome"), _("Detail"), _("Flagged"),
        )  # fmt: skip
        return format_html('<table class="lf-table">{}{}</table>', head, body)

    # --- refunds ---------------------------------------------------------------------------------

    @action(description=gettext_lazy("Refund"), url_path="refund", permissions=["refund"],
            icon="undo")  # fmt: skip
    def refund_detail(self, request, object_id):
        """The order page's 退款 button: a form with the refundable amount, then the refund."""
        order = get_object_or_404(self.get_queryset(request), pk=object_id)
        change_url = reverse("admin:orders_order_change", args=[order.pk])
        form = RefundForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            self._refund(request, order, form)
            return HttpResponseRedirect(change_url)
        return self._refund_page(request, order, form, change_url=change_url)

    @admin.action(description=gettext_lazy("Refund the selected order…"), permissions=["refund"])
    def refund(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("Select exactly one order to refund."), messages.ERROR)
            return None
        order = queryset.get()
        form = RefundForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            self._refund(request, order, form)
            return None
        return self._refund_page(request, order, form, change_url=None)

    def _refund(self, request, order: Order, form: RefundForm) -> None:
        from luffy.payments.services import order_refund

        if not self.has_refund_permission(request):
            raise PermissionDenied
        try:
            refund = order_refund(
                order_id=order.id,
                amount=form.cleaned_data["amount"],
                reason=form.cleaned_data["reason"],
                staff_user_id=request.user.id,
            )
        except ApplicationError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return
        self.message_user(
            request,
            _("Refunded %(amount)s (%(number)s).")
            % {"amount": f"{refund.amount:.2f}", "number": refund.out_request_no},
            messages.SUCCESS,
        )

    def _refund_page(self, request, order, form, *, change_url):
        return render(
            request,
            "admin/orders/refund.html",
            {**self.admin_site.each_context(request), "order": order, "form": form,
             "refundable": refundable_amount(order), "change_url": change_url,
             "opts": self.model._meta,
             "title": _("Refund order %(number)s") % {"number": order.order_number}},
        )  # fmt: skip

    # --- the finance export ----------------------------------------------------------------------

    @admin.action(description=gettext_lazy("Export the selected orders as CSV"),
                  permissions=["export"])  # fmt: skip
    def export_csv(self, request, queryset):
        writer = csv.writer(_Echo())
        columns = csv_columns()
        paid_trade = Trade.objects.filter(order_id=OuterRef("id"), trade_no__isnull=False)
        orders = queryset.select_related("user").order_by("created_at", "id")
        orders = orders.annotate(trade_no=Subquery(paid_trade.values("trade_no")[:1]))

        def rows():
            yield "\ufeff"  # a BOM, so spreadsheet programs read the Chinese text as UTF-8
            yield writer.writerow([title for title, _read in columns])
            for order in orders.iterator(chunk_size=2000):
                yield writer.writerow([read(order) for _title, read in columns])

        response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
        response["Content-Disposition"] = f'attachment; filename="orders-{stamp}.csv"'
        return response


def refundable_amount(order: Order) -> Decimal:
    """What may still be refunded: a paid order's price minus its confirmed refunds."""
    if order.status != Order.Status.PAID:
        return ZERO
    return order.real_price - order.refunded_amount
