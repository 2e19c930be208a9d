"""The one confirmation path: return, notify, query and reconciliation all end in
`payment_confirm`; late payments are decided there too."""

from __future__ import annotations

import logging
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import F, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from luffy.common.errors import Conflict, NotFound, ValidationFailed
from luffy.common.money import money
from luffy.orders import services as orders
from luffy.orders.models import Order
from luffy.orders.services import LateDecision
from luffy.payments.gateway import (
    GatewayKind,
    GatewayUnavailable,
    TradeReport,
    gateway_for,
)
from luffy.payments.intake import notify_junk_check
from luffy.payments.models import PaymentMessage, Refund, Trade
from luffy.payments.services.messages import (
    PAID_OUTCOMES,
    RETRY,
    Outcome,
    judge,
    message_record,
)
from luffy.payments.services.pay import (
    order_gateways,
    order_paid_gateway,
    trade_record_paid,
    with_trade_ids,
)
from luffy.payments.services.refunds import refund_record_succeeded, refund_send

S = Order.Status
logger = logging.getLogger(__name__)


def payment_confirm(
    *,
    message: PaymentMessage,
    trade: TradeReport,
    kind: str = GatewayKind.ALIPAY,
    order: Order | None = None,
) -> str:
    """Judge a verified message of gateway `kind` about a trade and act on it; returns the
    outcome. `order`: the order the caller asked the gateway about (read before the call:
    its status may be stale, which is safe, as every change below is conditional or made
    under lock and re-read when it did not happen).

    Idempotent: a second message about a settled or refunded trade changes nothing. An order
    is paid by exactly one gateway: money from the other one is refunded through it."""
    if order is None or order.order_number != trade.out_trade_no:
        order = Order.objects.filter(order_number=trade.out_trade_no).first()
    if order is None:
        return judge(message, Outcome.UNKNOWN_ORDER, trade.out_trade_no, flagged=True)
    merchant = gateway_for(kind)
    if trade.app_id and trade.app_id != merchant.app_id:
        return judge(message, Outcome.WRONG_APP, f"app_id {trade.app_id}", flagged=True)
    if trade.seller_id and trade.seller_id != merchant.seller_id:
        return judge(message, Outcome.WRONG_SELLER, f"seller_id {trade.seller_id}", flagged=True)
    try:
        amount = money(Decimal(trade.total_amount))
    except (InvalidOperation, ValueError):
        amount = None
    if amount != order.real_price:
        detail = f"paid {trade.total_amount!r}, order is {order.real_price}"
        return judge(message, Outcome.WRONG_AMOUNT, detail, flagged=True)
    if not trade.paid:
        return judge(message, Outcome.NOT_PAID, trade.status)

    paid_at = trade.paid_at or timezone.now()
    try:
        if order.status == S.UNPAID:
            with transaction.atomic():  # the settlement and the Trade's number commit together
                settled = orders.order_record_paid(
                    order_number=order.order_number, paid_at=paid_at, order=order
                )
                if settled:
                    trade_record_paid(order, gateway=merchant.kind, trade_no=trade.trade_no,
                                       at=paid_at)  # fmt: skip
            if settled:
                return judge(message, Outcome.SETTLED)
        paid_as, paid_by = _status_refresh(order)
        if order.status in (S.CANCELLED, S.TIMED_OUT):
            if _late_payment_decide(order, trade, paid_at, kind) is LateDecision.SETTLED:
                return judge(message, Outcome.LATE_SETTLED)
            paid_as, paid_by = _status_refresh(order)
    except IntegrityError:  # Trade.trade_no is unique: this trade already paid another order
        detail = f"trade {trade.trade_no} already settled another order"
        return judge(message, Outcome.TRADE_REUSED, detail, flagged=True)
    if order.status == S.PAID:
        if paid_by and paid_by != merchant.kind:  # paid with the other gateway first
            return judge(message, *_other_gateway_refund(order, kind))
        if paid_as and trade.trade_no and paid_as != trade.trade_no:
            detail = f"paid as {paid_as}, now also {trade.trade_no}"
            return judge(message, Outcome.PAID_TWICE, detail, flagged=True)
        return judge(message, Outcome.ALREADY_PAID)
    return judge(message, *_late_refund_finish(order, kind))


