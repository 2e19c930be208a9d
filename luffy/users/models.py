from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models

from luffy.users.validators import validate_mobile


class User(AbstractUser):
    mobile = models.CharField(max_length=11, unique=True, validators=[validate_mobile])
    avatar = models.ImageField(upload_to="avatars/%Y/%m/", blank=True)
    nickname = models.CharField(max_length=30, blank=True, help_text="shown instead of the mobile")
    # Changed only by services (checkout, settlement, refunds), each with a ledger row.
    credit = models.PositiveIntegerField(default=0, help_text="Credit points")

    objects = UserManager()
    REQUIRED_FIELDS = ["mobile", "email"]

    class Meta:
        db_table = "luffy_user"
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
        ORDER_RESERVE = "order_reserve", "spent on an order"
        ORDER_RELEASE = "order_release", "returned: order cancelled or timed out"
        ORDER_REFUND = "order_refund", "returned: order refunded"
        GRANT = "grant", "granted by staff"
        ADJUSTMENT = "adjustment", "adjusted by staff"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="credit_entries")
    amount = models.IntegerField(help_text="points; negative = spent")
    balance_after = models.PositiveIntegerField()
    reason = models.CharField(max_length=32, choices=Reason.choices)
    order = models.ForeignKey(
        "orders.Order", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "luffy_credit_entry"
        verbose_name_plural = "credit entries"
        indexes = [models.Index(fields=["user", "-id"])]

    def __str__(self) -> str:
        return f"{self.user_id} {self.amount:+d} -> {self.balance_after}"
