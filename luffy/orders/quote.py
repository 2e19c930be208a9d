"""The checkout quote: what the selected cart lines cost now, which of the buyer's coupons fit
them and what each saves, how many credit points can be used, and what is left to pay.

One place computes checkout money: the preview endpoint shows this breakdown and order creation
charges it (`luffy.orders.services.checkout.order_create` calls `checkout_quote` inside its
transaction). It is a read: nothing is reserved here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext as _

from luffy.access.selectors import active_access
from luffy.cart.selectors import cart_selected_items
from luffy.catalog.selectors import course_offers
from luffy.common.errors import Conflict, ValidationFailed
from luffy.common.i18n import list_words
from luffy.common.money import MAX_MONEY, ZERO, credit_to_money, money
from luffy.coupons.models import UserCoupon
from luffy.coupons.selectors import coupon_problem, coupon_rule
from luffy.orders.selectors import unpaid_courses
from luffy.users.models import User


@dataclass(frozen=True)
class CheckoutLine:
    """One selected cart line priced now: what the order line will copy."""

    course_id: int
    course_name: str
    cover: str | None
    expire_id: int
    expire_text: str
    expire_days: int  # 0 = permanent
    price: Decimal  # base price of the option
    real_price: Decimal  # after the best running sale
    discount_name: str | None
    # A renewal: the buyer's access ends then and the days bought are added to it (None: a
    # first purchase, or access that has run out).
    renews_until: datetime | None = None


@dataclass(frozen=True)
class CouponOption:
    """A coupon of the buyer's that can be used on this checkout, and what it saves here."""

    id: int  # the UserCoupon id, used as coupon_id
    name: str
    type: str
    sale: str
    min_amount: Decimal
    end: datetime | None
    saving: Decimal


@dataclass(frozen=True)
class CheckoutQuote:
    lines: tuple[CheckoutLine, ...]
    total_price: Decimal  # the base prices
    discounted_price: Decimal  # after the running sales
    coupons: tuple[CouponOption, ...]  # usable on this checkout, the best first
    best_coupon_id: int | None  # the one that saves most (None: no coupon saves anything)
    user_coupon: UserCoupon | None  # the coupon applied (coupon_id), checked usable
    coupon_amount: Decimal
    credit_balance: int
    max_credit: int  # the most points usable on this checkout with the coupon applied
    max_credit_amount: Decimal  # what max_credit points are worth
    credit: int  # the points applied
    credit_amount: Decimal
    real_price: Decimal  # what is left to pay

    @property
    def sale_amount(self) -> Decimal:
        """What the running sales take off the base prices."""
        return self.total_price - self.discounted_price

    @property
    def credit_per_yuan(self) -> int:
        return settings.CREDIT_PER_YUAN

    @property
    def coupon_id(self) -> int | None:
        return self.user_coupon.id if self.user_coupon else None


def checkout_quote(
    *,
    user_id: int,
    coupon_id: int | None = None,
    credit: int = 0,
    at: datetime,
    items: Sequence[tuple[int, int]] | None = None,
    user: User | None = None,
) -> CheckoutQuote:
    """The breakdown of checking out the user's selected cart lines at `at` with `coupon_id`
    and `credit` points, or the error checkout would answer (the same codes).

    `items` ((course_id, expire_id) pairs) default to the selected cart lines; `user` is the
    buyer's row when the caller has locked it. 7 queries (6 with `user`): prices (3), owned,
    pending, the buyer's credit, the coupons; however many lines and coupons."""
    if items is None:
        items = cart_selected_items(user_id=user_id)
    if not items:
        raise ValidationFailed(
            _("Select at least one course in your cart first."), code="cart_empty"
        )
    lines = _priced_lines(user_id, items, at)
    total_price = sum((line.price for line in lines), ZERO)
    discounted = sum((line.real_price for line in lines), ZERO)
    if total_price > MAX_MONEY:  # the gateway would refuse it too
        raise ValidationFailed(
            _("An order can total at most %(most)s; split it into several orders.")
            % {"most": f"{MAX_MONEY:,.2f}"},
            code="order_total_too_large",
        )
    if user is None:
        user = User.objects.only("id", "credit").get(id=user_id)

    candidates = _coupon_candidates(user_id, coupon_id)
    coupons = _usable_coupons(candidates, discounted, at)
    best = coupons[0].id if coupons and coupons[0].saving > ZERO else None
    user_coupon, coupon_amount = None, ZERO
    if coupon_id is not None:
        user_coupon = _checked_coupon(candidates, coupon_id, discounted, at)
        coupon_amount = discounted - coupon_rule(user_coupon.coupon).apply(discounted)
    left = discounted - coupon_amount
    most = min(int(left * settings.CREDIT_PER_YUAN), user.credit)
    credit_amount = _credit_amount(user, credit, left, most)
    return CheckoutQuote(
        lines=tuple(lines),
        total_price=total_price,
        discounted_price=discounted,
        coupons=tuple(coupons),
        best_coupon_id=best,
        user_coupon=user_coupon,
        coupon_amount=coupon_amount,
        credit_balance=user.credit,
        max_credit=most,
        max_credit_amount=credit_to_money(most),
        credit=credit,
        credit_amount=credit_amount,
        real_price=max(money(left - credit_amount), ZERO),
    )


