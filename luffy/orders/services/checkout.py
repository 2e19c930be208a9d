"""Checkout: the selected cart lines become an unpaid order, every price, coupon and credit
balance re-read in one transaction, the coupon and credit reserved for it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from luffy.cart.selectors import cart_selected_items
from luffy.cart.services import cart_remove_lines
from luffy.common.errors import Conflict, ValidationFailed
from luffy.common.logs import event
from luffy.common.money import ZERO, money
from luffy.coupons.services import user_coupon_reserve
from luffy.orders.models import Order, OrderLine
from luffy.orders.quote import CheckoutLine, checkout_quote
from luffy.orders.services.locks import lock_courses, lock_user
from luffy.orders.services.settlement import settle_locked
from luffy.orders.services.transitions import order_record_created
from luffy.users.credits import credit_change
from luffy.users.models import CreditEntry

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
    items = cart_selected_items(user_id=user_id)  # Redis, read before any row is locked
    now = timezone.now()
    with transaction.atomic():
        user = lock_user(user_id)
        # The same breakdown the preview shows, re-read under the buyer's lock.
        quote = checkout_quote(
            user_id=user_id, coupon_id=coupon_id, credit=credit, at=now, items=items, user=user
        )
        lines, user_coupon, real_price = quote.lines, quote.user_coupon, quote.real_price
        if real_price == ZERO:  # settled below: lock the courses before the lines point at them
            lock_courses([line.course_id for line in lines])

        order = Order.objects.create(
            user_id=user_id,
            title=_title(lines),
            pay_type=pay_type,
            total_price=quote.total_price,
            discounted_price=quote.discounted_price,
            coupon_amount=quote.coupon_amount,
            credit=credit,
            credit_amount=quote.credit_amount,
            real_price=real_price,
            user_coupon=user_coupon,
            pay_deadline=now + settings.ORDER_PAY_TIMEOUT,
            created_at=now,
        )
        order.order_number = _order_number(order)
        Order.objects.filter(id=order.id).update(order_number=order.order_number)
        order_record_created(order_id=order.id)
        OrderLine.objects.bulk_create(
            OrderLine(
                order=order,
                course_id=line.course_id,
                course_name=line.course_name,
                expire_id=line.expire_id,
                expire_text=line.expire_text,
                expire_days=line.expire_days,
                price=line.price,
                real_price=line.real_price,
                discount_name=line.discount_name or "",
            )
            for line in lines
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
            settle_locked(order, paid_at=now, reason="nothing to pay")
            order.status = Order.Status.PAID
        ordered = [line.course_id for line in lines]
        number = order.order_number
        transaction.on_commit(  # never raises: the order is placed whatever Redis does
            lambda: cart_remove_lines(user_id=user_id, course_ids=ordered, order_number=number)
        )
    event("order.created", order_number=number, user_id=user_id, real_price=real_price,
          coupon=quote.coupon_amount, credit=credit, lines=len(lines))  # fmt: skip
    changed = expected_real_price is not None and money(expected_real_price) != real_price
    return CheckoutResult(order, price_changed=changed)


def _title(lines: Sequence[CheckoutLine]) -> str:
    names = "、".join(line.course_name for line in lines)
    return names if len(names) <= 250 else names[:247] + "..."
