from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from luffy.payments.services import payments_reconcile


@shared_task
def reconcile_payments(hours: int = 24) -> dict:
    """Hourly: settle what lost notifies left unpaid, flag what the gateway does not confirm."""
    now = timezone.now()
    return payments_reconcile(now=now, paid_since=now - timedelta(hours=hours))