def _priced_lines(user_id: int, items: Sequence[tuple[int, int]], at: datetime):
    """The lines priced from the database (never the cache), or a 409 saying what is wrong."""
    course_ids = [course_id for course_id, _ in items]
    offers = course_offers(course_ids=course_ids, at=at)
    lines, gone = [], []
    for course_id, expire_id in items:
        offer = offers.get(course_id)
        option = offer.option(expire_id) if offer and offer.on_sale else None
        if option is None:
            gone.append(offer.name if offer else f"#{course_id}")
            continue
        lines.append(
            CheckoutLine(
                course_id=course_id,
                course_name=offer.name,
                cover=offer.cover,
                expire_id=expire_id,
                expire_text=option.text,
                expire_days=option.days,
                price=option.price,
                real_price=option.real_price,
                discount_name=option.discount_name,
            )
        )
    if gone:
        raise Conflict(
            _("No longer for sale with the chosen validity: %(courses)s. Update your cart.")
            % {"courses": list_words(gone)},
            code="course_unavailable",
        )
    owned = active_access(user_id=user_id, course_ids=course_ids, at=at)
    permanent = sorted(course_id for course_id, a in owned.items() if a.expires_at is None)
    if permanent:  # time-limited access is extended instead (a renewal)
        raise Conflict(
            _("You already have access to some of these courses; remove them from your cart."),
            code="already_purchased",
            extra={"course_ids": permanent},
        )
    pending = unpaid_courses(user_id=user_id, course_ids=course_ids, at=at)
    if pending:
        numbers = ", ".join(sorted(set(pending.values())))
        raise Conflict(
            _(
                "You have an unpaid order with some of these courses (%(numbers)s): "
                "pay or cancel it first."
            )
            % {"numbers": numbers},
            code="pending_order",
            extra={"course_ids": sorted(pending)},
        )
    if owned:
        lines = [
            replace(line, renews_until=owned[line.course_id].expires_at)
            if line.course_id in owned
            else line
            for line in lines
        ]
    return lines


def _coupon_candidates(user_id: int, coupon_id: int | None) -> list[UserCoupon]:
    """The user's unused coupons and the one asked for (whatever its status). One query."""
    wanted = Q(status=UserCoupon.Status.UNUSED)
    if coupon_id is not None:
        wanted |= Q(id=coupon_id)
    return list(
        UserCoupon.objects.filter(wanted, user_id=user_id)
        .select_related("coupon", "order")
        .order_by("id")
    )


def _usable_coupons(
    candidates: list[UserCoupon], total: Decimal, at: datetime
) -> list[CouponOption]:
    """The coupons usable on `total` now, the one that saves most first (then the one that
    expires first, so none is wasted)."""
    usable = []
    for user_coupon in candidates:
        if coupon_problem(user_coupon, total=total, at=at) is not None:
            continue
        coupon = user_coupon.coupon
        usable.append(
            CouponOption(
                id=user_coupon.id,
                name=coupon.name,
                type=coupon.get_type_display(),
                sale=coupon.sale,
                min_amount=coupon.min_amount,
                end=user_coupon.end,
                saving=total - coupon_rule(coupon).apply(total),
            )
        )
    never = datetime.max.replace(tzinfo=at.tzinfo)
    usable.sort(key=lambda c: (-c.saving, c.end or never, c.id))
    return usable


def _checked_coupon(
    candidates: list[UserCoupon], coupon_id: int, total: Decimal, at: datetime
) -> UserCoupon:
    # No lock needed: checkout's reservation is a conditional UPDATE (WHERE status = unused).
    user_coupon = next((c for c in candidates if c.id == coupon_id), None)
    if user_coupon is None:
        raise ValidationFailed(
            _("You have no such coupon."), code="coupon_not_found", field="coupon_id"
        )
    problem = coupon_problem(user_coupon, total=total, at=at)
    if problem is not None:
        code, message = problem
        error = Conflict if code in ("coupon_used", "coupon_reserved") else ValidationFailed
        raise error(message, code=code, field="coupon_id")
    return user_coupon


def _credit_amount(user: User, credit: int, left: Decimal, most: int) -> Decimal:
    if credit < 0:
        raise ValidationFailed(
            _("Credit cannot be negative."), code="invalid_credit", field="credit"
        )
    if credit > user.credit:
        raise ValidationFailed(
            _("You have %(credit)d credit points.") % {"credit": user.credit},
            code="credit_exceeds_balance",
            field="credit",
            extra={"max_credit": most},
        )
    amount = credit_to_money(credit)
    if amount > left:
        raise ValidationFailed(
            _("At most %(most)d points can be used on this order (worth %(worth)s).")
            % {"most": most, "worth": f"{left:.2f}"},
            code="credit_exceeds_total",
            field="credit",
            extra={"max_credit": most},
        )
    return amount
