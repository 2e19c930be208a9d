"""Cart clean-up after checkout when Redis was unavailable at that moment."""

from __future__ import annotations

from celery import shared_task

from luffy.cart.store import CartStore, CartUnavailable

# Seconds between tries: 1, 2, 4 ... capped at 5 minutes; about a day in all.
RETRY_CAP = 300
MAX_RETRIES = 300
EAGER_RETRIES = 3


def retry_delay(retries: int) -> int:
    return min(2**retries, RETRY_CAP)


@shared_task(bind=True, max_retries=MAX_RETRIES, acks_late=True)
def cart_remove_ordered_lines(self, *, user_id: int, course_ids: list[int]) -> None:
    """Remove lines that an order was placed for. Safe to run twice (removing is idempotent)."""
    try:
        CartStore(user_id).remove(*course_ids)
    except CartUnavailable as exc:
        if self.request.is_eager and self.request.retries >= EAGER_RETRIES:
            raise  # run in-process (tests): retries happen at once, so give up soon
        raise self.retry(exc=exc, countdown=retry_delay(self.request.retries)) from exc
