"""Reads about who may open what: active access, "my courses", a course's access and a
lesson for study."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Exists, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from luffy.access.models import CoursePurchase, LessonProgress
from luffy.catalog.models import Course, CourseLesson
from luffy.common.errors import Forbidden, NotAuthenticated, NotFound


@dataclass(frozen=True)
class Access:
    course_id: int
    expires_at: datetime | None  # None = permanent


def active_access(*, user_id: int, course_ids, at: datetime | None = None) -> dict[int, Access]:
    """The courses among `course_ids` the user can use at `at` (default now), in one query."""
    at = at or timezone.now()
    rows = CoursePurchase.objects.filter(
        CoursePurchase.active_filter(at), user_id=user_id, course_id__in=list(course_ids)
    ).values_list("course_id", "expires_at")
    return {course_id: Access(course_id, expires_at) for course_id, expires_at in rows}


def _count(queryset, group: str):
    """A correlated COUNT(*) subquery, 0 when there are no rows."""
    counted = queryset.order_by().values(group).annotate(n=Count("*")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def purchase_list(*, user_id: int) -> list[dict]:
    """My courses: purchase records as rows (dicts) with their course's name and cover, latest
    first, each with its progress (lessons done / lessons) and the lesson last studied, for
    继续学习. One query; rows, not model instances (written by serializers.purchases_data)."""
    mine = LessonProgress.objects.filter(user_id=user_id, course_id=OuterRef("course_id"))
    last = mine.order_by("-updated_at", "-id")
    return list(
        CoursePurchase.objects.filter(user_id=user_id)
        .annotate(
            lessons_total=_count(
                CourseLesson.objects.filter(course_id=OuterRef("course_id")), "course_id"
            ),
            lessons_done=_count(mine.filter(done=True), "course_id"),
            last_lesson_id=Subquery(last.values("lesson_id")[:1]),
            last_lesson_name=Subquery(last.values("lesson__name")[:1]),
            last_position=Subquery(last.values("position")[:1]),
        )
        .order_by("-updated_at", "-id")
        .values(
            "course_id",
            "expires_at",
            "revoked_at",
            "created_at",
            "course__name",
            "course__cover",
            "lessons_total",
            "lessons_done",
            "last_lesson_id",
            "last_lesson_name",
            "last_position",
        )
    )


def course_progress(*, user_id: int, course_id: int) -> dict:
    """The user's progress in one course: every lesson started, done count, total and the
    lesson to continue with. Two queries."""
    rows = list(
        LessonProgress.objects.filter(user_id=user_id, course_id=course_id)
        .order_by("-updated_at", "-id")
        .values("lesson_id", "position", "done", "updated_at")
    )
    total = CourseLesson.objects.filter(course_id=course_id).count()
    return {
        "course_id": course_id,
        "lessons_total": total,
        "lessons_done": sum(1 for row in rows if row["done"]),
        "last_lesson_id": rows[0]["lesson_id"] if rows else None,
        "lessons": rows,
    }


def lesson_progress_target(*, user_id: int, course_id: int, lesson_id: int) -> None:
    """Whether the user may record progress on this lesson: it is in the course and is a free
    trial or the user's access is active. One query; NotFound / Forbidden otherwise."""
    owned = CoursePurchase.objects.filter(
        CoursePurchase.active_filter(timezone.now()), user_id=user_id, course_id=course_id
    )
    row = (
        CourseLesson.objects.filter(id=lesson_id, course_id=course_id)
        .annotate(owned=Exists(owned))
        .values_list("free_trial", "owned")
        .first()
    )
    if row is None:
        raise NotFound(_("No such lesson in this course."), code="lesson_not_found")
    free_trial, owned = row
    if not (free_trial or owned):
        raise Forbidden(_("Buy this course to watch this lesson."), code="no_access")


# --- study: what a user may open --------------------------------------------------------------


def course_access(*, user_id: int, course_id: int, at: datetime | None = None) -> dict:
    """{active, expires_at, expired, refunded}: the user's access to one course, in 2 queries.

    `expired` is true when the user bought the course once and the access has run out, so the
    page can offer a renewal instead of a first purchase; `refunded` instead when a refund took
    the access back (no renewal: the course is bought anew)."""
    at = at or timezone.now()
    if not Course.objects.filter(id=course_id).exists():
        raise NotFound(_("No such course."), code="course_not_found")
    purchase = (
        CoursePurchase.objects.filter(user_id=user_id, course_id=course_id)
        .values("expires_at", "revoked_at")
        .first()
    )
    if purchase is None:
        return {"active": False, "expires_at": None, "expired": False, "refunded": False}
    expires_at = purchase["expires_at"]
    active = expires_at is None or expires_at > at
    refunded = not active and purchase["revoked_at"] is not None
    return {
        "active": active,
        "expires_at": expires_at,
        "expired": not active and not refunded,
        "refunded": refunded,
    }


def lesson_for_study(*, user_id: int | None, course_id: int, lesson_id: int) -> CourseLesson:
    """One lesson, for someone allowed to open it: anyone for a free trial lesson, otherwise a
    user whose access to the course is active now. How to play it: luffy.access.study."""
    lesson = CourseLesson.objects.filter(id=lesson_id, course_id=course_id).first()
    if lesson is None:
        raise NotFound(_("No such lesson in this course."), code="lesson_not_found")
    if not lesson.free_trial:
        if user_id is None:
            raise NotAuthenticated(_("Log in to watch this lesson."), code="not_authenticated")
        access = course_access(user_id=user_id, course_id=course_id)
        if access["expired"]:
            until = timezone.localtime(access["expires_at"]).strftime("%Y-%m-%d %H:%M")
            raise Forbidden(
                _("Your access to this course ended on %(until)s; renew it to continue.")
                % {"until": until},
                code="access_expired",
            )
        if not access["active"]:
            raise Forbidden(_("Buy this course to watch this lesson."), code="no_access")
    return lesson
