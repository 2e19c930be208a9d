"""Row locks of the order use cases, taken in one order everywhere: the user row, then the
order row, then courses, coupons and purchase records."""

from __future__ import annotations

from django.db import connection

from luffy.catalog.models import Course
from luffy.users.models import User


def lock_user(user_id: int) -> User:
    return User.objects.select_for_update().only("id", "credit").get(id=user_id)


def lock_courses(course_ids: list[int]) -> None:
    """Lock course rows (in id order) before inserting rows that reference them, when the
    transaction will also update them (the students counter on settlement).

    On MySQL/MariaDB (InnoDB) inserting an OrderLine or a CoursePurchase takes a shared lock on
    the referenced course row until commit; two buyers of the same course who each hold it and
    then both UPDATE the counter deadlock. Taking the exclusive lock first makes them queue.
    On PostgreSQL FOR NO KEY UPDATE is enough and does not block other buyers' inserts."""
    no_key = connection.features.has_select_for_no_key_update
    list(
        Course.objects.select_for_update(no_key=no_key)
        .filter(id__in=course_ids)
        .order_by("id")
        .values_list("id", flat=True)
    )
