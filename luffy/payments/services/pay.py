"""The pay URL of an unpaid order, and the gateway trade it starts (payments.Trade)."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from luffy.common.errors import Conflict, NotFound
from luffy.common.logs import event, event_on_commit
from luffy.orders.models import Order
from luffy.payments.gateway import (
    GatewayKind,
    PaymentRefused,
    gateway_for,
)
from luffy.payments.models import Trade

S = Order.Status
# The gateway an order was placed with (Order.pay_type): the one asked about it when it was
# never sent to any gateway.
PAY_TYPE_GATEWAY = {
    Order.PayType.ALIPAY: GatewayKind.ALIPAY,
    Order.PayType.WECHAT: GatewayKind.WECHAT,
}


_PAY_URL_FIELDS = (
    "id", "user_id", "order_number", "status", "pay_deadline", "title", "real_price",
    "sent_to_gateway_at",
)  # fmt: skip


def payment_url_create(
    *, user_id: int, order_number: str, pay_type: str = GatewayKind.ALIPAY,
    channel: str = "native", client_ip: str = "",
) -> str:  # fmt: skip
    """Where to pay an unpaid order of the user, still within its deadline, with the gateway
    the buyer picked: the cashier URL, or WeChat Pay's code_url (shown as a QR code) or, for
    `channel` "h5" (a phone browser), its h5_url. An order can be sent to both gateways;
    whichever is paid first settles it, and a payment by the other is refunded
    (payment_confirm)."""
    try:  # only what a pay URL needs: fewer columns to convert, no ORDER BY (a unique number)
        order = Order.objects.only(*_PAY_URL_FIELDS).get(user_id=user_id, order_number=order_number)
    except Order.DoesNotExist:
        raise NotFound(_("No such order."), code="order_not_found") from None
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
    gateway = gateway_for(pay_type)
    if gateway.creates_trade_remotely:
        # Recorded before the call: if we fail after WeChat created the trade, cancel and the
        # timeout sweep still ask about it and close it.
        _trade_sent(order, gateway=gateway.kind, at=timezone.now())
    try:
        url = gateway.pay_url(
            out_trade_no=order.order_number,
            subject=order.title,
            amount=order.real_price,
            deadline=order.pay_deadline,  # nobody can pay an order past its own deadline
            client_ip=client_ip if channel == "h5" else "",
        )
    except PaymentRefused as exc:
        event("payment.url_refused", order_number=order_number, user_id=user_id,
              gateway=gateway.kind, detail=exc.detail)  # fmt: skip
        if exc.reason == PaymentRefused.Reason.PAID:
            raise Conflict(
                _("This order has just been paid; refresh your orders."), code="order_not_unpaid"
            ) from exc
        raise Conflict(
            _("This payment method can no longer take this order; try the other one."),
            code="payment_refused",
        ) from exc
    if not gateway.creates_trade_remotely:
        _trade_sent(order, gateway=gateway.kind, at=timezone.now())
    event("payment.url_issued", order_number=order_number, user_id=user_id,
          amount=order.real_price, gateway=gateway.kind)  # fmt: skip
    return url


def _trade_sent(order: Order, *, gateway: str, at: datetime) -> None:
    """The order's Trade with this gateway: created with the first pay URL (a second URL, or
    two at once, keep the first row: the insert ignores the conflict); the order marked as
    sent to a gateway, once. Two statements for a first URL, one for any later one."""
    if order.sent_to_gateway_at is None:
        Order.objects.filter(id=order.id, sent_to_gateway_at__isnull=True).update(
            sent_to_gateway_at=at
        )
    Trade.objects.bulk_create(
        [Trade(order=order, gateway=gateway, out_trade_no=order.order_number, sent_at=at,
               amount=order.real_price)],
        ignore_conflicts=True,
    )  # fmt: skip


def with_trade_ids(orders: QuerySet) -> QuerySet:
    """`orders` read with the id of their Trade at each gateway (None: never sent there), so
    order_gateways needs no query of its own."""
    return orders.annotate(
        **{
            _TRADE_ID.format(kind=kind): Subquery(
                Trade.objects.filter(order_id=OuterRef("id"), gateway=kind).values("id")[:1]
            )
            for kind in GatewayKind
        }
    )


_TRADE_ID = "trade_id_{kind}"


def order_gateways(order: Order) -> list[str]:
    """The gateways an order was sent to (its Trades, first first); none yet: the one it was
    placed with. From the order's annotations when it was read `with_trade_ids`."""
    names = [_TRADE_ID.format(kind=kind) for kind in GatewayKind]
    if all(hasattr(order, name) for name in names):
        sent = {kind: getattr(order, name) for kind, name in zip(GatewayKind, names, strict=True)}
        kinds = sorted((kind for kind, trade_id in sent.items() if trade_id), key=sent.get)
    else:
        kinds = (
            Trade.objects.filter(order_id=order.id).order_by("id").values_list("gateway", flat=True)
        )
    return list(kinds) or [PAY_TYPE_GATEWAY.get(order.pay_type, GatewayKind.ALIPAY)]


def order_paid_gateway(order: Order) -> str | None:
    """The gateway whose payment settled the order (its paid Trade), if any."""
    return (
        Trade.objects.filter(order_id=order.id, status=Trade.Status.PAID)
        .values_list("gateway", flat=True)
        .first()
    )


def trade_record_paid(order: Order, *, gateway: str, trade_no: str, at: datetime) -> None:
    """The gateway's trade number on the order's Trade, in the settling transaction: one
    statement (an order that never had a pay URL here gets its Trade now). Unique: a trade
    number that already paid another order raises IntegrityError (trade_reused)."""
    paid = {"trade_no": trade_no or None, "status": Trade.Status.PAID}
    event_on_commit("payment.trade_paid", order_number=order.order_number,
                    user_id=order.user_id, gateway=gateway, trade_no=trade_no or "-")  # fmt: skip
    # An order sent to this gateway has its Trade there: one UPDATE.
    if order.sent_to_gateway_at is not None and Trade.objects.filter(
        order_id=order.id, gateway=gateway
    ).update(**paid, updated_at=timezone.now()):
        return
    try:
        with transaction.atomic():  # a savepoint: the order may have its Trade after all
            Trade.objects.create(
                order=order, gateway=gateway, out_trade_no=order.order_number,
                amount=order.real_price, sent_at=order.sent_to_gateway_at, **paid,
            )  # fmt: skip
    except IntegrityError:
        # `order` was read before a pay URL made its Trade (a caller that asked the gateway
        # first), or that URL was made meanwhile: mark that Trade. A conflict on the trade
        # number itself (it paid another order) stays an IntegrityError.
        if not Trade.objects.filter(order_id=order.id, gateway=gateway).update(
            **paid, updated_at=timezone.now()
        ):
            raise
