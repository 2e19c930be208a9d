"""The periodic jobs: the timeout sweep (gateway asked first about orders that reached it) and
reconciliation with the gateway."""

from __future__ import annotations

import logging
from datetime import datetime

from django.db.models import Exists, OuterRef, Q

from luffy.orders import services as orders
from luffy.orders.models import Order
from luffy.payments.gateway import (
    CloseResult,
    GatewayUnavailable,
    gateway_for,
)
from luffy.payments.models import PaymentMessage, Refund, Trade
from luffy.payments.services.confirm import payment_query
from luffy.payments.services.messages import FLAGGED, PAID_OUTCOMES, Outcome, judge
from luffy.payments.services.pay import order_gateways
from luffy.payments.services.refunds import refund_send

S = Order.Status
logger = logging.getLogger(__name__)


def payment_check_expired(*, now: datetime, limit: int = 200) -> list[int]:
    """Expired unpaid orders whose buyer reached the cashier: ask the gateway before they time
    out. Paid there -> settled now; otherwise the trade is closed there. Returns the ids that
    may time out. If the gateway is down, the rest wait for the next sweep."""
    orders = Order.objects.filter(
        status=S.UNPAID, pay_deadline__lte=now, sent_to_gateway_at__isnull=False
    ).order_by("id")[:limit]
    closable = []
    for order in orders:
        try:
            if payment_query(order=order) in PAID_OUTCOMES:
                continue
            closed = [gateway_for(kind).close(order.order_number) for kind in order_gateways(order)]
        except GatewayUnavailable:
            logger.warning("timeout sweep: gateway down; %s waits for the next sweep", order)
            break
        if all(result in (CloseResult.CLOSED, CloseResult.NO_TRADE) for result in closed):
            closable.append(order.id)
        else:  # e.g. paid between the query and the close: the next query settles it
            logger.warning("timeout sweep: could not close %s: %s", order, closed)
    return closable


def orders_expire(*, now: datetime, batch_size: int | None = None) -> int:
    """The timeout sweep: orders past their deadline that reached the gateway are asked about
    first (paid there -> settled instead; otherwise their trade is closed there), then every
    expired unpaid order is recorded as timed out, batch by batch. Returns how many timed out.
    Safe to run twice and beside another copy: every change is conditional on the order still
    being unpaid."""
    checked = payment_check_expired(now=now)
    total = 0
    while done := orders.orders_record_timed_out(
        now=now, batch_size=batch_size, gateway_checked=checked
    ):
        total += done
    return total


def payments_reconcile(*, now: datetime, paid_since: datetime, limit: int = 1000) -> dict:
    """Compare the gateway with our orders: settle unpaid orders paid there (a lost notify),
    take the late-payment path for cancelled or timed-out orders paid there before their
    deadline, finish late refunds the gateway has not confirmed, and flag paid orders the
    gateway does not confirm. Returns counts."""
    counts = {"checked": 0, "settled": 0, "refunded": 0, "flagged": 0}
    reached = Order.objects.filter(sent_to_gateway_at__isnull=False)
    unpaid = reached.filter(status=S.UNPAID)
    # The pay URL can be used until the deadline (time_expire), even after a cancel.
    closed = reached.filter(status__in=[S.CANCELLED, S.TIMED_OUT], pay_deadline__gte=paid_since)
    # Paid through the gateway: a Trade holds the gateway's number.
    gateway_paid = Exists(Trade.objects.filter(order_id=OuterRef("id"), trade_no__isnull=False))
    paid = Order.objects.filter(gateway_paid, status=S.PAID, paid_at__gte=paid_since)
    for order in [
        *unpaid.order_by("id")[:limit],
        *closed.order_by("id")[:limit],
        *paid.order_by("id")[:limit],
    ]:
        was_paid = order.status == S.PAID
        outcome = payment_query(order=order, source=PaymentMessage.Source.RECONCILE)
        counts["checked"] += 1
        if outcome in (Outcome.SETTLED, Outcome.LATE_SETTLED):
            counts["settled"] += 1
        elif outcome == Outcome.REFUNDED:
            counts["refunded"] += 1
        if was_paid and outcome not in (Outcome.ALREADY_PAID, Outcome.SETTLED):
            message = PaymentMessage.objects.filter(out_trade_no=order.order_number).latest("id")
            judge(message, outcome or "no_trade", "paid here, not confirmed there", flagged=True)
            counts["flagged"] += 1
        elif outcome in FLAGGED:
            counts["flagged"] += 1
    # Late refunds, and payments through a second gateway (DUP: the order stays paid).
    pending = Refund.objects.filter(
        Q(out_request_no__endswith="LATE", order__status=S.REFUNDED)
        | Q(out_request_no__endswith="DUP")
    ).exclude(status=Refund.Status.SUCCEEDED)
    for refund in pending.select_related("order").order_by("id")[:limit]:
        if refund_send(refund=refund) and refund.status == Refund.Status.SUCCEEDED:
            counts["refunded"] += 1
    if counts["flagged"]:
        logger.error("payment reconciliation found %s mismatches: see flagged messages", counts)
    return counts
