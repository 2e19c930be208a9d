"""WeChat Pay's confirmation paths entered at the same moment, in real threads on a real
database (SQLite queues writers; PostgreSQL and MariaDB exercise the row locks): the poll
(which asks the offline WeChat Pay sandbox over HTTP) beside copies of the real notify the
sandbox sent, cancel beside the notify, the timeout sweep beside notifies, and the same order
paid through both gateways at once. One settlement each time, and the books balance.

Threads, barrier and per-thread connections: see tests/orders/test_concurrency.py."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from luffy.orders.models import Order, OrderStatusChange
from luffy.payments import services
from luffy.payments.books import AnomalyKind, books_check
from luffy.payments.gateway import GatewayKind
from luffy.payments.models import PaymentMessage, Refund, Trade
from tests.orders import test_concurrency
from tests.orders.test_concurrency import (  # noqa: F401 (per_thread_cart: autouse fixture)
    create,
    per_thread_cart,
    race,
)
from tests.payments.test_confirm_concurrency import assert_settled_once

pytestmark = test_concurrency.pytestmark  # threaded, on every database

ROUNDS = 3
COPIES = 3
WECHAT = GatewayKind.WECHAT


def assert_books_balanced() -> None:
    """The books check, less the credit ledgers: `place` gives each user 500 points directly
    (no ledger row, as tests/payments/test_confirm_concurrency.py does), which it reports, as
    it should; the ledger itself is checked by assert_settled_once."""
    anomalies = [a for a in books_check() if a.kind != AnomalyKind.CREDIT_LEDGER]
    assert not anomalies, "the books do not balance:\n" + "\n".join(map(str, anomalies))


@pytest.fixture
def courses(make_course):
    return [make_course(price="100.00"), make_course(price="60.00")]


@pytest.fixture
def place(make_user, give_coupon, courses):
    """An unpaid 2-line order (160.00 - 10 coupon - 20.00 of credit = 130.00) of a new user
    with 500 points."""

    def make():
        user = make_user(credit=500)
        coupon = give_coupon(user, sale="-10")
        order = create(user, courses, coupon_id=coupon.id, credit=200)().order
        assert str(order.real_price) == "130.00"
        return user, order, coupon

    return make


def pay_at_wechat(wechat_sandbox, wechat_receiver, user, order) -> dict:
    """The buyer scans the order's code_url and pays: the notify WeChat sent about it (the
    receiver took it; the store gets copies of it below)."""
    code_url = services.payment_url_create(
        user_id=user.id, order_number=order.order_number, pay_type=WECHAT
    )
    before = len(wechat_receiver.received)
    status, body = wechat_sandbox.scan_and_pay(code_url)
    assert status == 200, body
    return wechat_receiver.wait_for(before + 1)[before]


def notify(message: dict):
    return lambda: services.payment_notify(data=message, kind=WECHAT)


def cancel(user, order):
    return lambda: services.order_cancel(user_id=user.id, order_number=order.order_number)


def alipay_notify(params: dict):
    return lambda: services.payment_notify(data=params)


def poll(user, order):
    return lambda: services.payment_poll(
        user_id=user.id, order_number=order.order_number, kind=WECHAT
    )


def transaction_id(wechat_sandbox, order) -> str:
    return wechat_sandbox.trade(order.order_number)["transaction_id"]


def test_poll_and_notify_copies_at_once(wechat_sandbox, wechat_receiver, place, courses):
    for round_number in range(1, ROUNDS + 1):
        user, order, coupon = place()
        message = pay_at_wechat(wechat_sandbox, wechat_receiver, user, order)
        *notified, polled = race(*[notify(message)] * COPIES, poll(user, order))

        assert [o.value for o in notified] == [True] * COPIES
        assert polled.error is None, polled.error
        assert polled.value.status == Order.Status.PAID
        assert_settled_once(user, order, coupon, courses, buyers=round_number,
                            trade_no=transaction_id(wechat_sandbox, order))  # fmt: skip
        trade = Trade.objects.get(order=order, gateway=WECHAT)
        assert trade.status == Trade.Status.PAID
        assert not PaymentMessage.objects.filter(flagged=True).exists()
    assert_books_balanced()


def test_cancel_beside_the_notify_of_a_payment(wechat_sandbox, wechat_receiver, place, courses):
    """The buyer paid at WeChat and presses cancel while the notify comes: cancel asks WeChat
    first (or finds it settled), so it is refused and the order is settled once."""
    for round_number in range(1, ROUNDS + 1):
        user, order, coupon = place()
        message = pay_at_wechat(wechat_sandbox, wechat_receiver, user, order)
        cancelled, *notified = race(cancel(user, order), *[notify(message)] * COPIES)

        # Refused either way: asked WeChat and settled it (order_paid), or found it already
        # settled by a notify (order_not_unpaid).
        assert cancelled.error is not None
        assert cancelled.error.code in ("order_paid", "order_not_unpaid")
        assert [o.value for o in notified] == [True] * COPIES
        assert_settled_once(user, order, coupon, courses, buyers=round_number,
                            trade_no=transaction_id(wechat_sandbox, order))  # fmt: skip
    assert_books_balanced()


def test_cancel_of_an_unpaid_wechat_order_beside_a_second_cancel(
    wechat_sandbox, wechat_receiver, place
):
    user, order, _coupon = place()
    services.payment_url_create(user_id=user.id, order_number=order.order_number, pay_type=WECHAT)
    outcomes = race(cancel(user, order), cancel(user, order))
    assert sum(o.error is None for o in outcomes) >= 1
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert wechat_sandbox.trade(order.order_number)["trade_state"] == "CLOSED"
    # One transition (besides the creation row checkout writes).
    assert OrderStatusChange.objects.filter(order=order, from_status__isnull=False).count() == 1
    assert_books_balanced()


def test_the_sweep_beside_notifies_of_wechat_orders(wechat_sandbox, wechat_receiver, place):
    """Four orders paid at WeChat just before their deadline and one never paid: two sweeps
    (which ask WeChat first) race the notifies. The paid ones are settled once each (never
    timed out: the sweep asked first); the unpaid one is closed at WeChat and times out."""
    for _round in range(ROUNDS):
        placed = [place() for _ in range(4)]
        messages = [pay_at_wechat(wechat_sandbox, wechat_receiver, u, o) for u, o, _ in placed]
        user, unpaid, _ = place()
        services.payment_url_create(
            user_id=user.id, order_number=unpaid.order_number, pay_type=WECHAT
        )
        ids = [order.id for _, order, _ in placed] + [unpaid.id]
        Order.objects.filter(id__in=ids).update(
            pay_deadline=timezone.now() - timezone.timedelta(seconds=1)
        )
        sweep = lambda: services.orders_expire(now=timezone.now(), batch_size=2)  # noqa: E731
        outcomes = race(sweep, sweep, *[notify(m) for m in messages])

        assert [o.value for o in outcomes[2:]] == [True] * len(messages)
        for _user, order, _coupon in placed:
            order.refresh_from_db()
            assert order.status == Order.Status.PAID
            changes = OrderStatusChange.objects.filter(order=order, from_status__isnull=False)
            assert list(changes.values_list("from_status", "to_status")) == [
                (Order.Status.UNPAID, Order.Status.PAID)
            ]
            settled = PaymentMessage.objects.filter(
                out_trade_no=order.order_number, outcome="settled"
            )
            assert settled.count() == 1
        unpaid.refresh_from_db()
        assert unpaid.status == Order.Status.TIMED_OUT
        assert wechat_sandbox.trade(unpaid.order_number)["trade_state"] == "CLOSED"
    assert_books_balanced()


def test_paid_through_both_gateways_at_once(
    sandbox, receiver, wechat_sandbox, wechat_receiver, settings, place, courses
):
    """The buyer opened both cashiers and paid both; their notifies arrive together: one
    gateway settles the order, the other's money goes back through that gateway."""
    settings.ALIPAY_NOTIFY_URL = receiver.url
    for _round in range(1, ROUNDS + 1):
        user, order, _coupon = place()
        alipay_url = services.payment_url_create(
            user_id=user.id, order_number=order.order_number, pay_type=GatewayKind.ALIPAY
        )
        cashier_url, _ = sandbox.open_cashier(alipay_url)
        before = len(receiver.received)
        status, _, body = sandbox.press(cashier_url, "pay")
        assert status == 302, body
        alipay_params = receiver.wait_for(before + 1)[before]
        wechat_message = pay_at_wechat(wechat_sandbox, wechat_receiver, user, order)
        outcomes = race(
            alipay_notify(alipay_params), notify(wechat_message),
            alipay_notify(alipay_params), notify(wechat_message),
        )  # fmt: skip

        # A copy that found the refund being asked by another answers failure (retry later).
        assert all(isinstance(o.value, bool) for o in outcomes)
        order.refresh_from_db()
        assert order.status == Order.Status.PAID
        [paid] = Trade.objects.filter(order=order, status=Trade.Status.PAID)
        other = GatewayKind.WECHAT if paid.gateway == GatewayKind.ALIPAY else GatewayKind.ALIPAY
        changes = OrderStatusChange.objects.filter(order=order, to_status=Order.Status.PAID)
        assert changes.count() == 1  # settled once (two Trades: assert_settled_once wants one)
        settled = PaymentMessage.objects.filter(out_trade_no=order.order_number, outcome="settled")
        assert settled.count() == 1
        [refund] = Refund.objects.filter(order=order)
        assert (refund.gateway, refund.status) == (other, Refund.Status.SUCCEEDED)
        assert refund.amount == Decimal("130.00") and refund.out_request_no.endswith("DUP")
        if other == GatewayKind.ALIPAY:
            assert sandbox.trade(order.order_number)["refund_fee"] == "130.00"
        else:
            assert wechat_sandbox.trade(order.order_number)["refunded"] == 13000
    assert_books_balanced()
