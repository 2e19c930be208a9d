from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from luffy.coupons.models import Coupon, UserCoupon


def coupon_grant(*, coupon: Coupon, user_ids, start: datetime | None = None) -> int:
    """Give one copy of `coupon` to each user; its validity counts from `start` (default now).
    One INSERT however many users. Returns the number granted."""
    start = start or timezone.now()
    end = start + timedelta(days=coupon.valid_days) if coupon.valid_days is not None else None
    with transaction.atomic():
        created = UserCoupon.objects.bulk_create(
            UserCoupon(user_id=user_id, coupon=coupon, start=start, end=end)
            for user_id in dict.fromkeys(user_ids)
        )
    return len(created)


# --- Reservations by orders: the only writers of UserCoupon.status ----------------------------
# Each is one conditional UPDATE, so it is correct without row locks (SQLite) and safe beside
# any other path: a coupon moves only from the status the step expects.


def user_coupon_reserve(*, user_coupon_id: int, order_id: int, at: datetime) -> bool:
    """unused -> reserved for the order (an order holds at most one coupon). False if it is
    not unused any more (used or reserved by another order meanwhile)."""
    return bool(
        UserCoupon.objects.filter(id=user_coupon_id, status=UserCoupon.Status.UNUSED).update(
            status=UserCoupon.Status.RESERVED, order_id=order_id, updated_at=at
        )
    )


def user_coupons_consume(*, order_ids, at: datetime) -> int:
    """reserved -> used, for the coupons these orders hold (they were paid)."""
    return UserCoupon.objects.filter(
        order_id__in=list(order_ids), status=UserCoupon.Status.RESERVED
    ).update(status=UserCoupon.Status.USED, updated_at=at)


def user_coupons_release(*, order_ids, at: datetime) -> int:
    """reserved -> unused, for the coupons these orders hold (cancelled or timed out)."""
    return UserCoupon.objects.filter(
        order_id__in=list(order_ids), status=UserCoupon.Status.RESERVED
    ).update(status=UserCoupon.Status.UNUSED, order=None, updated_at=at)
