"""A closed order's courses back in the cart (after a cancel, or a timeout)."""

from __future__ import annotations

import logging

from django.utils.translation import gettext as _

from luffy.cart.services import PutBack, cart_put_back
from luffy.common.errors import Conflict, NotFound
from luffy.orders.models import Order

logger = logging.getLogger(__name__)

S = Order.Status


def order_courses_to_cart(
    *, user_id: int, order_number: str
) -> tuple[list[PutBack], list[PutBack], int]:
    """Put a cancelled or timed-out order's courses back in the buyer's cart, each with the
    validity option it was ordered with (cart_put_back says what is skipped and why).
    Returns (added, skipped, cart line count). Putting back twice is harmless: a line already
    in the cart is replaced by the same line."""
    order = Order.objects.filter(user_id=user_id, order_number=order_number).first()
    if order is None:
        raise NotFound(_("No such order."), code="order_not_found")
    if order.status not in (S.CANCELLED, S.TIMED_OUT):
        raise Conflict(
            _("Only a cancelled or timed-out order's courses can be put back in the cart."),
            code="order_not_closed",
        )
    lines = list(order.lines.order_by("id").values_list("course_id", "expire_id", "course_name"))
    added, skipped, count = cart_put_back(user_id=user_id, lines=lines)
    logger.info(
        "order %s (user %s): %d courses back in the cart, %d skipped",
        order.order_number, user_id, len(added), len(skipped),
    )  # fmt: skip
    return added, skipped, count
