from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models

from luffy.users.validators import validate_mobile


class User(AbstractUser):
    mobile = models.CharField(max_length=11, unique=True, validators=[validate_mobile])
    avatar = models.ImageField(upload_to="avatars/%Y/%m/", blank=True)
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
