from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from luffy.catalog.pricing import RuleError, parse_rule
from luffy.common.money import money_field


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
    min_amount = money_field(
        verbose_name=_("minimum order"),
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


class RedeemCode(models.Model):
    """A code (兑换码) students type to get a copy of a coupon: at most `max_redemptions` copies
    in all and `per_user_limit` per student (luffy.coupons.services.coupon_code_redeem)."""

    code = models.CharField(
        _("redeem code"),
        max_length=32,
        unique=True,
        help_text=_("letters and digits; students may type it in any case"),
    )
    coupon = models.ForeignKey(
        Coupon, on_delete=models.PROTECT, related_name="redeem_codes", verbose_name=_("coupon")
    )
    max_redemptions = models.PositiveIntegerField(
        _("total limit"), help_text=_("how many copies all students together can get")
    )
    per_user_limit = models.PositiveIntegerField(_("limit per student"), default=1)
    # Raised only by the conditional UPDATE in coupon_code_redeem: never typed.
    redeemed_count = models.PositiveIntegerField(_("redeemed"), default=0, editable=False)
    valid_until = models.DateTimeField(
        _("redeemable until"), null=True, blank=True, help_text=_("empty = no deadline")
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("redeem code")
        verbose_name_plural = _("redeem codes")
        constraints = [
            models.CheckConstraint(
                condition=Q(redeemed_count__lte=models.F("max_redemptions")),
                name="redeem_code_within_limit",
            ),
            models.CheckConstraint(
                condition=Q(per_user_limit__gte=1), name="redeem_code_per_user_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.code

    def clean(self) -> None:
        self.code = normalize_code(self.code)  # one spelling, so the unique index holds


def normalize_code(text: str) -> str:
    """The stored spelling of a code: no spaces, upper case."""
    return "".join((text or "").split()).upper()


class CouponRedemption(models.Model):
    """One redemption of a code by a student: the `number`-th by that student, unique, so a
    student can never exceed the per-user limit even when two requests race."""

    code = models.ForeignKey(
        RedeemCode,
        on_delete=models.PROTECT,
        related_name="redemptions",
        verbose_name=_("redeem code"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="coupon_redemptions",
        verbose_name=_("user"),
    )
    number = models.PositiveIntegerField(_("the student's redemption number"))
    user_coupon = models.OneToOneField(
        UserCoupon, on_delete=models.PROTECT, related_name="+", verbose_name=_("user coupon")
    )
    created_at = models.DateTimeField(_("redeemed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("redemption")
        verbose_name_plural = _("redemptions")
        constraints = [
            models.UniqueConstraint(
                fields=["code", "user", "number"], name="redemption_number_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} · {self.user_id} #{self.number}"
