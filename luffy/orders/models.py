from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from luffy.common.money import money_field


class Order(models.Model):
    class Status(models.IntegerChoices):
        UNPAID = 0, _("unpaid")
        PAID = 1, _("paid")
        CANCELLED = 2, _("cancelled")
        TIMED_OUT = 3, _("timed out")
        REFUNDED = 4, _("refunded")

    class PayType(models.IntegerChoices):
        ALIPAY = 1, _("Alipay")
        WECHAT = 2, _("WeChat Pay")

    # Null (not "", which is not unique-safe) only between the insert and the update that
    # derives it from the id, inside the checkout transaction.
    order_number = models.CharField(  # noqa: DJ001
        _("order number"), max_length=64, unique=True, null=True
    )
    # No index of its own: the (user, -created_at) index below starts with it (every index entry
    # is written again when the sweep or a payment updates the row; see Meta.indexes).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders",
        verbose_name=_("buyer"), db_index=False,
    )  # fmt: skip
    title = models.CharField(_("title"), max_length=255)
    status = models.PositiveSmallIntegerField(
        _("status"), choices=Status.choices, default=Status.UNPAID
    )
    pay_type = models.PositiveSmallIntegerField(
        _("payment method"), choices=PayType.choices, default=PayType.ALIPAY
    )
    total_price = money_field(
        verbose_name=_("total price"), help_text=_("sum of the lines' base prices")
    )
    discounted_price = money_field(
        verbose_name=_("discounted price"), help_text=_("after activity discounts")
    )
    coupon_amount = money_field(verbose_name=_("coupon amount"), default=0)
    credit = models.PositiveIntegerField(_("credit points"), default=0, help_text=_("points used"))
    credit_amount = money_field(verbose_name=_("credit amount"), default=0)
    real_price = money_field(verbose_name=_("amount paid"), help_text=_("what the buyer pays"))
    # Indexed by the partial order_user_coupon below (only the orders that hold one).
    user_coupon = models.ForeignKey(
        "coupons.UserCoupon", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("coupon"), db_index=False,
    )  # fmt: skip
    pay_deadline = models.DateTimeField(_("pay deadline"))
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    # What the gateway has confirmed refunding so far (a partial refund leaves the order paid),
    # and when the latest refund was confirmed; recorded by payments with each refund.
    refunded_amount = money_field(verbose_name=_("refunded amount"), default=0)
    refunded_at = models.DateTimeField(_("refunded at"), null=True, blank=True)
    # Set when a pay URL was first handed out: only such orders can have a gateway trade (the
    # sweep's indexed flag; the trade itself, with the gateway's number, is payments.Trade).
    sent_to_gateway_at = models.DateTimeField(_("sent to the gateway at"), null=True, blank=True)
    # Not auto_now_add: checkout sets it to the same instant as the prices and the deadline.
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # What staff noted about the order (a call with the buyer, a refund promise): free text,
    # the only field of an order the admin may edit.
    staff_note = models.TextField(_("staff notes"), blank=True)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        permissions = [
            ("refund_order", _("Can refund orders")),
            ("export_order", _("Can export orders as CSV")),
        ]
        # An order's status is in its indexes, so each status change (the sweep, a payment)
        # writes a new row version and an entry in every index whose condition the row meets
        # (PostgreSQL cannot update in place, HOT, when an indexed column changes). Hence no
        # redundant indexes, and partial ones that leave out the rows they do not serve.
        # Migration 0010 creates the partial ones on PostgreSQL and SQLite only and gives
        # MariaDB/MySQL (no partial indexes) full ones or none: see its docstring.
        indexes = [
            # The dashboard's day ranges (luffy.backoffice.reports): paid orders by paid_at,
            # created orders by created_at; each holds the other column the query reads, so the
            # 30-day scans read the index only, never the table.
            models.Index(
                fields=["paid_at", "real_price"],
                condition=Q(paid_at__isnull=False),
                name="order_paid_at",
            ),
            models.Index(fields=["created_at", "paid_at"], name="order_created_at"),
            models.Index(fields=["user", "-created_at"]),
            models.Index(
                fields=["user_coupon"],
                condition=Q(user_coupon__isnull=False),
                name="order_user_coupon",
            ),
            # PostgreSQL and SQLite: the sweep's index holds only the unpaid orders, a small
            # share of the table, in the order it reads them (migration 0004 skips it on MariaDB).
            models.Index(
                fields=["pay_deadline", "id"],
                condition=Q(status=0),
                name="order_unpaid_deadline",
            ),
            # MariaDB/MySQL's index for the timeout sweep (migration 0010 drops it on PostgreSQL):
            # with status fixed, InnoDB keeps its entries in (pay_deadline, id) order (the
            # primary key ends every secondary index), the order the sweep reads in.
            models.Index(fields=["status", "pay_deadline"]),
            # PostgreSQL and SQLite: reconciliation's closed orders that reached the gateway
            # (payments.services.jobs), without an entry for every other order (0010).
            models.Index(
                fields=["pay_deadline"],
                condition=Q(status__in=[2, 3], sent_to_gateway_at__isnull=False),
                name="order_closed_reached",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(real_price__gte=0)
                & Q(coupon_amount__gte=0)
                & Q(credit_amount__gte=0)
                & Q(total_price__gte=0)
                & Q(discounted_price__gte=0),
                name="order_money_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(refunded_amount__gte=0) & Q(refunded_amount__lte=F("real_price")),
                name="order_refunded_within_price",
            ),
        ]

    def __str__(self) -> str:
        return self.order_number or f"order {self.pk}"

    @property
    def sale_amount(self):
        """What the running sales took off the base prices."""
        return self.total_price - self.discounted_price


class OrderLine(models.Model):
    """A bought course as it was sold: prices and validity are copies, never references."""

    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="lines", verbose_name=_("order")
    )
    course = models.ForeignKey(
        "catalog.Course", on_delete=models.PROTECT, related_name="+", verbose_name=_("course")
    )
    course_name = models.CharField(_("course name"), max_length=128)
    expire_id = models.PositiveIntegerField(_("validity option"), help_text=_("0 = permanent"))
    expire_text = models.CharField(_("validity"), max_length=32)
    expire_days = models.PositiveIntegerField(_("validity days"), help_text=_("0 = permanent"))
    price = money_field(verbose_name=_("price"))
    real_price = money_field(verbose_name=_("price paid"))
    discount_name = models.CharField(_("discount"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        constraints = [
            models.UniqueConstraint(fields=["order", "course"], name="one_line_per_course"),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.course_name} ({self.expire_text})"


class OrderStatusChange(models.Model):
    """The audit trail: one row per status transition."""

    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="status_changes", verbose_name=_("order")
    )
    from_status = models.PositiveSmallIntegerField(
        _("from status"), choices=Order.Status.choices, null=True
    )
    to_status = models.PositiveSmallIntegerField(_("to status"), choices=Order.Status.choices)
    reason = models.CharField(_("reason"), max_length=200)
    # The staff member whose action caused it (a refund from the admin); empty for the buyer,
    # the gateway and the background jobs.
    staff_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("staff user"),
    )  # fmt: skip
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")

    def __str__(self) -> str:
        return f"{self.order_id}: {self.from_status} -> {self.to_status}"
