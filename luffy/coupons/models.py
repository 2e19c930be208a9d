from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext as _

from luffy.catalog.pricing import RuleError, parse_rule
from luffy.common.money import money_field


class Coupon(models.Model):
    class Type(models.IntegerChoices):
        PERCENTAGE = 0, "percentage off"
        FIXED = 1, "fixed amount off"

    # The sale-rule kind each coupon type must use (same syntax as the catalog's rules).
    RULE_KINDS = {Type.PERCENTAGE: "multiply", Type.FIXED: "subtract"}

    name = models.CharField(max_length=64)
    type = models.PositiveSmallIntegerField(choices=Type.choices, default=Type.FIXED)
    sale = models.CharField(max_length=32, help_text='"*0.85" (percentage) or "-20" (fixed)')
    min_amount = money_field(
        default=0, help_text="the order total (after activity discounts) must reach this"
    )
    valid_days = models.PositiveIntegerField(
        null=True, blank=True, help_text="days from the grant; empty = never expires"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(min_amount__gte=0), name="coupon_min_not_negative")
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        try:
            rule = parse_rule(self.sale)
        except RuleError as exc:
            raise ValidationError({"sale": str(exc)}) from exc
        expected = self.RULE_KINDS[self.type]
        if rule.kind != expected:
            example = '"*0.85"' if expected == "multiply" else '"-20"'
            raise ValidationError(
                {
                    "sale": _("A %(type)s coupon needs a rule like %(example)s.")
                    % {"type": self.get_type_display(), "example": example}
                }
            )


class UserCoupon(models.Model):
    class Status(models.IntegerChoices):
        UNUSED = 0, "unused"
        RESERVED = 1, "reserved by an order"
        USED = 2, "used"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="coupons"
    )
    coupon = models.ForeignKey(Coupon, on_delete=models.PROTECT, related_name="grants")
    start = models.DateTimeField()
    end = models.DateTimeField(null=True, blank=True, help_text="empty = never expires")
    status = models.PositiveSmallIntegerField(choices=Status.choices, default=Status.UNUSED)
    # The order that reserved or used it; changed only by conditional updates in services.
    order = models.ForeignKey(
        "orders.Order", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["user", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(status=0, order__isnull=True)
                | Q(status__in=[1, 2], order__isnull=False),
                name="user_coupon_order_matches_status",
            )
        ]

    def __str__(self) -> str:
        return f"{self.coupon} for {self.user_id}"
