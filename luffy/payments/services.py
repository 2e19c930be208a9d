"""The payment use cases, on the gateway interface (luffy.payments.gateway): pay URLs, the
one confirmation path (return, notify, query and reconciliation all end in payment_confirm),
late payments, cancelling and the timeout sweep with the gateway asked first, refunds and
reconciliation. Nothing here reads a gateway's own codes or field names.

Network calls to the gateway never happen inside a database transaction."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from luffy.common.errors import Conflict, NotFound, ValidationFailed
from luffy.common.logs import event
from luffy.common.money import money
from luffy.orders import services as orders
from luffy.orders.models import Order
from luffy.orders.services import LateDecision
from luffy.payments.gateway import (
    CloseResult,
    GatewayUnavailable,
    TradeReport,
    gateway_for,
)
from luffy.payments.intake import capped_message, notify_junk_check
from luffy.payments.models import PaymentMessage, Refund, Trade

logger = logging.getLogger(__name__)

S = Order.Status


# --- Pay URL ----------------------------------------------------------------------------------


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


def _trade_record_paid(order: Order, *, gateway: str, trade_no: str, at: datetime) -> None:
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


# --- Messages ---------------------------------------------------------------------------------


def message_record(
    *, source: str, data: dict, out_trade_no: str = "", verified: bool | None = None
) -> PaymentMessage:
    """Store a gateway message as received, before acting on it (autocommit: it survives a
    failure while processing), with whether its signature checked out."""
    raw = capped_message(data)  # at most a few KB, whatever was posted
    message = PaymentMessage.objects.create(
        source=source,
        out_trade_no=(out_trade_no or str(raw.get("out_trade_no", "")))[:64],
        notify_id=str(raw.get("notify_id", ""))[:128],
        raw=raw,
        verified=verified,
    )
    event("payment.message_received", order_number=message.out_trade_no, user_id=None,
          source=message.source, message=message.id, verified=verified)  # fmt: skip
    return message


def _judge(message: PaymentMessage, outcome: str, detail: str = "", *, flagged=False) -> str:
    PaymentMessage.objects.filter(id=message.id).update(
        outcome=outcome, detail=detail[:255], flagged=flagged, judged_at=timezone.now()
    )
    event(
        "payment.flagged" if flagged else "payment.verdict",
        order_number=message.out_trade_no, user_id=None, source=message.source,
        message=message.id, outcome=outcome, detail=detail[:255] or "-",
        level=logging.WARNING if flagged else logging.INFO,
    )  # fmt: skip
    return outcome


# --- The one confirmation path ----------------------------------------------------------------


class Outcome(StrEnum):
    """The verdict on a gateway message (PaymentMessage.outcome)."""

    SETTLED = "settled"
    LATE_SETTLED = "late_settled"
    ALREADY_PAID = "already_paid"
    REFUNDED = "refunded"  # a late payment's refund succeeded with this message
    REFUND_PENDING = "refund_pending"  # decided, the gateway has not confirmed it yet
    ALREADY_REFUNDED = "already_refunded"
    NOT_PAID = "not_paid"
    NO_TRADE = "no_trade"
    QUERIED = "queried"
    UNKNOWN_ORDER = "unknown_order"
    WRONG_APP = "wrong_app"
    WRONG_SELLER = "wrong_seller"
    WRONG_AMOUNT = "wrong_amount"
    PAID_TWICE = "paid_twice"
    TRADE_REUSED = "trade_reused"  # a trade number that already settled another order
    BAD_SIGNATURE = "bad_signature"


# What the admin shows for each outcome.
OUTCOME_LABELS: dict[str, str] = {
    Outcome.SETTLED: gettext_lazy("settled"),
    Outcome.LATE_SETTLED: gettext_lazy("late payment settled"),
    Outcome.ALREADY_PAID: gettext_lazy("already paid"),
    Outcome.REFUNDED: gettext_lazy("late payment refunded"),
    Outcome.REFUND_PENDING: gettext_lazy("refund pending"),
    Outcome.ALREADY_REFUNDED: gettext_lazy("already refunded"),
    Outcome.NOT_PAID: gettext_lazy("not paid"),
    Outcome.NO_TRADE: gettext_lazy("no such trade"),
    Outcome.QUERIED: gettext_lazy("queried"),
    Outcome.UNKNOWN_ORDER: gettext_lazy("unknown order"),
    Outcome.WRONG_APP: gettext_lazy("wrong app id"),
    Outcome.WRONG_SELLER: gettext_lazy("wrong seller"),
    Outcome.WRONG_AMOUNT: gettext_lazy("wrong amount"),
    Outcome.PAID_TWICE: gettext_lazy("paid twice"),
    Outcome.TRADE_REUSED: gettext_lazy("trade number reused"),
    Outcome.BAD_SIGNATURE: gettext_lazy("bad signature"),
}

# Outcomes after which the gateway should send the message again (we could not finish).
RETRY = {Outcome.REFUND_PENDING}
FLAGGED = {
    Outcome.WRONG_AMOUNT,
    Outcome.WRONG_APP,
    Outcome.WRONG_SELLER,
    Outcome.PAID_TWICE,
    Outcome.TRADE_REUSED,
}
# Outcomes that mean the order is paid (or was just settled) by this trade.
PAID_OUTCOMES = {Outcome.SETTLED, Outcome.LATE_SETTLED, Outcome.ALREADY_PAID}


def payment_confirm(*, message: PaymentMessage, trade: TradeReport) -> str:
    """Judge a verified message about a trade and act on it; returns the outcome.

    Idempotent: a second message about a settled or refunded trade changes nothing."""
    order = Order.objects.filter(order_number=trade.out_trade_no).first()
    if order is None:
        return _judge(message, Outcome.UNKNOWN_ORDER, trade.out_trade_no, flagged=True)
    merchant = gateway_for()
    if trade.app_id and trade.app_id != merchant.app_id:
        return _judge(message, Outcome.WRONG_APP, f"app_id {trade.app_id}", flagged=True)
    if trade.seller_id and trade.seller_id != merchant.seller_id:
        return _judge(message, Outcome.WRONG_SELLER, f"seller_id {trade.seller_id}", flagged=True)
    try:
        amount = money(Decimal(trade.total_amount))
    except (InvalidOperation, ValueError):
        amount = None
    if amount != order.real_price:
        detail = f"paid {trade.total_amount!r}, order is {order.real_price}"
        return _judge(message, Outcome.WRONG_AMOUNT, detail, flagged=True)
    if not trade.paid:
        return _judge(message, Outcome.NOT_PAID, trade.status)

    paid_at = trade.paid_at or timezone.now()
    try:
        with transaction.atomic():  # the settlement and the Trade's number commit together
            settled = order.status == S.UNPAID and orders.order_record_paid(
                order_number=order.order_number, trade_no=trade.trade_no, paid_at=paid_at,
                order=order,
            )  # fmt: skip
            if settled:
                _trade_record_paid(order, gateway=merchant.kind, trade_no=trade.trade_no,
                                   at=paid_at)  # fmt: skip
        if settled:
            return _judge(message, Outcome.SETTLED)
        order.refresh_from_db(fields=["status", "trade_no"])
        if order.status in (S.CANCELLED, S.TIMED_OUT):
            if _late_payment_decide(order, trade, paid_at) is LateDecision.SETTLED:
                return _judge(message, Outcome.LATE_SETTLED)
            order.refresh_from_db(fields=["status", "trade_no"])
    except IntegrityError:  # Order.trade_no is unique: this trade already paid another order
        detail = f"trade {trade.trade_no} already settled another order"
        return _judge(message, Outcome.TRADE_REUSED, detail, flagged=True)
    if order.status == S.PAID:
        if order.trade_no and trade.trade_no and order.trade_no != trade.trade_no:
            detail = f"paid as {order.trade_no}, now also {trade.trade_no}"
            return _judge(message, Outcome.PAID_TWICE, detail, flagged=True)
        return _judge(message, Outcome.ALREADY_PAID)
    return _judge(message, *_late_refund_finish(order))


def late_refund_number(order: Order) -> str:
    """The refund request number of a late payment: the same on every path and every retry, so
    the gateway refunds it once."""
    return f"{order.order_number}LATE"


def _late_payment_decide(order: Order, trade: TradeReport, paid_at: datetime) -> LateDecision:
    """Money for a cancelled or timed-out order: settled if its coupon and credit are still
    available, otherwise decided for a refund. The decision and the refund request are
    committed together, under the order's lock, so a crash between them loses nothing."""
    with transaction.atomic():
        decision = orders.order_record_late_payment(
            order_number=order.order_number, trade_no=trade.trade_no, paid_at=paid_at
        )
        if decision is LateDecision.SETTLED:
            _trade_record_paid(order, gateway=gateway_for().kind, trade_no=trade.trade_no,
                               at=paid_at)  # fmt: skip
        if decision is LateDecision.REFUND:
            Refund.objects.get_or_create(
                out_request_no=late_refund_number(order),
                defaults={
                    "order": order,
                    "amount": order.real_price,
                    "reason": "Paid after the order was cancelled or timed out; "
                    "its coupon or credit is gone.",
                },
            )
    return decision


