from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from luffy.catalog.pricing import RuleError, parse_rule

MONEY = {"max_digits": 10, "decimal_places": 2}


class Coupon(models.Model):
    class Type(models.IntegerChoices):
        PERCENTAGE = 0, _("percentage off")
        FIXED = 1, _("fixed amount off")

    # The sale-rule kind each coupon type must use (same syntax as the catalog's rules).
    RULE_KINDS = {Type.PERCENTAGE: "multiply", Type.FIXED: "subtract"}

    name = models.CharField(_("name"), max_length=64)
    type = models.PositiveSmallIntegerField(_("type"), choices=Type.choices, default=Type.FIXED)
    sale = models.CharField(
        _("rule"), max_length=32, help_text=_('"*0.85" (percentage) or "-20" (fixed)')
    )
    min_amount = models.DecimalField(
        _("minimum order"),
        **MONEY,
        default=0,
        help_text=_("the order total (after activity discounts) must reach this"),
    )
    valid_days = models.PositiveIntegerField(
        _("valid days"),
        null=True,
        blank=True,
        help_text=_("days from the grant; empty = never expires"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("coupon")
        verbose_name_plural = _("coupons")
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
        UNUSED = 0, _("unused")
        RESERVED = 1, _("reserved by an order")
        USED = 2, _("used")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="coupons",
        verbose_name=_("user"),
    )
    coupon = models.ForeignKey(
        Coupon, on_delete=models.PROTECT, related_name="grants", verbose_name=_("coupon")
    )
    start = models.DateTimeField(_("valid from"))
    end = models.DateTimeField(
        _("valid until"), null=True, blank=True, help_text=_("empty = never expires")
    )
    status = models.PositiveSmallIntegerField(
        _("status"), choices=Status.choices, default=Status.UNUSED
    )
    # The order that reserved or used it; changed only by conditional updates in services.
    order = models.ForeignKey(
        "orders.Order",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("order"),
    )
    created_at = models.DateTimeField(_("granted at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("user coupon")
        verbose_name_plural = _("user coupons")
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
