"""A late payment confirmed by every path at once, in real threads on a real database.

The buyer takes the pay URL, cancels the order before opening the cashier, then pays with the
saved URL. The buyer's return (which asks the offline sandbox over HTTP), several copies of the
notify and the reconciliation job then confirm the same payment at the same moment. Whatever
order the database lets them through in, the money ends one way only: settled late (coupon
and credit reserved again, access granted) or refunded once (nothing granted), never both,
never neither.

Threads, barrier and per-thread connections: see tests/orders/test_concurrency.py."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.utils import timezone

from luffy.access.models import CoursePurchase
from luffy.common.errors import Conflict
from luffy.coupons.models import UserCoupon
from luffy.orders.models import Order, OrderStatusChange
from luffy.payments import services
from luffy.payments.models import PaymentMessage, Refund
from tests.orders import test_concurrency
from tests.orders.test_concurrency import (  # noqa: F401 (per_thread_cart: autouse fixture)
    assert_ledger_consistent,
    create,
    per_thread_cart,
    race,
)
from tests.payments.test_confirm_concurrency import deliver
from tests.payments.test_notify import notify_params

pytestmark = test_concurrency.pytestmark  # threaded, on every database

ROUNDS = 4
NOTIFY_COPIES = 3
S = Order.Status


@pytest.fixture
def courses(make_course):
    return [make_course(price="100.00"), make_course(price="60.00")]


@pytest.fixture
def cancelled_then_paid(sandbox, receiver, settings, make_user, give_coupon, courses):
    """An order (160.00 - 10 coupon - 20.00 of credit = 130.00) whose buyer took the pay URL,
    cancelled before opening the cashier, then paid with the saved URL: the return's params."""
    settings.ALIPAY_NOTIFY_URL = receiver.url  # the test delivers the notifies itself

    def make(*, coupon_gone: bool):
        user = make_user(credit=500)
        coupon = give_coupon(user, sale="-10")
        order = create(user, courses, coupon_id=coupon.id, credit=200)().order
        pay_url = services.payment_url_create(user_id=user.id, order_number=order.order_number)
        services.order_cancel(user_id=user.id, order_number=order.order_number)
        if coupon_gone:  # spent meanwhile (as in tests/payments/test_notify.py)
            UserCoupon.objects.filter(id=coupon.id).update(
                status=UserCoupon.Status.USED, order=order
            )
        cashier_url, _ = sandbox.open_cashier(pay_url)
        status, location, body = sandbox.press(cashier_url, "pay")
        assert status == 302, body
        return user, order, coupon, dict(parse_qsl(urlsplit(location).query))

    return make


def come_back(user, params):
    def call():
        try:
            return services.payment_result(user_id=user.id, params=params).status
        except Conflict as exc:  # the result page's answer for a refunded payment
            return exc.code

    return call


def reconcile():
    now = timezone.now()
    return lambda: services.payments_reconcile(now=now, paid_since=now - timedelta(days=1))


def confirm_everywhere_at_once(user, order, params):
    notify = notify_params(order, trade_no=params["trade_no"])
    return race(come_back(user, params), reconcile(), *[deliver(notify)] * NOTIFY_COPIES), notify


def outcomes_of(order) -> list[str]:
    messages = PaymentMessage.objects.filter(out_trade_no=order.order_number).order_by("id")
    return list(messages.values_list("outcome", flat=True))


# Every order's trail starts with its creation (issue 12: from no status to unpaid).
CREATED = (None, S.UNPAID)


def history(order) -> list[tuple[int | None, int]]:
    changes = OrderStatusChange.objects.filter(order=order).order_by("id")
    return list(changes.values_list("from_status", "to_status"))


def test_late_payment_with_coupon_and_credit_left_is_settled_once(
    sandbox, cancelled_then_paid, courses
):
    for _ in range(ROUNDS):
        user, order, coupon, params = cancelled_then_paid(coupon_gone=False)
        results, notify = confirm_everywhere_at_once(user, order, params)

        order.refresh_from_db()
        assert order.status == S.PAID
        assert history(order) == [CREATED, (S.UNPAID, S.CANCELLED), (S.CANCELLED, S.PAID)]
        assert not Refund.objects.filter(order=order).exists()  # never refunded as well
        assert results[0].value == S.PAID  # the result page shows it paid
        assert outcomes_of(order).count("late_settled") == 1
        assert "refunded" not in outcomes_of(order)
        assert assert_ledger_consistent(user, start=500) == 300  # spent once
        coupon.refresh_from_db()
        assert (coupon.status, coupon.order_id) == (UserCoupon.Status.USED, order.id)
        assert CoursePurchase.objects.filter(user=user).count() == len(courses)
        assert sandbox.trade(order.order_number)["status"] == "TRADE_SUCCESS"
        # A later copy changes nothing.
        assert services.payment_notify(data=notify) is True
        assert outcomes_of(order)[-1] == "already_paid"


def test_late_payment_without_its_coupon_is_refunded_once(sandbox, cancelled_then_paid):
    for _ in range(ROUNDS):
        user, order, _, params = cancelled_then_paid(coupon_gone=True)
        results, notify = confirm_everywhere_at_once(user, order, params)

        order.refresh_from_db()
        assert order.status == S.REFUNDED
        assert history(order) == [CREATED, (S.UNPAID, S.CANCELLED), (S.CANCELLED, S.REFUNDED)]
        # Decided at once; the money goes back once the gateway has confirmed the refund, which
        # a busy gateway may delay to a retry (the next notify or reconciliation).
        if Refund.objects.get(order=order).status != Refund.Status.SUCCEEDED:
            reconcile()()
        refund = Refund.objects.get(order=order)
        assert (refund.status, refund.amount) == (Refund.Status.SUCCEEDED, Decimal("130.00"))
        assert outcomes_of(order).count("refunded") <= 1  # one path got the gateway's answer
        assert "late_settled" not in outcomes_of(order)
        assert results[0].value == "payment_refunded" or results[0].error is not None
        trade = sandbox.trade(order.order_number)
        assert trade["status"] == "TRADE_CLOSED"  # fully refunded at the gateway, once
        assert (trade["refund_fee"], len(trade["refunds"])) == ("130.00", 1), trade
        assert not CoursePurchase.objects.filter(user=user).exists()
        assert assert_ledger_consistent(user, start=500) == 500  # released at cancel, kept
        # A later copy changes nothing and asks for no second refund.
        assert services.payment_notify(data=notify) is True
        assert outcomes_of(order)[-1] == "already_refunded"
        assert Refund.objects.filter(order=order).count() == 1