def _status_refresh(order: Order) -> tuple[str | None, str | None]:
    """Re-read the order's status, and the gateway trade number and gateway it was paid with
    (its paid Trade's), in one query. Returns (trade number, gateway), each None when it was
    not paid through a gateway."""
    paid_trade = Trade.objects.filter(order_id=OuterRef("id"), status=Trade.Status.PAID).order_by(
        "id"
    )
    order.status, paid_as, paid_by = (
        Order.objects.filter(id=order.id)
        .annotate(
            paid_as=Subquery(paid_trade.values("trade_no")[:1]),
            paid_by=Subquery(paid_trade.values("gateway")[:1]),
        )
        .values_list("status", "paid_as", "paid_by")
        .get()
    )
    return paid_as, paid_by


# WeChat Pay's refund numbers get a prefix of their own: one order can have a refund at each
# gateway. Every late refund number ends in LATE (the books check and reconciliation rely on it).
REFUND_PREFIX = {GatewayKind.ALIPAY: "", GatewayKind.WECHAT: "WX"}


def late_refund_number(order: Order, kind: str = GatewayKind.ALIPAY) -> str:
    """The refund request number of a late payment: the same on every path and every retry, so
    the gateway refunds it once."""
    return f"{order.order_number}{REFUND_PREFIX.get(kind, kind.upper())}LATE"


def other_gateway_refund_number(order: Order, kind: str) -> str:
    """The refund number of a payment of an order already paid through the other gateway."""
    return f"{order.order_number}{REFUND_PREFIX.get(kind, kind.upper())}DUP"


def _late_payment_decide(
    order: Order, trade: TradeReport, paid_at: datetime, kind: str
) -> LateDecision:
    """Money for a cancelled or timed-out order: settled if its coupon and credit are still
    available, otherwise decided for a refund. The decision and the refund request are
    committed together, under the order's lock, so a crash between them loses nothing."""
    with transaction.atomic():
        decision = orders.order_record_late_payment(
            order_number=order.order_number, paid_at=paid_at
        )
        if decision is LateDecision.SETTLED:
            trade_record_paid(order, gateway=kind, trade_no=trade.trade_no, at=paid_at)
        if decision is LateDecision.REFUND:
            Refund.objects.get_or_create(
                out_request_no=late_refund_number(order, kind),
                defaults={
                    "order": order,
                    "gateway": kind,
                    "amount": order.real_price,
                    "reason": "Paid after the order was cancelled or timed out; "
                    "its coupon or credit is gone.",
                },
            )
    return decision


def _late_refund_finish(order: Order, kind: str) -> tuple[str, str]:
    """A message of gateway `kind` about a refunded order: if it is a late payment whose
    refund the gateway has not confirmed yet, ask for it (the same refund, whoever asks). Money
    from a gateway that never settled the order (the other one did, or its late payment was
    refunded) is refunded through that gateway too."""
    refund = Refund.objects.filter(
        order=order, out_request_no=late_refund_number(order, kind)
    ).first()
    if refund is None:
        paid_by = order_paid_gateway(order)
        other_late = (
            Refund.objects.filter(order=order, out_request_no__endswith="LATE")
            .exclude(gateway=kind)
            .exists()
        )
        if paid_by == kind or (paid_by is None and not other_late):
            return Outcome.ALREADY_REFUNDED, ""  # refunded by staff after this gateway's payment
        refund, _created = Refund.objects.get_or_create(
            out_request_no=late_refund_number(order, kind),
            defaults={
                "order": order,
                "gateway": kind,
                "amount": order.real_price,
                "reason": "Paid through a second gateway after the order was settled or refunded.",
            },
        )
    return _refund_finish(refund)


