from celery import shared_task
from django.utils import timezone

from luffy.orders.services import orders_expire_batch
from luffy.payments.services import payment_check_expired


@shared_task
def expire_unpaid_orders(batch_size: int = 500) -> int:
    """Time out unpaid orders past their deadline (beat, every minute). Safe to run twice and
    beside another copy: every change is conditional on the order still being unpaid."""
    now = timezone.now()
    checked = payment_check_expired(now=now)
    total = 0
    while done := orders_expire_batch(now=now, batch_size=batch_size, gateway_checked=checked):
        total += done
    return total
