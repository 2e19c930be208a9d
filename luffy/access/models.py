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
    # Set when a refund took the access back (access_revoke ended it), so "my courses" says
    # refunded rather than expired; cleared when the course is bought again.
    revoked_at = models.DateTimeField(_("refunded at"), null=True, blank=True)
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


class LessonProgress(models.Model):
    """How far a user got in one lesson: done or not, and the last playback position."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    lesson = models.ForeignKey(
        "catalog.CourseLesson", on_delete=models.CASCADE, related_name="+", verbose_name=_("lesson")
    )
    # The lesson's course, copied so "x / y lessons" and "continue" per course are one query.
    course = models.ForeignKey(
        "catalog.Course", on_delete=models.CASCADE, related_name="+", verbose_name=_("course")
    )
    position = models.PositiveIntegerField(
        _("playback position"), default=0, help_text=_("seconds")
    )
    done = models.BooleanField(_("done"), default=False)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("lesson progress")
        verbose_name_plural = _("lesson progress")
        constraints = [
            models.UniqueConstraint(fields=["user", "lesson"], name="one_progress_per_user_lesson")
        ]
        indexes = [
            models.Index(fields=["user", "course", "-updated_at"], name="progress_last_lesson")
        ]

    def __str__(self) -> str:
        done = f" · {_('done')}" if self.done else ""
        return (
            _("user %(user)s · lesson %(lesson)s · %(position)s s")
            % {"user": self.user_id, "lesson": self.lesson_id, "position": self.position}
            + done
        )
