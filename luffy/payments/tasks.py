from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from luffy.payments.services import orders_expire, payments_reconcile


@shared_task
def expire_unpaid_orders(batch_size: int | None = None) -> int:
    """Beat, every minute: the timeout sweep (payments.services.orders_expire)."""
    return orders_expire(now=timezone.now(), batch_size=batch_size)


@shared_task
def reconcile_payments(hours: int = 24) -> dict:
    """Hourly: settle what lost notifies left unpaid, flag what the gateway does not confirm."""
    now = timezone.now()
    return payments_reconcile(now=now, paid_since=now - timedelta(hours=hours))
