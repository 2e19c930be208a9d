from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from luffy.common.money import money_field


class Order(models.Model):
    class Status(models.IntegerChoices):
        UNPAID = 0, "unpaid"
        PAID = 1, "paid"
        CANCELLED = 2, "cancelled"
        TIMED_OUT = 3, "timed out"
        REFUNDED = 4, "refunded"

    class PayType(models.IntegerChoices):
        ALIPAY = 1, "Alipay"
        WECHAT = 2, "WeChat Pay"

    # Null (not "", which is not unique-safe) only between the insert and the update that
    # derives it from the id, inside the checkout transaction.
    order_number = models.CharField(max_length=64, unique=True, null=True)  # noqa: DJ001
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders"
    )
    title = models.CharField(max_length=255)
    status = models.PositiveSmallIntegerField(choices=Status.choices, default=Status.UNPAID)
    pay_type = models.PositiveSmallIntegerField(choices=PayType.choices, default=PayType.ALIPAY)
    total_price = money_field(help_text="sum of the lines' base prices")
    discounted_price = money_field(help_text="after activity discounts")
    coupon_amount = money_field(default=0)
    credit = models.PositiveIntegerField(default=0, help_text="points used")
    credit_amount = money_field(default=0)
    real_price = money_field(help_text="what the buyer pays")
    user_coupon = models.ForeignKey(
        "coupons.UserCoupon", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    pay_deadline = models.DateTimeField()
    paid_at = models.DateTimeField(null=True, blank=True)
    # What the gateway has confirmed refunding so far (a partial refund leaves the order paid),
    # and when the latest refund was confirmed; recorded by payments with each refund.
    refunded_amount = money_field(default=0)
    refunded_at = models.DateTimeField(null=True, blank=True)
    # Set when a pay URL was first handed out: only such orders can have a gateway trade (the
    # sweep's indexed flag; the trade itself, with the gateway's number, is payments.Trade).
    sent_to_gateway_at = models.DateTimeField(null=True, blank=True)
    # Not auto_now_add: checkout sets it to the same instant as the prices and the deadline.
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(fields=["user", "-created_at"]),
            # MariaDB/MySQL's index for the timeout sweep (they have no partial indexes): with
            # status fixed, InnoDB keeps its entries in (pay_deadline, id) order (the primary
            # key ends every secondary index), the order the sweep reads in.
            models.Index(fields=["status", "pay_deadline"]),
            # PostgreSQL and SQLite: the sweep's index holds only the unpaid orders, a small
            # share of the table, in the order it reads them (migration 0004 skips it on MariaDB).
            models.Index(
                fields=["pay_deadline", "id"],
                condition=Q(status=0),
                name="order_unpaid_deadline",
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

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    course = models.ForeignKey("catalog.Course", on_delete=models.PROTECT, related_name="+")
    course_name = models.CharField(max_length=128)
    expire_id = models.PositiveIntegerField(help_text="0 = permanent")
    expire_text = models.CharField(max_length=32)
    expire_days = models.PositiveIntegerField(help_text="0 = permanent")
    price = money_field()
    real_price = money_field()
    discount_name = models.CharField(max_length=32, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["order", "course"], name="one_line_per_course"),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.course_name} ({self.expire_text})"


class OrderStatusChange(models.Model):
    """The audit trail: one row per status transition."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.PositiveSmallIntegerField(choices=Order.Status.choices, null=True)
    to_status = models.PositiveSmallIntegerField(choices=Order.Status.choices)
    reason = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.order_id}: {self.from_status} -> {self.to_status}"
