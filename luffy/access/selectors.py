"""Reads about who may open what: active access, "my courses", a course's access and a
lesson for study."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from luffy.access.models import CoursePurchase
from luffy.catalog.models import Course, CourseLesson
from luffy.common.choices import choice_code
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


def purchase_list(*, user_id: int):
    """My courses: purchase records with their course, latest first (two queries)."""
    return (
        CoursePurchase.objects.filter(user_id=user_id)
        .select_related("course")
        .only(
            "course_id",
            "expires_at",
            "revoked_at",
            "created_at",
            "updated_at",
            "course__name",
            "course__cover",
        )
        .order_by("-updated_at", "-id")
    )


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


def lesson_for_study(*, user_id: int | None, course_id: int, lesson_id: int) -> dict:
    """One lesson with its link, for someone allowed to open it: anyone for a free trial lesson,
    otherwise a user whose access to the course is active now."""
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
    return {
        "id": lesson.id,
        "course_id": lesson.course_id,
        "name": lesson.name,
        "section_type": choice_code(CourseLesson.Section, lesson.section_type),
        "duration": lesson.duration,
        "free_trial": lesson.free_trial,
        "link": lesson.link,
    }