def _late_refund_finish(order: Order) -> tuple[str, str]:
    """A message about a refunded order: if it is a late payment whose refund the gateway has
    not confirmed yet, ask for it (the same refund, whoever asks)."""
    refund = Refund.objects.filter(order=order, out_request_no=late_refund_number(order)).first()
    if refund is None:  # refunded by staff after it was paid
        return Outcome.ALREADY_REFUNDED, ""
    if refund.status == Refund.Status.SUCCEEDED:
        return Outcome.ALREADY_REFUNDED, refund.out_request_no
    asked = refund_send(refund=refund)
    if refund.status == Refund.Status.SUCCEEDED:
        return Outcome.REFUNDED if asked else Outcome.ALREADY_REFUNDED, refund.out_request_no
    return Outcome.REFUND_PENDING, f"refund {refund.out_request_no} {refund.status}"


def refund_request(
    *, order: Order, amount: Decimal, out_request_no: str, reason: str,
    staff_user_id: int | None = None,
) -> Refund:  # fmt: skip
    """Record a refund and ask the gateway for it. Asking again with the same out_request_no is
    the same refund (the gateway does it once)."""
    refund, _ = Refund.objects.get_or_create(
        out_request_no=out_request_no,
        defaults={"order": order, "amount": amount, "reason": reason,
                  "staff_user_id": staff_user_id},
    )  # fmt: skip
    refund_send(refund=refund)
    return refund


