from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from luffy.catalog.pricing import Rule, parse_rule
from luffy.coupons.models import Coupon, UserCoupon


def coupon_rule(coupon: Coupon) -> Rule:
    return parse_rule(coupon.sale)  # validated when the coupon was saved


def _day(moment: datetime) -> str:
    return date_format(timezone.localtime(moment), "Y-m-d H:i")


def coupon_problem(user_coupon: UserCoupon, *, total: Decimal | None, at: datetime):
    """Why the coupon cannot be used now on an order of `total` (None: any total), as
    (code, message), or None when it can."""
    status = UserCoupon.Status
    if user_coupon.status == status.USED:
        return "coupon_used", _("This coupon has already been used.")
    if user_coupon.status == status.RESERVED:
        number = user_coupon.order.order_number if user_coupon.order else "?"
        return (
            "coupon_reserved",
            _("This coupon is held by unpaid order %(number)s; cancel that order to use it here.")
            % {"number": number},
        )
    if at < user_coupon.start:
        return "coupon_not_started", _("This coupon can be used from %(day)s.") % {
            "day": _day(user_coupon.start)
        }
    if user_coupon.end is not None and at >= user_coupon.end:
        return "coupon_expired", _("This coupon expired at %(day)s.") % {
            "day": _day(user_coupon.end)
        }
    minimum = user_coupon.coupon.min_amount
    if total is not None and total < minimum:
        return (
            "coupon_below_minimum",
            _("This coupon needs an order of at least %(minimum)s (this one is %(total)s).")
            % {"minimum": f"{minimum:.2f}", "total": f"{total:.2f}"},
        )
    return None


def coupon_list(*, user_id: int, at: datetime | None = None):
    """The user's coupons, newest first, each with whether it can be used now (on an order of
    any total) and why not. One query, however many coupons."""
    at = at or timezone.now()
    user_coupons = (
        UserCoupon.objects.filter(user_id=user_id)
        .select_related("coupon", "order")
        .order_by("-start", "-id")
    )
    return [user_coupon_item(user_coupon, at=at) for user_coupon in user_coupons]


def user_coupon_item(user_coupon: UserCoupon, *, at: datetime) -> dict:
    """One coupon as the coupons page shows it (its coupon and order already fetched)."""
    problem = coupon_problem(user_coupon, total=None, at=at)
    coupon = user_coupon.coupon
    return {
        "id": user_coupon.id,
        "name": coupon.name,
        "type": coupon.get_type_display(),
        "sale": coupon.sale,
        "min_amount": coupon.min_amount,
        "start": user_coupon.start,
        "end": user_coupon.end,
        "status": UserCoupon.Status(user_coupon.status).label,
        "usable": problem is None,
        "reason_code": problem[0] if problem else None,
        "reason": problem[1] if problem else None,
    }
