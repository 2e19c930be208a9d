"""Recording a whole refund; refunding is `payments.services.refunds.order_refund`, which
asks the gateway first."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from luffy.access.services import access_revoke
from luffy.common.logs import event
from luffy.orders.models import Order, OrderLine
from luffy.orders.services.locks import lock_user
from luffy.orders.services.transitions import order_transition
from luffy.users.credits import credit_change
from luffy.users.models import CreditEntry

S = Order.Status


def order_record_refund(*, order_id: int, amount: Decimal, at: datetime) -> None:
    """Record that the gateway confirmed a refund of `amount` on this order (part or all of
    it): what the buyer sees as 已退款. One conditional UPDATE, in the caller's transaction
    with the refund's own row; the CHECK keeps the total within what was paid."""
    Order.objects.filter(id=order_id).update(
        refunded_amount=F("refunded_amount") + amount, refunded_at=at
    )


def order_record_refunded(*, order_id: int, reason: str) -> bool:
    """Record that the whole payment went back to the buyer: paid -> refunded, the access this
    order granted ends (its days are taken back), and the credit it spent is returned. Refunding
    is `payments.services.order_refund`, which asks the gateway first."""
    order = Order.objects.only("id", "user_id", "credit", "order_number").get(id=order_id)
    now = timezone.now()
    with transaction.atomic():
        lock_user(order.user_id)
        if not order_transition(
            order_id=order.id, from_status=S.PAID, to_status=S.REFUNDED, reason=reason
        ):
            return False
        lines = list(
            OrderLine.objects.filter(order_id=order.id).values_list("course_id", "expire_days")
        )
        access_revoke(user_id=order.user_id, order_id=order.id, lines=lines, at=now)
        if order.credit:
            credit_change(
                user_id=order.user_id,
                amount=order.credit,
                reason=CreditEntry.Reason.ORDER_REFUND,
                order=order,
            )
    event("order.refunded", order_number=order.order_number, user_id=order.user_id, reason=reason)
    return True
