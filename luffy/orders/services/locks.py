"""Row locks of the order use cases, in the one lock order (luffy.common.locks): the user row,
then the order row, then courses, then purchase records."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import NamedTuple

from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from luffy.access.models import CoursePurchase
from luffy.catalog.models import Course
from luffy.common.locks import lock_clause, lock_rows
from luffy.common.sql import id_list
from luffy.orders.models import Order, OrderLine
from luffy.users.models import User


def lock_user(user_id: int) -> User:
    return lock_rows(User.objects.only("id", "credit")).get(id=user_id)


def lock_users(user_ids) -> None:
    """Many users' rows (the sweep's batch), in id order."""
    list(lock_rows(User.objects.filter(id__in=id_list(user_ids))).values("id"))


def lock_order(order_id: int) -> Order:
    return lock_rows(Order.objects.all()).get(id=order_id)


def lock_orders_skip_locked(queryset, *fields) -> list[tuple]:
    """The rows of `queryset` (orders) no other transaction holds, locked, in id order, as
    tuples of `fields`."""
    return list(lock_rows(queryset, skip_locked=True).values_list(*fields))


def lock_courses(course_ids: list[int]) -> None:
    """Lock course rows (in id order) before inserting rows that reference them, when the
    transaction will also update them (the students counter on settlement).

    On MySQL/MariaDB (InnoDB) inserting an OrderLine or a CoursePurchase takes a shared lock on
    the referenced course row until commit; two buyers of the same course who each hold it and
    then both UPDATE the counter deadlock. Taking the exclusive lock first makes them queue.
    On PostgreSQL FOR NO KEY UPDATE is enough and does not block other buyers' inserts."""
    list(
        lock_rows(Course.objects.filter(id__in=course_ids), no_key=True).values_list(
            "id", flat=True
        )
    )


class Grant(NamedTuple):
    """One line of an order with the buyer's purchase record of its course, if any."""

    course_id: int
    days: int
    record_id: int | None
    record_expires_at: datetime | None


def lock_user_reading_grants(order: Order, *, user_locked: bool = False) -> list[Grant]:
    """Lock the buyer's row and read what settling `order` grants, in one statement (two on
    PostgreSQL: `separate_user_lock`): its lines, each with the buyer's purchase record of its
    course (`user_locked`: the caller holds the lock already, only read). The user is the
    first lock of the lock order. MariaDB cannot name the table and also locks the lines and
    records it reads: this order's and this user's, which nobody touches without this user's
    lock first, so no circle. The records need no lock of their own: every writer of purchase
    records holds the user's lock (access.services)."""
    if not user_locked and separate_user_lock():
        lock_user(order.user_id)
        user_locked = True
    users = User._meta.db_table
    lines, purchases = OrderLine._meta.db_table, CoursePurchase._meta.db_table
    # The user drives the LEFT JOINs: it is locked even for an order without lines.
    sql = (
        f"SELECT l.course_id, l.expire_days, p.id, p.expires_at FROM {users} u "  # noqa: S608
        f"LEFT JOIN {lines} l ON l.order_id = %s "
        f"LEFT JOIN {purchases} p ON p.user_id = u.id AND p.course_id = l.course_id "
        f"WHERE u.id = %s ORDER BY l.id" + ("" if user_locked else lock_clause())
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [order.id, order.user_id])
        rows = cursor.fetchall()
    return [
        Grant(course_id, days, record_id, _aware(expires_at))
        for course_id, days, record_id, expires_at in rows
        if course_id is not None
    ]


def separate_user_lock() -> bool:
    """Whether the user lock must be its own statement before the read. PostgreSQL (which
    names the locked table) reads the other tables of a locking statement as of the moment it
    started, even after waiting for the lock: records another settlement of this user changed
    meanwhile would be read stale and an extension lost. MariaDB's locking read reads the
    latest version of every row it reads, and SQLite runs one writer at a time."""
    return connection.features.has_select_for_update_of


def _aware(value) -> datetime | None:
    """A datetime column read with a raw cursor: SQLite gives text, MariaDB a naive UTC time."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if value is not None and timezone.is_naive(value):
        value = timezone.make_aware(value, UTC)
    return value
