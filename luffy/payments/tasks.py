from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from luffy.common.health import heartbeat_record
from luffy.common.redis import single_run
from luffy.payments.services import orders_expire, payments_reconcile
from luffy.payments.services.jobs import GATEWAY_CLAIM_SECONDS

# How long a job's lock outlives a worker that died holding it.
SWEEP_LOCK_SECONDS = 15 * 60
RECONCILE_LOCK_SECONDS = 2 * 3600


def within_lock(budget: float, lock_seconds: int) -> float:
    """A job's time budget, kept inside its lock's expiry: it stops starting new work after the
    budget, and what it has started (one page, bounded by the per-order claim's expiry) ends
    before the lock lapses, so a second copy never starts beside it."""
    return max(min(budget, lock_seconds - GATEWAY_CLAIM_SECONDS), 0)


# Beat runs it every minute: its successes are not stored (failures are, see settings).
@shared_task(ignore_result=True)
def expire_unpaid_orders(batch_size: int | None = None) -> int:
    """Beat, every SWEEP_INTERVAL_SECONDS (60): the timeout sweep
    (payments.services.orders_expire); returns how many orders it timed out. One copy at a
    time (a doubled beat, a slow run overlapping the next): another returns 0 at once."""
    with single_run("expire-unpaid-orders", seconds=SWEEP_LOCK_SECONDS) as mine:
        if not mine:
            return 0
        budget = within_lock(settings.SWEEP_TIME_BUDGET_SECONDS, SWEEP_LOCK_SECONDS)
        report = orders_expire(now=timezone.now(), batch_size=batch_size, budget_seconds=budget)
    heartbeat_record("sweep")  # /healthz reports when the sweep last ran
    return report.timed_out


@shared_task
def reconcile_payments(hours: int = 24) -> dict:
    """Beat, every RECONCILE_INTERVAL_SECONDS (3600): settle what lost notifies left unpaid,
    flag what the gateway does not confirm, over the whole window (a run that runs out of time
    leaves a cursor; the next one resumes there). One copy at a time: another returns
    {"skipped": True} at once, without gateway calls."""
    with single_run("reconcile-payments", seconds=RECONCILE_LOCK_SECONDS) as mine:
        if not mine:
            return {"skipped": True}
        now = timezone.now()
        budget = within_lock(settings.RECONCILE_TIME_BUDGET_SECONDS, RECONCILE_LOCK_SECONDS)
        counts = payments_reconcile(
            now=now, paid_since=now - timedelta(hours=hours), budget_seconds=budget
        )
    heartbeat_record("reconcile")
    return counts
