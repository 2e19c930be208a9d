"""The pay URL of an unpaid order, and the gateway trade it starts (payments.Trade)."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from luffy.common.errors import Conflict, NotFound
from luffy.common.logs import event
from luffy.orders.models import Order
from luffy.payments.gateway import (
    gateway_for,
)
from luffy.payments.models import Trade

S = Order.Status


def payment_url_create(*, user_id: int, order_number: str) -> str:
    """The cashier URL for an unpaid order of the user, still within its deadline."""
    order = Order.objects.filter(user_id=user_id, order_number=order_number).first()
    if order is None:
        raise NotFound(_("No such order."), code="order_not_found")
    if order.status != S.UNPAID:
        raise Conflict(
            _("This order is %(status)s; there is nothing to pay.")
            % {"status": order.get_status_display()},
            code="order_not_unpaid",
            extra={"status": order.status},
        )
    if order.pay_deadline <= timezone.now():
        raise Conflict(
            _("The time to pay this order is over; place a new order."), code="order_expired"
        )
    gateway = gateway_for()
    url = gateway.pay_url(
        out_trade_no=order.order_number,
        subject=order.title,
        amount=order.real_price,
        deadline=order.pay_deadline,  # nobody can pay an order past its own deadline
    )
    now = timezone.now()
    Order.objects.filter(id=order.id, sent_to_gateway_at__isnull=True).update(
        sent_to_gateway_at=now
    )
    _trade_sent(order, gateway=gateway.kind, at=now)
    event("payment.url_issued", order_number=order_number, user_id=user_id,
          amount=order.real_price)  # fmt: skip
    return url


def _trade_sent(order: Order, *, gateway: str, at: datetime) -> Trade:
    """The order's Trade with this gateway: created with the first pay URL (a second URL, or
    two at once, find the same row)."""
    trade, _created = Trade.objects.get_or_create(
        order=order,
        gateway=gateway,
        defaults={"out_trade_no": order.order_number, "sent_at": at, "amount": order.real_price},
    )
    return trade


def trade_record_paid(order: Order, *, gateway: str, trade_no: str, at: datetime) -> None:
    """The gateway's trade number on the order's Trade, in the settling transaction: one
    statement (an order that never had a pay URL here gets its Trade now). Unique: a trade
    number that already paid another order raises IntegrityError (trade_reused)."""
    paid = {"trade_no": trade_no or None, "status": Trade.Status.PAID}
    if order.sent_to_gateway_at is not None and Trade.objects.filter(
        order_id=order.id, gateway=gateway
    ).update(**paid, updated_at=timezone.now()):
        return
    Trade.objects.create(
        order=order, gateway=gateway, out_trade_no=order.order_number, amount=order.real_price,
        sent_at=order.sent_to_gateway_at, **paid,
    )  # fmt: skip
