from __future__ import annotations

from datetime import datetime

from django.db.models import Prefetch
from django.utils.translation import gettext as _

from luffy.common.errors import NotFound
from luffy.orders.models import Order, OrderLine


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
        raise NotFound(_("No such order."), code="order_not_found")
    return order