def refund_send(*, refund: Refund) -> bool:
    """Ask the gateway for a recorded refund that has not succeeded yet, unless another path is
    asking right now (a claim on the row, lapsing after REFUND_RETRY_AFTER seconds): the same
    refund is never requested twice at once. True if this call got the gateway's answer;
    `refund` is updated in place either way."""
    now = timezone.now()
    lapsed = now - timedelta(seconds=settings.REFUND_RETRY_AFTER)
    claimed = (
        Refund.objects.filter(id=refund.id)
        .exclude(status=Refund.Status.SUCCEEDED)
        .filter(Q(attempted_at__isnull=True) | Q(attempted_at__lt=lapsed))
        .update(attempted_at=now)
    )
    if not claimed:
        refund.refresh_from_db()
        return False
    try:
        answer = gateway_for().refund(
            out_trade_no=refund.order.order_number,
            amount=refund.amount,
            out_request_no=refund.out_request_no,
            reason=refund.reason,
        )
    except GatewayUnavailable:
        logger.warning("refund %s: gateway unavailable, will retry", refund.out_request_no)
        Refund.objects.filter(id=refund.id).update(attempted_at=None)  # the next path may ask
        refund.refresh_from_db()
        return False
    refund.status = Refund.Status.SUCCEEDED if answer.succeeded else Refund.Status.FAILED
    refund.response = answer.raw
    refund.attempted_at = None
    refund.save(update_fields=["status", "response", "attempted_at", "updated_at"])
    level = logging.INFO if answer.succeeded else logging.WARNING
    event("payment.refund", order_number=refund.order.order_number,
          user_id=refund.order.user_id, refund=refund.out_request_no, amount=refund.amount,
          status=refund.status, level=level)  # fmt: skip
    return True


