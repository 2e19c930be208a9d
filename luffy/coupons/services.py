from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, models, transaction
from django.db.models import Exists, F, OuterRef, Q, Value
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from luffy.access.models import CoursePurchase
from luffy.common.errors import Conflict, NotFound, ValidationFailed
from luffy.common.locks import lock_rows
from luffy.common.sql import id_list
from luffy.coupons.models import (
    Coupon,
    CouponRedemption,
    RedeemCode,
    UserCoupon,
    normalize_code,
)

logger = logging.getLogger(__name__)


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
        order_id__in=id_list(order_ids), status=UserCoupon.Status.RESERVED
    ).update(status=UserCoupon.Status.UNUSED, order=None, updated_at=at)


def user_coupons_release_sql(*, orders: str, at: datetime) -> tuple[str, dict]:
    """user_coupons_release as a part of one PostgreSQL data-modifying statement: the CTE
    `released_coupons`, for the orders whose ids the relation `orders` holds. Returns (SQL,
    named parameters)."""
    table = UserCoupon._meta.db_table
    sql = (
        f"released_coupons AS (UPDATE {table} SET status = %(uc_unused)s, order_id = NULL, "  # noqa: S608
        f"updated_at = %(uc_at)s WHERE order_id IN (SELECT id FROM {orders}) "
        "AND status = %(uc_reserved)s)"
    )
    params = {
        "uc_unused": int(UserCoupon.Status.UNUSED),
        "uc_reserved": int(UserCoupon.Status.RESERVED),
        "uc_at": at,
    }
    return sql, params


# --- Grants to a segment of students -----------------------------------------------------------


class Segment(models.TextChoices):
    ALL = "all", gettext_lazy("all students")
    SINCE = "since", gettext_lazy("students registered since a date")
    BUYERS = "buyers", gettext_lazy("buyers of a course")
    LIST = "list", gettext_lazy("a pasted list of mobiles or usernames")


def segment_users(
    *,
    segment: Segment,
    since: date | None = None,
    course_id: int | None = None,
    names: Iterable[str] = (),
):
    """The active users of a segment, as a queryset (not evaluated)."""
    users = get_user_model().objects.filter(is_active=True)
    if segment == Segment.SINCE:
        start = timezone.make_aware(datetime.combine(since, time.min))
        users = users.filter(date_joined__gte=start)
    elif segment == Segment.BUYERS:
        users = users.filter(
            Exists(CoursePurchase.objects.filter(user=OuterRef("pk"), course_id=course_id))
        )
    elif segment == Segment.LIST:
        names = list(names)
        users = users.filter(Q(mobile__in=names) | Q(username__in=names))
    return users


@dataclass(frozen=True)
class SegmentGrant:
    granted: int  # users who got a copy now
    skipped: int  # users of the segment who already had one


def coupon_grant_segment(*, coupon: Coupon, users, start: datetime | None = None) -> SegmentGrant:
    """Give one copy of `coupon` to every user of the `users` queryset who has none yet.

    Idempotent per user: granting the same coupon to the same segment twice gives nothing the
    second time. One INSERT ... SELECT, however many users (no rows travel through Python); the
    coupon row is locked first so two grants of it at once cannot both insert for one user."""
    start = start or timezone.now()
    end = start + timedelta(days=coupon.valid_days) if coupon.valid_days is not None else None
    table = UserCoupon._meta.db_table
    columns = ["user_id", "coupon_id", "start", "end", "status", "created_at", "updated_at"]
    with transaction.atomic():
        lock_rows(Coupon.objects.filter(id=coupon.id)).first()  # only this row: see common.locks
        size = users.count()
        rows = (
            users.exclude(Exists(UserCoupon.objects.filter(user=OuterRef("pk"), coupon=coupon)))
            .order_by()
            .annotate(
                _coupon=Value(coupon.id, output_field=models.IntegerField()),
                _start=Value(start, output_field=models.DateTimeField()),
                _end=Value(end, output_field=models.DateTimeField(null=True)),
                _status=Value(UserCoupon.Status.UNUSED, output_field=models.IntegerField()),
                _now=Value(timezone.now(), output_field=models.DateTimeField()),
            )
            .values_list("id", "_coupon", "_start", "_end", "_status", "_now", "_now")
        )
        select, params = rows.query.sql_with_params()
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {quote(table)} ({', '.join(map(quote, columns))}) {select}", params
            )
            granted = cursor.rowcount
    logger.info(
        "coupon granted coupon=%s granted=%s skipped=%s", coupon.id, granted, size - granted
    )
    return SegmentGrant(granted, size - granted)


# --- Redeem codes (兑换码) ------------------------------------------------------------------------


def coupon_code_redeem(*, user_id: int, code: str, at: datetime | None = None) -> UserCoupon:
    """The student types a code and gets a copy of its coupon.

    Correct under concurrency without relying on the isolation level: the global limit is one
    conditional UPDATE (`redeemed_count < max_redemptions`), which also locks the code's row so
    the redemptions of one code queue; the per-user limit is the unique (code, user, number)."""
    at = at or timezone.now()
    text = normalize_code(code)
    if not text:
        raise ValidationFailed(_("Enter a redeem code."), code="redeem_code_empty", field="code")
    found = RedeemCode.objects.filter(code=text, is_active=True).select_related("coupon").first()
    if found is None:
        raise NotFound(
            _("No such redeem code, or it is no longer valid: check the spelling."),
            code="redeem_code_not_found",
        )
    if found.valid_until is not None and at >= found.valid_until:
        raise Conflict(_("This redeem code has expired."), code="redeem_code_expired")
    try:
        with transaction.atomic():
            taken = RedeemCode.objects.filter(
                id=found.id, redeemed_count__lt=F("max_redemptions")
            ).update(redeemed_count=F("redeemed_count") + 1)
            if not taken:
                raise Conflict(
                    _("This redeem code has been fully redeemed."), code="redeem_code_used_up"
                )
            mine = CouponRedemption.objects.filter(code=found, user_id=user_id).count()
            if mine >= found.per_user_limit:
                raise _PerUserLimit
            coupon = found.coupon
            end = at + timedelta(days=coupon.valid_days) if coupon.valid_days is not None else None
            user_coupon = UserCoupon.objects.create(
                user_id=user_id, coupon=coupon, start=at, end=end
            )
            CouponRedemption.objects.create(
                code=found, user_id=user_id, number=mine + 1, user_coupon=user_coupon
            )
    except (_PerUserLimit, IntegrityError):  # IntegrityError: the same student, racing
        raise Conflict(
            ngettext(
                "You have already redeemed this code.",
                "You have already redeemed this code %(count)d times, the most allowed.",
                found.per_user_limit,
            )
            % {"count": found.per_user_limit},
            code="redeem_code_limit_reached",
        ) from None
    logger.info(
        "coupon code redeemed code=%s user=%s user_coupon=%s", text, user_id, user_coupon.id
    )
    return user_coupon


class _PerUserLimit(Exception):
    pass
