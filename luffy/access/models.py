from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class CoursePurchase(models.Model):
    """A user's access to a course: one row per (user, course), extended by each purchase."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="purchases",
        verbose_name=_("user"),
    )  # fmt: skip
    course = models.ForeignKey(
        "catalog.Course", on_delete=models.PROTECT, related_name="+", verbose_name=_("course")
    )
    expires_at = models.DateTimeField(
        _("expires at"), null=True, blank=True, help_text=_("empty = permanent")
    )
    # A reference by name only: access knows nothing of orders beyond which one granted it.
    order = models.ForeignKey(
        "orders.Order", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("order"), help_text=_("the order that last granted or extended it"),
    )  # fmt: skip
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("course purchase")
        verbose_name_plural = _("course purchases")
        constraints = [
            models.UniqueConstraint(fields=["user", "course"], name="one_purchase_per_user_course")
        ]

    def __str__(self) -> str:
        until = self.expires_at.date() if self.expires_at else "permanent"
        return f"{self.user_id} -> {self.course_id} ({until})"

    @staticmethod
    def active_filter(at) -> Q:
        return Q(expires_at__isnull=True) | Q(expires_at__gt=at)
