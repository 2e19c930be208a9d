from django.conf import settings
from django.db import models
from django.db.models import Q


class CoursePurchase(models.Model):
    """A user's access to a course: one row per (user, course), extended by each purchase."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="purchases"
    )
    course = models.ForeignKey("catalog.Course", on_delete=models.PROTECT, related_name="+")
    expires_at = models.DateTimeField(null=True, blank=True, help_text="empty = permanent")
    # A reference by name only: access knows nothing of orders beyond which one granted it.
    order = models.ForeignKey(
        "orders.Order", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        help_text="the order that last granted or extended it",
    )  # fmt: skip
    # Set when a refund took the access back (access_revoke ended it), so "my courses" says
    # refunded rather than expired; cleared when the course is bought again.
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "course"], name="one_purchase_per_user_course")
        ]

    def __str__(self) -> str:
        until = self.expires_at.date() if self.expires_at else "permanent"
        return f"{self.user_id} -> {self.course_id} ({until})"

    @staticmethod
    def active_filter(at) -> Q:
        return Q(expires_at__isnull=True) | Q(expires_at__gt=at)
