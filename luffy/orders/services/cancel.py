"""Recording the cancellation of an unpaid order; cancelling is
`payments.services.cancel.order_cancel`, which asks the gateway first."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from luffy.common.errors import Conflict, NotFound
from luffy.common.logs import event
from luffy.coupons.services import (
    user_coupons_release,
)
from luffy.orders.models import Order
from luffy.orders.services.locks import lock_user
from luffy.orders.services.transitions import order_transition
from luffy.users.credits import credit_change
from luffy.users.models import CreditEntry

S = Order.Status


def _release_reservations(order: Order) -> None:
    """Give back what an unpaid order held: its coupon and its credit (with a ledger row)."""
    user_coupons_release(order_ids=[order.id], at=timezone.now())
    if order.credit:
        credit_change(
            user_id=order.user_id,
            amount=order.credit,
            reason=CreditEntry.Reason.ORDER_RELEASE,
            order=order,
        )


def order_record_cancelled(*, user_id: int, order_number: str) -> Order:
    """Record the cancellation of an unpaid order of the user; its coupon and credit come back
    exactly once. It does not ask the gateway whether the buyer paid meanwhile: cancelling is
    `payments.services.order_cancel`, which asks first."""
    with transaction.atomic():
        lock_user(user_id)
        order = Order.objects.filter(user_id=user_id, order_number=order_number).first()
        if order is None:
            raise NotFound(_("No such order."), code="order_not_found")
        if not order_transition(order_id=order.id, from_status=S.UNPAID, to_status=S.CANCELLED):
            order.refresh_from_db(fields=["status"])
            raise Conflict(
                _("Only unpaid orders can be cancelled; this one is %(status)s.")
                % {"status": order.get_status_display()},
                code="order_not_unpaid",
                extra={"status": order.status},
            )
        _release_reservations(order)
        order.status = S.CANCELLED
    event("order.cancelled", order_number=order_number, user_id=user_id)
    return order
