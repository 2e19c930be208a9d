"""Cancelling an unpaid order, with the gateway asked first whether the buyer paid meanwhile."""

from __future__ import annotations

from django.utils.translation import gettext as _

from luffy.common.errors import Conflict, NotFound
from luffy.orders import services as orders
from luffy.orders.models import Order
from luffy.payments.gateway import (
    CloseResult,
    GatewayUnavailable,
    gateway_for,
)
from luffy.payments.services.confirm import payment_query
from luffy.payments.services.messages import PAID_OUTCOMES
from luffy.payments.services.pay import order_gateways

S = Order.Status


def order_cancel(*, user_id: int, order_number: str) -> Order:
    """Cancel an unpaid order, asking each gateway it was sent to first when the buyer may have
    reached a cashier: paid there -> settled instead (409); otherwise the trade is closed
    there."""
    order = Order.objects.filter(user_id=user_id, order_number=order_number).first()
    if order is None:
        raise NotFound(_("No such order."), code="order_not_found")
    if order.status == S.UNPAID and order.sent_to_gateway_at is not None:
        if payment_query(order=order) in PAID_OUTCOMES:
            raise Conflict(
                _("This order has just been paid, so it cannot be cancelled."), code="order_paid"
            )
        for kind in order_gateways(order):  # every gateway it was sent to
            closed = gateway_for(kind).close(order.order_number)
            if closed == CloseResult.ALREADY_PAID:
                payment_query(order=order, kind=kind)
                raise Conflict(
                    _("This order has just been paid, so it cannot be cancelled."),
                    code="order_paid",
                )
            if closed == CloseResult.REFUSED:
                raise GatewayUnavailable(
                    _("The payment gateway would not close this order's trade; try again shortly.")
                )
    return orders.order_record_cancelled(user_id=user_id, order_number=order_number)
