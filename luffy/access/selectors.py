"""Reads about who may open what: active access, "my courses", a course's access and a
lesson for study."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Exists
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


def purchase_list(*, user_id: int) -> list[dict]:
    """My courses: purchase records as rows (dicts) with their course's name and cover, latest
    first, each with its progress (lessons done / lessons) and the lesson last studied, for
    继续学习. Three plain queries (purchases, lesson counts, the user's progress in those
    courses) rather than one with five correlated subqueries: Django took several times the
    SQL's cost to build that one (docs/benchmarks.md, "Reads against their floor"). Rows, not
    model instances (written by serializers.purchases_data)."""
    rows = list(
        CoursePurchase.objects.filter(user_id=user_id)
        .order_by("-updated_at", "-id")
        .values(
            "course_id", "expires_at", "revoked_at", "created_at", "course__name", "course__cover"
        )
    )
    if not rows:
        return rows
    course_ids = [row["course_id"] for row in rows]
    totals = dict(
        CourseLesson.objects.filter(course_id__in=course_ids)
        .order_by()
        .values_list("course_id")
        .annotate(n=Count("*"))
    )
    done: dict[int, int] = {}
    last: dict[int, tuple] = {}  # course id -> (lesson id, name, position), latest first wins
    progress = (
        LessonProgress.objects.filter(user_id=user_id, course_id__in=course_ids)
        .order_by("-updated_at", "-id")
        .values_list("course_id", "lesson_id", "lesson__name", "position", "done")
    )
    for course_id, lesson_id, name, position, is_done in progress:
        last.setdefault(course_id, (lesson_id, name, position))
        done[course_id] = done.get(course_id, 0) + is_done
    for row in rows:
        course_id = row["course_id"]
        lesson_id, name, position = last.get(course_id, (None, None, None))
        row.update(
            lessons_total=totals.get(course_id, 0),
            lessons_done=done.get(course_id, 0),
            last_lesson_id=lesson_id,
            last_lesson_name=name,
            last_position=position,
        )
    return rows


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
    if not Course.objects.filter(id=course_id).exists():
        raise NotFound(_("No such course."), code="course_not_found")
    return _purchase_access(user_id=user_id, course_id=course_id, at=at or timezone.now())


def _purchase_access(*, user_id: int, course_id: int, at: datetime) -> dict:
    """course_access for a course known to exist: one query."""
    purchase = (
        CoursePurchase.objects.filter(user_id=user_id, course_id=course_id)
        .values_list("expires_at", "revoked_at")
        .first()
    )
    if purchase is None:
        return {"active": False, "expires_at": None, "expired": False, "refunded": False}
    expires_at, revoked_at = purchase
    active = expires_at is None or expires_at > at
    refunded = not active and revoked_at is not None
    return {
        "active": active,
        "expires_at": expires_at,
        "expired": not active and not refunded,
        "refunded": refunded,
    }


def lesson_for_study(*, user_id: int | None, course_id: int, lesson_id: int) -> CourseLesson:
    """One lesson, for someone allowed to open it: anyone for a free trial lesson, otherwise a
    user whose access to the course is active now. How to play it: luffy.access.study."""
    try:
        # get(), not first(): first() would sort by the lessons' default ordering, a join to
        # their chapter, for a row the id already names.
        lesson = CourseLesson.objects.get(id=lesson_id, course_id=course_id)
    except CourseLesson.DoesNotExist:
        raise NotFound(_("No such lesson in this course."), code="lesson_not_found") from None
    if not lesson.free_trial:
        if user_id is None:
            raise NotAuthenticated(_("Log in to watch this lesson."), code="not_authenticated")
        # The lesson is the course's, so the course exists: no need to look it up again.
        access = _purchase_access(user_id=user_id, course_id=course_id, at=timezone.now())
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
