"""The one table of order status transitions and the functions that apply it: every status
change is a conditional UPDATE (WHERE status = expected) plus an audit row, so it is also
correct on SQLite, where row locks do nothing."""

from __future__ import annotations

from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from luffy.common.sql import id_list, int_literals
from luffy.orders.models import Order, OrderStatusChange

S = Order.Status


# Creation is the first row of every order's trail: from no status (NULL) to unpaid. It is no
# UPDATE (order_record_created writes it), so order_transition refuses it.
CREATED = (None, S.UNPAID)

# The reasons are stored in English on the audit rows; gettext_noop marks them as msgids, so the
# admin's status history shows them translated.
TRANSITIONS: dict[tuple[int | None, int], str] = {
    CREATED: gettext_noop("order placed"),
    (S.UNPAID, S.PAID): gettext_noop("payment confirmed"),
    (S.UNPAID, S.CANCELLED): gettext_noop("cancelled"),
    (S.UNPAID, S.TIMED_OUT): gettext_noop("not paid in time"),
    (S.PAID, S.REFUNDED): gettext_noop("refunded"),
    # Late payments (the payment issue): settled if the coupon and credit can be re-reserved,
    # otherwise refunded.
    (S.CANCELLED, S.PAID): gettext_noop("late payment settled"),
    (S.TIMED_OUT, S.PAID): gettext_noop("late payment settled"),
    (S.CANCELLED, S.REFUNDED): gettext_noop("late payment refunded"),
    (S.TIMED_OUT, S.REFUNDED): gettext_noop("late payment refunded"),
}


def order_transition(
    *,
    order_id: int,
    from_status: int,
    to_status: int,
    reason: str = "",
    staff_user_id: int | None = None,
    **fields,
) -> bool:
    """Move an order between two statuses if (and only if) it is still in `from_status`.
    `staff_user_id`: the staff member whose admin action caused it (on the audit row)."""
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
                staff_user_id=staff_user_id,
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
        changed = Order.objects.filter(id__in=id_list(order_ids), status=from_status).update(
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


def order_transition_many_returning(
    *, order_ids: list[int], from_status: int, to_status: int, at: datetime, fields: list[str]
) -> list[tuple]:
    """order_transition_many for a caller that holds no row locks (SQLite, whose write
    transactions queue): the conditional UPDATE returns the moved orders' `fields` (UPDATE ...
    RETURNING, SQLite >= 3.35 and PostgreSQL), so no SELECT needs to find them first, then
    their audit rows. Two statements."""
    if (from_status, to_status) not in TRANSITIONS or (from_status, to_status) == CREATED:
        raise ValueError(f"no transition {from_status} -> {to_status}")
    if not order_ids:
        return []
    orders = Order._meta.db_table
    columns = ", ".join(connection.ops.quote_name(Order._meta.get_field(f).column) for f in fields)
    marks = ", ".join(["%s"] * len(order_ids))
    with transaction.atomic(savepoint=False):
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {orders} SET status = %s, updated_at = %s "  # noqa: S608
                f"WHERE id IN ({marks}) AND status = %s RETURNING {columns}",
                [int(to_status), connection.ops.adapt_datetimefield_value(at), *order_ids,
                 int(from_status)],
            )  # fmt: skip
            moved = cursor.fetchall()
        if moved:
            _audit_many(
                [row[fields.index("id")] for row in moved],
                from_status,
                to_status,
                reason=TRANSITIONS[(from_status, to_status)],
                at=at,
            )
    return moved


def order_transition_many_sql(
    *, locked: str, from_status: int, to_status: int, at: datetime
) -> tuple[str, dict]:
    """order_transition_many as parts of one PostgreSQL data-modifying statement (the sweep's
    batch): the CTE `moved`, the conditional UPDATE of the orders whose ids the relation
    `locked` holds (the caller's CTE that locked them), RETURNING their id, user_id, credit
    and order_number, and `moved_audit`, their audit rows. Returns (SQL, named parameters)."""
    if (from_status, to_status) not in TRANSITIONS or (from_status, to_status) == CREATED:
        raise ValueError(f"no transition {from_status} -> {to_status}")
    orders, audit = Order._meta.db_table, OrderStatusChange._meta.db_table
    sql = (
        f"moved AS (UPDATE {orders} o SET status = %(tr_to)s, updated_at = %(tr_at)s "  # noqa: S608
        f"FROM {locked} l WHERE o.id = l.id AND o.status = %(tr_from)s "
        "RETURNING o.id, o.user_id, o.credit, o.order_number), "
        f"moved_audit AS (INSERT INTO {audit} (order_id, from_status, to_status, reason, "
        "created_at) SELECT id, %(tr_from)s, %(tr_to)s, %(tr_reason)s, %(tr_at)s FROM moved "
        "ORDER BY id)"
    )
    params = {
        "tr_from": int(from_status),
        "tr_to": int(to_status),
        "tr_reason": TRANSITIONS[(from_status, to_status)],
        "tr_at": at,
    }
    return sql, params


def _audit_many(
    order_ids: list[int], from_status: int, to_status: int, *, reason: str, at: datetime
) -> None:
    """The audit rows of many orders' transition: one INSERT ... SELECT, no model instances;
    only orders now in `to_status` (under the caller's locks: the ones just moved)."""
    table, orders = OrderStatusChange._meta.db_table, Order._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (order_id, from_status, to_status, reason, created_at) "  # noqa: S608
            f"SELECT id, %s, %s, %s, %s FROM {orders} "
            f"WHERE id IN ({int_literals(order_ids)}) AND status = %s ORDER BY id",
            [
                int(from_status),
                int(to_status),
                reason,
                connection.ops.adapt_datetimefield_value(at),
                int(to_status),
            ],
        )
