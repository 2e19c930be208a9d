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
    return _problem(
        status=user_coupon.status,
        order_number=_holder(user_coupon),
        start=user_coupon.start,
        end=user_coupon.end,
        minimum=user_coupon.coupon.min_amount,
        total=total,
        at=at,
    )


def _holder(user_coupon: UserCoupon) -> str | None:
    """The number of the order holding a reserved coupon (the order is read only then)."""
    if user_coupon.status != UserCoupon.Status.RESERVED or user_coupon.order_id is None:
        return None
    return user_coupon.order.order_number


def _problem(*, status, order_number, start, end, minimum, total, at):
    """coupon_problem on plain values (the coupon list reads rows, not model instances)."""
    if status == UserCoupon.Status.USED:
        return "coupon_used", _("This coupon has already been used.")
    if status == UserCoupon.Status.RESERVED:
        return (
            "coupon_reserved",
            _("This coupon is held by unpaid order %(number)s; cancel that order to use it here.")
            % {"number": order_number or "?"},
        )
    if at < start:
        return "coupon_not_started", _("This coupon can be used from %(day)s.") % {
            "day": _day(start)
        }
    if end is not None and at >= end:
        return "coupon_expired", _("This coupon expired at %(day)s.") % {"day": _day(end)}
    if total is not None and total < minimum:
        return (
            "coupon_below_minimum",
            _("This coupon needs an order of at least %(minimum)s (this one is %(total)s).")
            % {"minimum": f"{minimum:.2f}", "total": f"{total:.2f}"},
        )
    return None


# What the coupons page shows of a user coupon, read as a row (no model instances).
_ITEM_FIELDS = (
    "id", "status", "start", "end", "order__order_number", "coupon__name", "coupon__type",
    "coupon__sale", "coupon__min_amount",
)  # fmt: skip


def coupon_list(*, user_id: int, at: datetime | None = None) -> list[dict]:
    """The user's coupons, newest first, each with whether it can be used now (on an order of
    any total) and why not. One query, however many coupons."""
    at = at or timezone.now()
    rows = UserCoupon.objects.filter(user_id=user_id).order_by("-start", "-id")
    labels = _labels()
    return [_item(row, at=at, labels=labels) for row in rows.values(*_ITEM_FIELDS)]


def user_coupon_item(user_coupon: UserCoupon, *, at: datetime) -> dict:
    """One coupon as the coupons page shows it (its coupon and order already fetched)."""
    coupon = user_coupon.coupon
    row = {
        "id": user_coupon.id,
        "status": user_coupon.status,
        "start": user_coupon.start,
        "end": user_coupon.end,
        "order__order_number": _holder(user_coupon),
        "coupon__name": coupon.name,
        "coupon__type": coupon.type,
        "coupon__sale": coupon.sale,
        "coupon__min_amount": coupon.min_amount,
    }
    return _item(row, at=at, labels=_labels())


def _labels() -> tuple[dict, dict]:
    """The coupon type and status texts in the request's language, looked up once a list."""
    types = {value: str(label) for value, label in Coupon.Type.choices}
    return types, {value: str(label) for value, label in UserCoupon.Status.choices}


def _item(row: dict, *, at: datetime, labels: tuple[dict, dict]) -> dict:
    problem = _problem(
        status=row["status"],
        order_number=row["order__order_number"],
        start=row["start"],
        end=row["end"],
        minimum=row["coupon__min_amount"],
        total=None,
        at=at,
    )
    types, statuses = labels
    return {
        "id": row["id"],
        "name": row["coupon__name"],
        "type": types.get(row["coupon__type"], row["coupon__type"]),
        "sale": row["coupon__sale"],
        "min_amount": row["coupon__min_amount"],
        "start": row["start"],
        "end": row["end"],
        "status": statuses[row["status"]],
        "usable": problem is None,
        "reason_code": problem[0] if problem else None,
        "reason": problem[1] if problem else None,
    }
