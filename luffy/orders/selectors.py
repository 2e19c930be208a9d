from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Prefetch
from django.utils import timezone

from luffy.catalog.models import Course, CourseLesson
from luffy.common.errors import Forbidden, NotAuthenticated, NotFound
from luffy.orders.models import CoursePurchase, Order, OrderLine


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


def unpaid_courses(*, user_id: int, course_ids, at: datetime) -> dict[int, str]:
    """Courses among `course_ids` in the user's unpaid orders still open for payment:
    {course_id: order_number}. One query."""
    return dict(
        OrderLine.objects.filter(
            order__user_id=user_id,
            order__status=Order.Status.UNPAID,
            order__pay_deadline__gt=at,
            course_id__in=list(course_ids),
        ).values_list("course_id", "order__order_number")
    )


def _with_lines(orders):
    lines = OrderLine.objects.select_related("course").only(
        "order_id", "course_id", "course_name", "expire_id", "expire_text", "expire_days",
        "price", "real_price", "discount_name", "course__cover",
    ).order_by("id")  # fmt: skip
    return orders.prefetch_related(Prefetch("lines", queryset=lines))


def order_list(*, user_id: int, status: int | None = None):
    """The user's orders, newest first, with their lines: a constant number of queries when
    paginated (count, page, lines)."""
    orders = Order.objects.filter(user_id=user_id).order_by("-created_at", "-id")
    if status is not None:
        orders = orders.filter(status=status)
    return _with_lines(orders)


def order_get(*, user_id: int, order_number: str) -> Order:
    order = _with_lines(Order.objects.filter(user_id=user_id, order_number=order_number)).first()
    if order is None:
        raise NotFound("No such order.", code="order_not_found")
    return order


def purchase_list(*, user_id: int):
    """My courses: purchase records with their course, latest first (two queries)."""
    return (
        CoursePurchase.objects.filter(user_id=user_id)
        .select_related("course")
        .only(
            "course_id", "expires_at", "created_at", "updated_at", "course__name", "course__cover"
        )
        .order_by("-updated_at", "-id")
    )


# --- study: what a user may open --------------------------------------------------------------


def course_access(*, user_id: int, course_id: int, at: datetime | None = None) -> dict:
    """{active, expires_at, expired}: the user's access to one course, in 2 queries.

    `expired` is true when the user bought the course once and the access has run out, so the
    page can offer a renewal instead of a first purchase."""
    at = at or timezone.now()
    if not Course.objects.filter(id=course_id).exists():
        raise NotFound("No such course.", code="course_not_found")
    purchase = (
        CoursePurchase.objects.filter(user_id=user_id, course_id=course_id)
        .values("expires_at")
        .first()
    )
    if purchase is None:
        return {"active": False, "expires_at": None, "expired": False}
    expires_at = purchase["expires_at"]
    active = expires_at is None or expires_at > at
    return {"active": active, "expires_at": expires_at, "expired": not active}


def lesson_for_study(*, user_id: int | None, course_id: int, lesson_id: int) -> dict:
    """One lesson with its link, for someone allowed to open it: anyone for a free trial lesson,
    otherwise a user whose access to the course is active now."""
    lesson = CourseLesson.objects.filter(id=lesson_id, course_id=course_id).first()
    if lesson is None:
        raise NotFound("No such lesson in this course.", code="lesson_not_found")
    if not lesson.free_trial:
        if user_id is None:
            raise NotAuthenticated("Log in to watch this lesson.", code="not_authenticated")
        access = course_access(user_id=user_id, course_id=course_id)
        if access["expired"]:
            until = timezone.localtime(access["expires_at"]).strftime("%Y-%m-%d %H:%M")
            raise Forbidden(
                f"Your access to this course ended on {until}; renew it to continue.",
                code="access_expired",
            )
        if not access["active"]:
            raise Forbidden("Buy this course to watch this lesson.", code="no_access")
    return {
        "id": lesson.id,
        "course_id": lesson.course_id,
        "name": lesson.name,
        "section_type": lesson.get_section_type_display(),
        "duration": lesson.duration,
        "free_trial": lesson.free_trial,
        "link": lesson.link,
    }
