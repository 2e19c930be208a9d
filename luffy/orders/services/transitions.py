"""The one table of order status transitions and the functions that apply it: every status
change is a conditional UPDATE (WHERE status = expected) plus an audit row, so it is also
correct on SQLite, where row locks do nothing."""

from __future__ import annotations

from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from luffy.orders.models import Order, OrderStatusChange

S = Order.Status


# Creation is the first row of every order's trail: from no status (NULL) to unpaid. It is no
# UPDATE (order_record_created writes it), so order_transition refuses it.
CREATED = (None, S.UNPAID)

TRANSITIONS: dict[tuple[int | None, int], str] = {
    CREATED: "order placed",
    (S.UNPAID, S.PAID): "payment confirmed",
    (S.UNPAID, S.CANCELLED): "cancelled",
    (S.UNPAID, S.TIMED_OUT): "not paid in time",
    (S.PAID, S.REFUNDED): "refunded",
    # Late payments (the payment issue): settled if the coupon and credit can be re-reserved,
    # otherwise refunded.
    (S.CANCELLED, S.PAID): "late payment settled",
    (S.TIMED_OUT, S.PAID): "late payment settled",
    (S.CANCELLED, S.REFUNDED): "late payment refunded",
    (S.TIMED_OUT, S.REFUNDED): "late payment refunded",
}


def order_transition(
    *, order_id: int, from_status: int, to_status: int, reason: str = "", **fields
) -> bool:
    """Move an order between two statuses if (and only if) it is still in `from_status`."""
    if (from_status, to_status) not in TRANSITIONS or (from_status, to_status) == CREATED:
        raise ValueError(f"no transition {from_status} -> {to_status}")
    with transaction.atomic(savepoint=False):
        changed = Order.objects.filter(id=order_id, status=from_status).update(
            status=to_status, updated_at=timezone.now(), **fields
        )
        if changed:
            OrderStatusChange.objects.create(
                order_id=order_id,
                from_status=from_status,
                to_status=to_status,
                reason=reason or TRANSITIONS[(from_status, to_status)],
            )
    return bool(changed)


def order_record_created(*, order_id: int) -> None:
    """The first audit row of a new order (from no status to unpaid), in its checkout
    transaction."""
    OrderStatusChange.objects.create(
        order_id=order_id,
        from_status=None,
        to_status=S.UNPAID,
        reason=TRANSITIONS[CREATED],
    )


def order_transition_many(
    *, order_ids: list[int], from_status: int, to_status: int, reason: str = "", at: datetime
) -> int:
    """Move many orders between two statuses, set-based: one conditional UPDATE (WHERE status =
    `from_status`) and one INSERT ... SELECT of their audit rows, whatever their number, no
    model instances. Returns how many moved. The caller holds the orders' row locks (the
    sweep: lock_orders_skip_locked), so the audit rows name exactly the orders this UPDATE
    moved."""
    if (from_status, to_status) not in TRANSITIONS or (from_status, to_status) == CREATED:
        raise ValueError(f"no transition {from_status} -> {to_status}")
    if not order_ids:
        return 0
    with transaction.atomic(savepoint=False):
        changed = Order.objects.filter(id__in=order_ids, status=from_status).update(
            status=to_status, updated_at=at
        )
        if changed:
            _audit_many(
                order_ids,
                from_status,
                to_status,
                reason=reason or TRANSITIONS[(from_status, to_status)],
                at=at,
            )
    return changed


def _audit_many(
    order_ids: list[int], from_status: int, to_status: int, *, reason: str, at: datetime
) -> None:
    """The audit rows of many orders' transition: one INSERT ... SELECT, no model instances;
    only orders now in `to_status` (under the caller's locks: the ones just moved)."""
    table, orders = OrderStatusChange._meta.db_table, Order._meta.db_table
    marks = ", ".join(["%s"] * len(order_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (order_id, from_status, to_status, reason, created_at) "  # noqa: S608
            f"SELECT id, %s, %s, %s, %s FROM {orders} WHERE id IN ({marks}) AND status = %s "
            "ORDER BY id",
            [
                int(from_status),
                int(to_status),
                reason,
                connection.ops.adapt_datetimefield_value(at),
                *order_ids,
                int(to_status),
            ],
        )
