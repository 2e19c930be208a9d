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


# What "my orders" and the order page show, read as plain rows: model instances and DRF fields
# cost many times the SQL on a page of 50 orders (docs/benchmarks.md, "Reads against their
# floor"); luffy.orders.serializers.orders_data writes them in OrderSerializer's shape.
ORDER_ROW_FIELDS = (
    "id", "order_number", "title", "created_at", "status", "pay_deadline", "paid_at",
    "total_price", "discounted_price", "coupon_amount", "credit", "credit_amount", "real_price",
    "refunded_amount", "refunded_at",
)  # fmt: skip
LINE_ROW_FIELDS = (
    "order_id", "course_id", "course_name", "expire_text", "expire_days", "price", "real_price",
    "discount_name", "course__cover",
)  # fmt: skip


def order_list(*, user_id: int, status: int | None = None):
    """The user's orders, newest first, as rows (dicts, ORDER_ROW_FIELDS), lazily: paginate,
    then add the page's lines with order_rows_with_lines (count, page, lines: 3 queries)."""
    orders = Order.objects.filter(user_id=user_id).order_by("-created_at", "-id")
    if status is not None:
        orders = orders.filter(status=status)
    return orders.values(*ORDER_ROW_FIELDS)


def order_rows_with_lines(rows) -> list[dict]:
    """`rows` (order_list's, or a page of them), each with its lines under "lines" (dicts,
    LINE_ROW_FIELDS, in line order). One query, however many orders."""
    rows = list(rows)
    lines_of = {row["id"]: [] for row in rows}
    if lines_of:
        lines = OrderLine.objects.filter(order_id__in=list(lines_of)).order_by("id")
        for line in lines.values(*LINE_ROW_FIELDS):
            lines_of[line["order_id"]].append(line)
    for row in rows:
        row["lines"] = lines_of[row["id"]]
    return rows


def order_row_get(*, user_id: int, order_number: str) -> dict:
    """One of the user's orders as a row with its lines (as order_rows_with_lines): 2 queries."""
    row = Order.objects.filter(user_id=user_id, order_number=order_number)
    found = order_rows_with_lines(row.values(*ORDER_ROW_FIELDS)[:1])
    if not found:
        raise NotFound(_("No such order."), code="order_not_found")
    return found[0]


def order_get(*, user_id: int, order_number: str) -> Order:
    """One of the user's orders as a model with its lines prefetched (for OrderSerializer)."""
    order = _with_lines(Order.objects.filter(user_id=user_id, order_number=order_number)).first()
    if order is None:
        raise NotFound(_("No such order."), code="order_not_found")
    return order
