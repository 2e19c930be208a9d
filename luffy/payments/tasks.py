from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from luffy.common.health import heartbeat_record
from luffy.common.redis import single_run
from luffy.payments.services import orders_expire, payments_reconcile

# How long a job's lock outlives a worker that died holding it.
SWEEP_LOCK_SECONDS = 15 * 60
RECONCILE_LOCK_SECONDS = 2 * 3600


@shared_task
def expire_unpaid_orders(batch_size: int | None = None) -> int:
    """Beat, every SWEEP_INTERVAL_SECONDS (60): the timeout sweep
    (payments.services.orders_expire); returns how many orders it timed out. One copy at a
    time (a doubled beat, a slow run overlapping the next): another returns 0 at once."""
    with single_run("expire-unpaid-orders", seconds=SWEEP_LOCK_SECONDS) as mine:
        if not mine:
            return 0
        count = orders_expire(now=timezone.now(), batch_size=batch_size)
    heartbeat_record("sweep")  # /healthz reports when the sweep last ran
    return count


@shared_task
def reconcile_payments(hours: int = 24) -> dict:
    """Beat, every RECONCILE_INTERVAL_SECONDS (3600): settle what lost notifies left unpaid,
    flag what the gateway does not confirm. One copy at a time: another returns
    {"skipped": True} at once, without gateway calls."""
    with single_run("reconcile-payments", seconds=RECONCILE_LOCK_SECONDS) as mine:
        if not mine:
            return {"skipped": True}
        now = timezone.now()
        counts = payments_reconcile(now=now, paid_since=now - timedelta(hours=hours))
    heartbeat_record("reconcile")
    return counts
