"""The dashboard's daily roll-up (models.SalesDay, CourseSalesDay): writes only.

Why re-roll instead of marking days dirty: what changes a closed day is spread over the lower
apps (a settlement with the gateway's earlier pay time, a late payment, a refund the gateway
confirms days later), and they must not know the back office exists (the layers); a writer
that forgot to mark would leave a wrong figure for good. So each run rolls up again every day
of the dashboard's window that is not final yet, and a day is final once it was rolled up
DASHBOARD_ROLLUP_SETTLE_HOURS after it ended (by then the pay timeout and the
reconciliation's look-back are over, so no payment can land on it) with no refund of that day
still waiting for the gateway. Re-rolling a day scans one day's index ranges: cheap."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from luffy.backoffice.models import CourseSalesDay, SalesDay
from luffy.backoffice.reports import (
    CHART_DAYS,
    course_figures,
    day_figures,
    local_day_start,
    local_today,
)

logger = logging.getLogger(__name__)


def sales_days_due(*, now: datetime) -> list[date]:
    """The closed days of the dashboard's window that are not rolled up, or not final yet."""
    today = local_today(now)
    window = [today - timedelta(days=n) for n in range(CHART_DAYS - 1, 0, -1)]
    rows = {
        row.day: row
        for row in SalesDay.objects.filter(day__gte=window[0], day__lt=today).only(
            "day", "open_refunds", "rolled_up_at"
        )
    }
    settle = timedelta(hours=settings.DASHBOARD_ROLLUP_SETTLE_HOURS)

    def final(row: SalesDay | None) -> bool:
        settled_at = local_day_start(row.day + timedelta(days=1)) + settle if row else None
        return row is not None and row.open_refunds == 0 and row.rolled_up_at >= settled_at

    return [day for day in window if not final(rows.get(day))]


def sales_days_roll_up(*, days: Iterable[date], now: datetime | None = None) -> int:
    """Roll up each of `days` (closed local days), replacing what an earlier roll-up wrote:
    one transaction per day, safe beside another roll-up of the same day (the day's row is
    locked first, so the later one computes after the earlier one committed and its figures
    are the ones kept). Returns how many days it rolled up."""
    now = now or timezone.now()
    days = sorted(set(days))
    if days and days[-1] >= local_today(now):
        raise ValueError(f"{days[-1]} is not over yet: only closed days are rolled up")
    for day in days:
        _day_roll_up(day, now=now)
    if days:
        logger.info("sales roll-up: %d days, %s to %s", len(days), days[0], days[-1])
    return len(days)


@transaction.atomic
def _day_roll_up(day: date, *, now: datetime) -> None:
    _day_lock(day, now=now)
    figures = day_figures([day])[day]
    SalesDay.objects.filter(day=day).update(**figures, rolled_up_at=now)
    _course_rows_replace(day, course_figures([day]))


def _course_rows_replace(day: date, rows: list[dict]) -> None:
    """The day's course rows become `rows`: the ones already there updated in place, by
    primary key, new ones inserted, gone ones deleted. Not a delete of the day and an insert:
    on MariaDB/MySQL re-inserting a key just deleted checks the unique index with a lock on
    the next day's first entry, and a DELETE over a small table scans every day's rows, so two
    roll-ups of neighbouring days deadlocked (seen in CI). By primary key, a roll-up locks only
    its own day's rows; the day's SalesDay lock keeps other roll-ups of that day out."""
    existing = {
        (row.course_id, row.course_name): row
        for row in CourseSalesDay.objects.filter(day=day).only("id", "course_id", "course_name")
    }
    changed, new = [], []
    for figures in rows:
        row = existing.pop((figures["course_id"], figures["course_name"]), None)
        if row is None:
            new.append(CourseSalesDay(day=day, **figures))
        else:
            row.revenue, row.sold = figures["revenue"], figures["sold"]
            changed.append(row)
    if existing:
        CourseSalesDay.objects.filter(id__in=[row.id for row in existing.values()]).delete()
    CourseSalesDay.objects.bulk_update(changed, ["revenue", "sold"])
    CourseSalesDay.objects.bulk_create(new)


def _day_lock(day: date, *, now: datetime) -> None:
    """Insert the day's row or, if it is there, update it: either way it stays locked by this
    transaction until it commits (PostgreSQL ON CONFLICT, MariaDB ON DUPLICATE KEY; SQLite
    holds the database's write lock)."""
    placeholder = SalesDay(
        day=day, gross=0, refunded=0, paid_orders=0, refunds=0, created_orders=0,
        created_paid=0, new_students=0, open_refunds=0, rolled_up_at=now,
    )  # fmt: skip
    with_target = connection.features.supports_update_conflicts_with_target
    SalesDay.objects.bulk_create(
        [placeholder], update_conflicts=True, update_fields=["rolled_up_at"],
        unique_fields=["day"] if with_target else None,
    )  # fmt: skip
