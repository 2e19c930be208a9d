from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Prefetch
from django.utils import timezone

from luffy.common.errors import NotFound
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
