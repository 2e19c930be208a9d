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
