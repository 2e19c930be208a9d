"""Checkout: the selected cart lines become an unpaid order, every price, coupon and credit
balance re-read in one transaction, the coupon and credit reserved for it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from luffy.access.selectors import active_access
from luffy.cart.selectors import cart_selected_items
from luffy.cart.services import cart_remove_lines
from luffy.catalog.selectors import course_offers
from luffy.common.errors import Conflict, ValidationFailed
from luffy.common.i18n import list_words
from luffy.common.logs import event
from luffy.common.money import MAX_MONEY, ZERO, credit_to_money, money
from luffy.coupons.models import UserCoupon
from luffy.coupons.selectors import coupon_problem, coupon_rule
from luffy.coupons.services import (
    user_coupon_reserve,
)
from luffy.orders.models import Order, OrderLine
from luffy.orders.selectors import unpaid_courses
from luffy.orders.services.locks import lock_courses, lock_user
from luffy.orders.services.settlement import settle_locked
from luffy.users.credits import credit_change
from luffy.users.models import CreditEntry, User

S = Order.Status


@dataclass(frozen=True)
class CheckoutResult:
    order: Order
    price_changed: bool


def _order_number(order: Order) -> str:
    # Time-ordered and unique by construction: the creation time (to the microsecond, so
    # numbers stay distinct even where a rolled-back database reuses ids), then the id.
    local = timezone.localtime(order.created_at)
    return f"{local:%Y%m%d%H%M%S%f}{order.pk:010d}"


def order_create(
    *,
    user_id: int,
    pay_type: int,
    coupon_id: int | None = None,
    credit: int = 0,
    expected_real_price: Decimal | None = None,
) -> CheckoutResult:
    """Turn the selected cart lines into an unpaid order, re-reading every price, coupon and
    credit balance in one transaction. Coupon and credit are reserved for the order."""
    if pay_type not in Order.PayType.values:
        raise ValidationFailed(_("payment method not supported"), code="pay_type", field="pay_type")
    items = cart_selected_items(user_id=user_id)
    if not items:
        raise ValidationFailed(
            _("Select at least one course in your cart first."), code="cart_empty"
        )
    now = timezone.now()
    with transaction.atomic():
        user = lock_user(user_id)
        quotes = _current_quotes(user_id, items, now)
        total_price = sum((q.price for q in quotes), ZERO)
        discounted = sum((q.real_price for q in quotes), ZERO)
        if total_price > MAX_MONEY:  # nothing written yet; the gateway would refuse it too
            raise ValidationFailed(
                gettext("An order can total at most %(most)s; split it into several orders.")
                % {"most": f"{MAX_MONEY:,.2f}"},
                code="order_total_too_large",
            )

        user_coupon, coupon_amount = None, ZERO
        if coupon_id is not None:
            user_coupon = _usable_coupon(user_id, coupon_id, discounted, now)
            coupon_amount = discounted - coupon_rule(user_coupon.coupon).apply(discounted)
        left = discounted - coupon_amount
        credit_amount = _credit_amount(user, credit, left)
        real_price = max(money(left - credit_amount), ZERO)
        if real_price == ZERO:  # settled below: lock the courses before the lines point at them
            lock_courses([q.course_id for q in quotes])

        order = Order.objects.create(
            user_id=user_id,
            title=_title(quotes),
            pay_type=pay_type,
            total_price=total_price,
            discounted_price=discounted,
            coupon_amount=coupon_amount,
            credit=credit,
            credit_amount=credit_amount,
            real_price=real_price,
            user_coupon=user_coupon,
            pay_deadline=now + settings.ORDER_PAY_TIMEOUT,
            created_at=now,
        )
        order.order_number = _order_number(order)
        Order.objects.filter(id=order.id).update(order_number=order.order_number)
        OrderLine.objects.bulk_create(
            OrderLine(
                order=order,
                course_id=q.course_id,
                course_name=q.course_name,
                expire_id=q.expire_id,
                expire_text=q.text,
                expire_days=q.days,
                price=q.price,
                real_price=q.real_price,
                discount_name=q.discount_name or "",
            )
            for q in quotes
        )
        if user_coupon is not None and not user_coupon_reserve(
            user_coupon_id=user_coupon.id, order_id=order.id, at=now
        ):
            raise Conflict(_("This coupon was just used by another order."), code="coupon_used")
        if credit:
            credit_change(
                user_id=user_id,
                amount=-credit,
                reason=CreditEntry.Reason.ORDER_RESERVE,
                order=order,
            )
        if real_price == ZERO:  # nothing to pay: no gateway, paid at once
            settle_locked(order, trade_no=None, paid_at=now, reason="nothing to pay")
            order.status = Order.Status.PAID
        ordered = [q.course_id for q in quotes]
        number = order.order_number
        transaction.on_commit(  # never raises: the order is placed whatever Redis does
            lambda: cart_remove_lines(user_id=user_id, course_ids=ordered, order_number=number)
        )
    event("order.created", order_number=number, user_id=user_id, real_price=real_price,
          coupon=coupon_amount, credit=credit, lines=len(quotes))  # fmt: skip
    changed = expected_real_price is not None and money(expected_real_price) != real_price
    return CheckoutResult(order, price_changed=changed)


@dataclass(frozen=True)
class _Quote:
    course_id: int
    course_name: str
    expire_id: int
    text: str
    days: int
    price: Decimal
    real_price: Decimal
    discount_name: str | None


def _current_quotes(user_id: int, items: list[tuple[int, int]], now: datetime) -> list[_Quote]:
    """The selected lines priced from the database now, or a 409 saying what changed."""
    course_ids = [course_id for course_id, _ in items]
    offers = course_offers(course_ids=course_ids, at=now)
    quotes, gone = [], []
    for course_id, expire_id in items:
        offer = offers.get(course_id)
        quote = offer.quote(expire_id) if offer and offer.on_sale else None
        if quote is None:
            gone.append(offer.name if offer else f"#{course_id}")
            continue
        quotes.append(
            _Quote(
                course_id,
                offer.name,
                expire_id,
                quote.text,
                quote.days,
                quote.price,
                quote.real_price,
                quote.discount_name,
            )
        )
    if gone:
        raise Conflict(
            _("No longer for sale with the chosen validity: %(courses)s. Update your cart.")
            % {"courses": list_words(gone)},
            code="course_unavailable",
        )
    owned = active_access(user_id=user_id, course_ids=course_ids, at=now)
    if owned:
        raise Conflict(
            _("You already have access to some of these courses; remove them from your cart."),
            code="already_purchased",
            extra={"course_ids": sorted(owned)},
        )
    pending = unpaid_courses(user_id=user_id, course_ids=course_ids, at=now)
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
    return quotes


def _title(quotes: list[_Quote]) -> str:
    names = "、".join(q.course_name for q in quotes)
    return names if len(names) <= 250 else names[:247] + "..."


def _usable_coupon(user_id: int, coupon_id: int, total: Decimal, now: datetime) -> UserCoupon:
    # No lock needed: the reservation below is a conditional UPDATE (WHERE status = unused).
    user_coupon = (
        UserCoupon.objects.select_related("coupon", "order")
        .filter(id=coupon_id, user_id=user_id)
        .first()
    )
    if user_coupon is None:
        raise ValidationFailed(
            _("You have no such coupon."), code="coupon_not_found", field="coupon_id"
        )
    problem = coupon_problem(user_coupon, total=total, at=now)
    if problem is not None:
        code, message = problem
        error = Conflict if code in ("coupon_used", "coupon_reserved") else ValidationFailed
        raise error(message, code=code, field="coupon_id")
    return user_coupon


def _credit_amount(user: User, credit: int, left: Decimal) -> Decimal:
    if credit < 0:
        raise ValidationFailed(
            _("Credit cannot be negative."), code="invalid_credit", field="credit"
        )
    if credit > user.credit:
        raise ValidationFailed(
            _("You have %(credit)d credit points.") % {"credit": user.credit},
            code="credit_exceeds_balance",
            field="credit",
        )
    amount = credit_to_money(credit)
    if amount > left:
        most = min(int(left * settings.CREDIT_PER_YUAN), user.credit)
        raise ValidationFailed(
            _("At most %(most)d points can be used on this order (worth %(worth)s).")
            % {"most": most, "worth": f"{left:.2f}"},
            code="credit_exceeds_total",
            field="credit",
            extra={"max_credit": most},
        )
    return amount
