from celery import shared_task
from django.utils import timezone

from luffy.backoffice.services import sales_days_due, sales_days_roll_up
from luffy.common.redis import single_run

# How long the roll-up's lock outlives a worker that died holding it.
ROLLUP_LOCK_SECONDS = 30 * 60
# The lock's name, shared with the roll_up_sales command's backfill: the two never overlap, so
# neither waits on the other's day-row lock (DB_LOCK_TIMEOUT) or repeats its work.
ROLLUP_LOCK = "roll-up-sales-days"


@shared_task
def roll_up_sales_days() -> dict:
    """Beat, every DASHBOARD_ROLLUP_INTERVAL_SECONDS (3600): roll up the dashboard's closed days
    that are not rolled up or not final yet (services.sales_days_due). One copy at a time:
    another returns {"skipped": True} at once (a second copy would only repeat the work; the
    day-row lock is what keeps the rows right)."""
    with single_run(ROLLUP_LOCK, seconds=ROLLUP_LOCK_SECONDS) as mine:
        if not mine:
            return {"skipped": True}
        now = timezone.now()
        days = sales_days_due(now=now)
        return {"rolled_up": sales_days_roll_up(days=days, now=now)}