def payment_notify(*, data: dict, client_ip: str = "") -> bool:
    """Handle an async notify. True: answer `success` (the result is recorded, or retrying can
    never help); False: answer `failure`, so the gateway sends it again. RateLimited: this
    client sent too many notifies with a bad signature (a signed one is never refused)."""
    gateway = gateway_for()
    verified = gateway.verify(data)  # pure computation: nothing is decided yet
    if not verified:
        notify_junk_check(client_ip=client_ip)
    message = message_record(source=PaymentMessage.Source.NOTIFY, data=data, verified=verified)
    if not verified:
        # Forged, or our key configuration is wrong: once it is fixed, a retry succeeds.
        _judge(message, Outcome.BAD_SIGNATURE, flagged=True)
        return False
    outcome = payment_confirm(message=message, trade=gateway.report(data))
    return outcome not in RETRY


# --- Asking the gateway -----------------------------------------------------------------------


def payment_query(*, order: Order, source: str = PaymentMessage.Source.QUERY) -> str | None:
    """Ask the gateway about an order's trade and confirm what it says. The outcome, or None
    when the gateway has no trade for it (the buyer never reached the cashier)."""
    answer = gateway_for().query(order.order_number)
    # The client verified the answer's signature; an error answer does not name the trade, so
    # it is recorded under the order asked about.
    message = message_record(
        source=source, data=answer.raw, out_trade_no=order.order_number, verified=True
    )
    if answer.trade is None:
        _judge(message, Outcome.NO_TRADE, answer.detail)
        return None
    return payment_confirm(message=message, trade=answer.trade)


def order_cancel(*, user_id: int, order_number: str) -> Order:
    """Cancel an unpaid order, asking the gateway first when the buyer may have reached the
    cashier: paid there -> settled instead (409); otherwise the trade is closed there."""
    order = Order.objects.filter(user_id=user_id, order_number=order_number).first()
    if order is None:
        raise NotFound(_("No such order."), code="order_not_found")
    if order.status == S.UNPAID and order.sent_to_gateway_at is not None:
        if payment_query(order=order) in PAID_OUTCOMES:
            raise Conflict(
                _("This order has just been paid, so it cannot be cancelled."), code="order_paid"
            )
        closed = gateway_for().close(order.order_number)
        if closed == CloseResult.ALREADY_PAID:
            payment_query(order=order)
            raise Conflict(
                _("This order has just been paid, so it cannot be cancelled."), code="order_paid"
            )
        if closed == CloseResult.REFUSED:
            raise GatewayUnavailable(
                _("The payment gateway would not close this order's trade; try again shortly.")
            )
    return orders.order_record_cancelled(user_id=user_id, order_number=order_number)


# --- Result page ------------------------------------------------------------------------------


def payment_result(*, user_id: int, params: dict) -> Order:
    """Handle the buyer's return from the cashier: a verified return carries no trade status,
    so an order not paid yet is confirmed by asking the gateway (payment_query)."""
    verified = gateway_for().verify(params)
    message = message_record(source=PaymentMessage.Source.RETURN, data=params, verified=verified)
    if not verified:
        _judge(message, Outcome.BAD_SIGNATURE, flagged=False)
        raise ValidationFailed(
            _("This payment result could not be verified."), code="bad_signature"
        )
    order = Order.objects.filter(
        user_id=user_id, order_number=params.get("out_trade_no", "")
    ).first()
    if order is None:
        _judge(message, Outcome.UNKNOWN_ORDER, "not this user's order")
        raise NotFound(_("No such order."), code="order_not_found")
    if order.status == S.PAID:
        _judge(message, Outcome.ALREADY_PAID)
        return order
    _judge(message, Outcome.QUERIED)
    outcome = payment_query(order=order)
    order.refresh_from_db()
    if order.status == S.REFUNDED:
        raise Conflict(
            _(
                "This order was cancelled or timed out before the payment arrived, so the payment "
                "goes back to your account."
            ),
            code="payment_refunded",
            extra={"outcome": outcome},
        )
    if order.status != S.PAID:
        raise Conflict(
            _("The payment is not confirmed yet; refresh in a moment."),
            code="payment_pending",
            extra={"outcome": outcome},
        )
    return order


