from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from luffy.orders.models import CoursePurchase


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
