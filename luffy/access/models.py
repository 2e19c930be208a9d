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


class LessonProgress(models.Model):
    """How far a user got in one lesson: done or not, and the last playback position."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    lesson = models.ForeignKey("catalog.CourseLesson", on_delete=models.CASCADE, related_name="+")
    # The lesson's course, copied so "x / y lessons" and "continue" per course are one query.
    course = models.ForeignKey("catalog.Course", on_delete=models.CASCADE, related_name="+")
    position = models.PositiveIntegerField(default=0, help_text="seconds")
    done = models.BooleanField(default=False)
    done_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name_plural = "lesson progress"
        constraints = [
            models.UniqueConstraint(fields=["user", "lesson"], name="one_progress_per_user_lesson")
        ]
        indexes = [
            models.Index(fields=["user", "course", "-updated_at"], name="progress_last_lesson")
        ]

    def __str__(self) -> str:
        done = " done" if self.done else ""
        return f"{self.user_id} · lesson {self.lesson_id} · {self.position}s{done}"