# --- Sweeps and reconciliation (background jobs) ----------------------------------------------


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
            closed = gateway_for().close(order.order_number)
        except GatewayUnavailable:
            logger.warning("timeout sweep: gateway down; %s waits for the next sweep", order)
            break
        if closed in (CloseResult.CLOSED, CloseResult.NO_TRADE):
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
    paid = Order.objects.filter(status=S.PAID, paid_at__gte=paid_since, trade_no__isnull=False)
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
            _judge(message, outcome or "no_trade", "paid here, not confirmed there", flagged=True)
            counts["flagged"] += 1
        elif outcome in FLAGGED:
            counts["flagged"] += 1
    pending = Refund.objects.filter(
        out_request_no__endswith="LATE", order__status=S.REFUNDED
    ).exclude(status=Refund.Status.SUCCEEDED)
    for refund in pending.select_related("order").order_by("id")[:limit]:
        if refund_send(refund=refund) and refund.status == Refund.Status.SUCCEEDED:
            counts["refunded"] += 1
    if counts["flagged"]:
        logger.error("payment reconciliation found %s mismatches: see flagged messages", counts)
    return counts


# --- Refunds by staff -------------------------------------------------------------------------


def order_refund(
    *, order_id: int, amount: Decimal | None = None, reason: str,
    staff_user_id: int | None = None,
) -> Refund:  # fmt: skip
    """Refund a paid order through the gateway, fully (default) or partly. A full refund marks
    the order refunded, ends the access it granted and gives back the credit it spent.
    `staff_user_id`: who asked (the admin), recorded on the refund and the status change.

    An earlier request whose answer never came (gateway down) is retried as the same refund."""
    order = Order.objects.filter(id=order_id).first()
    if order is None:
        raise NotFound(_("No such order."), code="order_not_found")
    if order.status != S.PAID:
        raise Conflict(
            _("Only paid orders can be refunded; this one is %(status)s.")
            % {"status": order.get_status_display()},
            code="order_not_paid",
        )
    pending = order.refunds.filter(status=Refund.Status.REQUESTED).first()
    if pending is not None:
        refund = refund_request(
            order=order, amount=pending.amount, out_request_no=pending.out_request_no,
            reason=pending.reason,
        )  # fmt: skip
    else:
        refunded = sum(
            order.refunds.filter(status=Refund.Status.SUCCEEDED).values_list("amount", flat=True),
            Decimal(0),
        )
        left = order.real_price - refunded
        amount = left if amount is None else money(amount)
        if amount <= 0 or amount > left:
            raise ValidationFailed(
                _("The refund must be more than 0 and at most %(most)s.") % {"most": f"{left:.2f}"},
                code="refund_amount",
                field="amount",
            )
        number = order.refunds.count() + 1
        refund = refund_request(
            order=order, amount=amount, out_request_no=f"{order.order_number}R{number}",
            reason=reason, staff_user_id=staff_user_id,
        )  # fmt: skip
    if refund.status == Refund.Status.REQUESTED:
        raise GatewayUnavailable(
            _("The gateway did not answer; the refund was recorded and can be retried.")
        )
    if refund.status == Refund.Status.FAILED:
        detail = (refund.response or {}).get("sub_msg") or (refund.response or {}).get("msg", "")
        raise Conflict(
            _("The gateway refused the refund: %(detail)s") % {"detail": detail},
            code="refund_refused",
        )
    total = sum(
        order.refunds.filter(status=Refund.Status.SUCCEEDED).values_list("amount", flat=True),
        Decimal(0),
    )
    if total >= order.real_price:
        orders.order_record_refunded(
            order_id=order.id, reason=refund.reason,
            staff_user_id=staff_user_id or refund.staff_user_id,
        )  # fmt: skip
    return refund