def _other_gateway_refund(order: Order, kind: str) -> tuple[str, str]:
    """Money from gateway `kind` for an order the other gateway settled: given back."""
    refund, _created = Refund.objects.get_or_create(
        out_request_no=other_gateway_refund_number(order, kind),
        defaults={
            "order": order,
            "gateway": kind,
            "amount": order.real_price,
            "reason": "Paid twice: the order was already paid through the other gateway.",
        },
    )
    return _refund_finish(refund)


def _refund_finish(refund: Refund) -> tuple[str, str]:
    if refund.status == Refund.Status.SUCCEEDED:
        return Outcome.ALREADY_REFUNDED, refund.out_request_no
    asked = refund_send(refund=refund)
    if refund.status == Refund.Status.SUCCEEDED:
        return Outcome.REFUNDED if asked else Outcome.ALREADY_REFUNDED, refund.out_request_no
    return Outcome.REFUND_PENDING, f"refund {refund.out_request_no} {refund.status}"


def payment_notify(*, data: dict, client_ip: str = "", kind: str = GatewayKind.ALIPAY) -> bool:
    """Handle an async notify of gateway `kind`. True: answer success (the result is recorded,
    or retrying can never help); False: answer failure, so the gateway sends it again.
    RateLimited: this client sent too many notifies with a bad signature (a signed one is never
    refused)."""
    gateway = gateway_for(kind)
    verified = gateway.verify(data)  # pure computation: nothing is decided yet
    if not verified:
        notify_junk_check(client_ip=client_ip)
    report = gateway.report(data) if verified else None
    message = message_record(
        source=PaymentMessage.Source.NOTIFY,
        data=gateway.stored(data),
        out_trade_no=report.out_trade_no if report else "",
        verified=verified,
    )
    if report is None:
        # Forged, or our key configuration is wrong: once it is fixed, a retry succeeds.
        judge(message, Outcome.BAD_SIGNATURE, flagged=True)
        return False
    outcome = payment_confirm(message=message, trade=report, kind=gateway.kind)
    return outcome not in RETRY


def refund_notify(*, data: dict, client_ip: str = "", kind: str = GatewayKind.WECHAT) -> bool:
    """Handle a refund notify (WeChat Pay sends one per refund; Alipay reports refunds in its
    trade notify). A refund whose answer never came is marked by it. True: answer success."""
    gateway = gateway_for(kind)
    report = gateway.refund_report(data)
    if report is None:
        notify_junk_check(client_ip=client_ip)
    message = message_record(
        source=PaymentMessage.Source.NOTIFY,
        data=gateway.stored(data),
        out_trade_no=report.out_trade_no if report else "",
        verified=report is not None,
    )
    if report is None:
        judge(message, Outcome.BAD_SIGNATURE, flagged=True)
        return False
    refund = Refund.objects.filter(out_request_no=report.out_request_no, gateway=kind).first()
    if refund is None:
        judge(message, Outcome.UNKNOWN_REFUND, report.out_request_no, flagged=True)
        return True
    if not report.succeeded:
        judge(message, Outcome.REFUND_FAILED, f"{refund.out_request_no} {report.status}",
              flagged=True)  # fmt: skip
        return True
    # The refund's total reaches the order here too: a refund whose answer was lost is known
    # only from its notify.
    marked = refund_record_succeeded(refund=refund)
    judge(message, Outcome.REFUNDED if marked else Outcome.ALREADY_REFUNDED, refund.out_request_no)
    return True


def payment_query(
    *, order: Order, source: str = PaymentMessage.Source.QUERY, kind: str | None = None
) -> str | None:
    """Ask the gateway (`kind`, or each gateway the order was sent to) about the order's trade
    and confirm what it says. The outcome (a paid one first, when several gateways answer), or
    None when no gateway has a trade for it (the buyer never reached a cashier)."""
    outcomes = [
        _query_one(order=order, source=source, kind=one)
        for one in ([kind] if kind else order_gateways(order))
    ]
    for outcome in outcomes:
        if outcome in PAID_OUTCOMES:
            return outcome
    return next((outcome for outcome in outcomes if outcome is not None), None)


