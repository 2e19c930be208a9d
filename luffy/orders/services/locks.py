"""Row locks of the order use cases, in the one lock order (luffy.common.locks): the user row,
then the order row, then courses, then purchase records."""

from __future__ import annotations

from luffy.catalog.models import Course
from luffy.common.locks import lock_rows
from luffy.orders.models import Order
from luffy.users.models import User


def lock_user(user_id: int) -> User:
    return lock_rows(User.objects.only("id", "credit")).get(id=user_id)


def lock_users(user_ids) -> None:
    """Many users' rows (the sweep's batch), in id order."""
    list(lock_rows(User.objects.filter(id__in=user_ids)).values("id"))


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
