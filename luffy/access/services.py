"""Writes of course access: granted (or extended) by a payment, taken back by a refund; and a
student's progress in a lesson.

Callers hold the buyer's user lock (the one lock order, luffy.common.locks: user, order,
courses, then the purchase records here)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import connection

from luffy.access.models import CoursePurchase, LessonProgress
from luffy.access.selectors import lesson_progress_target
from luffy.common.locks import lock_rows


def access_grant(
    *,
    user_id: int,
    order_id: int,
    lines: list[tuple[int, int]],
    at: datetime,
    held: dict[int, tuple[int, datetime | None]] | None = None,
) -> None:
    """A purchase record per (course_id, days) line, 0 days = permanent: new access from `at`;
    an expired record restarts from `at`; an active one is extended from its end; permanent
    stays permanent. Two statements at most besides the read.

    `held`: the user's records of these courses ({course_id: (id, expires_at)}) when the
    caller already read them under the user's lock (settlement reads them with its lock, in
    one statement); otherwise they are read and locked here. Every writer of purchase records
    holds the user's lock, so records read under it cannot change before these writes."""
    if held is None:
        existing = {
            p.course_id: p
            for p in lock_rows(
                CoursePurchase.objects.filter(
                    user_id=user_id, course_id__in=[course_id for course_id, _ in lines]
                )
            )
        }
    else:
        existing = {
            course_id: CoursePurchase(
                id=record_id, user_id=user_id, course_id=course_id, expires_at=expires_at
            )
            for course_id, (record_id, expires_at) in held.items()
        }
    new, changed = [], []
    for course_id, days in lines:
        record = existing.get(course_id)
        if record is None:
            end = None if days == 0 else at + timedelta(days=days)
            new.append(
                CoursePurchase(
                    user_id=user_id, course_id=course_id, expires_at=end, order_id=order_id
                )
            )
        elif record.expires_at is not None:
            start = max(record.expires_at, at)
            record.expires_at = None if days == 0 else start + timedelta(days=days)
            record.order_id = order_id
            record.revoked_at = None  # bought again after a refund
            record.updated_at = at  # bulk_update does not apply auto_now
            changed.append(record)
    CoursePurchase.objects.bulk_create(new)
    if changed:
        CoursePurchase.objects.bulk_update(
            changed, ["expires_at", "order", "revoked_at", "updated_at"]
        )


def access_revoke(
    *, user_id: int, order_id: int, lines: list[tuple[int, int]], at: datetime
) -> None:
    """Take back what an order granted, for the records it last granted or extended: its days
    come off the end (never before `at`); permanent access, or access bought as permanent,
    ends at `at`. Access that ends here is marked revoked (shown as refunded, not expired); access
    left from an earlier purchase stays as it is."""
    days = dict(lines)
    purchases = list(
        lock_rows(
            CoursePurchase.objects.filter(user_id=user_id, course_id__in=days, order_id=order_id)
        )
    )
    for purchase in purchases:
        bought = days[purchase.course_id]
        if purchase.expires_at is None or bought == 0:
            purchase.expires_at = at
        else:
            purchase.expires_at = max(at, purchase.expires_at - timedelta(days=bought))
        if purchase.expires_at <= at:
            purchase.revoked_at = at
        purchase.updated_at = at
    CoursePurchase.objects.bulk_update(purchases, ["expires_at", "revoked_at", "updated_at"])


def lesson_progress_save(
    *,
    user_id: int,
    course_id: int,
    lesson_id: int,
    position: int | None = None,
    done: bool | None = None,
    at: datetime,
) -> None:
    """Record where the user is in a lesson and/or whether it is done: one INSERT ... ON
    CONFLICT UPDATE (safe to repeat, and two tabs saving at once can't make two rows), after
    a one-query check that the user may open the lesson. Fields left None keep their value."""
    lesson_progress_target(user_id=user_id, course_id=course_id, lesson_id=lesson_id)
    row = LessonProgress(
        user_id=user_id,
        lesson_id=lesson_id,
        course_id=course_id,
        position=position or 0,
        done=bool(done),
        done_at=at if done else None,
        updated_at=at,
    )
    fields = ["updated_at"]
    if position is not None:
        fields.append("position")
    if done is not None:
        fields += ["done", "done_at"]
    # MySQL/MariaDB's ON DUPLICATE KEY UPDATE takes no conflict target; the others need one.
    target = (
        ["user", "lesson"] if connection.features.supports_update_conflicts_with_target else None
    )
    LessonProgress.objects.bulk_create(
        [row], update_conflicts=True, unique_fields=target, update_fields=fields
    )