def _query_one(*, order: Order, source: str, kind: str) -> str | None:
    answer = gateway_for(kind).query(order.order_number)
    # The client verified the answer's signature; an error answer does not name the trade, so
    # it is recorded under the order asked about.
    message = message_record(
        source=source, data=answer.raw, out_trade_no=order.order_number, verified=True
    )
    if answer.trade is None:
        judge(message, Outcome.NO_TRADE, answer.detail)
        return None
    return payment_confirm(message=message, trade=answer.trade, kind=kind, order=order)


# payment_result's pending answer when the gateway could not be asked (its `outcome`), and the
# seconds after which asking again is worth it.
GATEWAY_UNAVAILABLE = "gateway_unavailable"
PENDING_RETRY_AFTER = 5


def payment_result(*, user_id: int, params: dict) -> Order:
    """Handle the buyer's return from Alipay's cashier: a verified return carries no trade
    status, so an order not paid yet is confirmed by asking the gateway (payment_query); a
    paid one is answered without asking. The return is stored with its verdict in one
    statement: every verdict here is reached from reads alone, before anything is done."""

    def record(outcome: str, detail: str = "") -> PaymentMessage:
        return message_record(source=PaymentMessage.Source.RETURN, data=params,
                              verified=verified, outcome=outcome, detail=detail)  # fmt: skip

    verified = gateway_for(GatewayKind.ALIPAY).verify(params)
    if not verified:
        record(Outcome.BAD_SIGNATURE)
        raise ValidationFailed(
            _("This payment result could not be verified."), code="bad_signature"
        )
    order = _order_for_result(user_id, params.get("out_trade_no", ""))
    if order is None:
        record(Outcome.UNKNOWN_ORDER, "not this user's order")
        raise NotFound(_("No such order."), code="order_not_found")
    if order.status == S.PAID:
        record(Outcome.ALREADY_PAID)
        return order
    record(Outcome.QUERIED)
    return _order_result(order, _asked(order, kind=None))


def _order_for_result(user_id: int, order_number: str) -> Order | None:
    """The buyer's order with what its result needs besides: the gateways it was sent to
    (asked when it is not paid yet) and the buyer's credit (`buyer_credit`, shown on the
    result: settling does not change it), in one query."""
    return (
        with_trade_ids(Order.objects.filter(user_id=user_id, order_number=order_number))
        .annotate(buyer_credit=F("user__credit"))
        .first()
    )


def payment_poll(*, user_id: int, order_number: str, kind: str) -> Order:
    """The buyer is back from a gateway that sends no signed return (WeChat Pay), or waits on
    our QR code page: the order, paid, once the gateway confirms it (asked here)."""
    order = _order_for_result(user_id, order_number)
    if order is None:
        raise NotFound(_("No such order."), code="order_not_found")
    if order.status == S.PAID:
        return order
    return _order_result(order, _asked(order, kind=kind))


def _asked(order: Order, *, kind: str | None) -> str | None:
    try:
        return payment_query(order=order, kind=kind)
    except GatewayUnavailable:
        # Paid or not, nobody can tell until the gateway answers: a pending answer the result
        # page asks again about (the notify or the next query settles it), not an error.
        logger.warning("payment result for %s: gateway unavailable, pending", order)
        return GATEWAY_UNAVAILABLE


def _order_result(order: Order, outcome: str | None) -> Order:
    if outcome != Outcome.SETTLED:  # settled by this call: `order` is up to date (settle_locked)
        order.refresh_from_db()
        order.buyer_credit = None  # a late payment takes credit again: read it afresh
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
            extra={"outcome": outcome, "retry_after": PENDING_RETRY_AFTER},
        )
    return order
