from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from luffy.users.validators import validate_mobile


class User(AbstractUser):
    mobile = models.CharField(
        _("mobile number"), max_length=11, unique=True, validators=[validate_mobile]
    )
    avatar = models.ImageField(_("avatar"), upload_to="avatars/%Y/%m/", blank=True)
    nickname = models.CharField(
        _("nickname"), max_length=30, blank=True, help_text=_("shown instead of the mobile")
    )
    # Changed only by services (checkout, settlement, refunds), each with a ledger row.
    credit = models.PositiveIntegerField(
        _("credit points"), default=0, help_text=_("Credit points")
    )

    objects = UserManager()
    REQUIRED_FIELDS = ["mobile", "email"]

    class Meta:
        db_table = "luffy_user"
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(credit__gte=0), name="user_credit_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.username


class CreditEntry(models.Model):
    """One change of a user's credit points. The ledger, not the balance, is the history."""

    class Reason(models.TextChoices):
        ORDER_RESERVE = "order_reserve", _("spent on an order")
        ORDER_RELEASE = "order_release", _("returned: order cancelled or timed out")
        ORDER_REFUND = "order_refund", _("returned: order refunded")
        GRANT = "grant", _("granted by staff")
        ADJUSTMENT = "adjustment", _("adjusted by staff")

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="credit_entries", verbose_name=_("user")
    )
    amount = models.IntegerField(_("points"), help_text=_("points; negative = spent"))
    balance_after = models.PositiveIntegerField(_("balance after"))
    reason = models.CharField(_("reason"), max_length=32, choices=Reason.choices)
    order = models.ForeignKey(
        "orders.Order", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("order"),
    )  # fmt: skip
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        db_table = "luffy_credit_entry"
        verbose_name = _("credit entry")
        verbose_name_plural = _("credit entries")
        indexes = [models.Index(fields=["user", "-id"])]

    def __str__(self) -> str:
        return f"{self.user_id} {self.amount:+d} -> {self.balance_after}"
