"""The one confirmation path entered twice at the same moment, in real threads on a real
database: the buyer's return (which asks the offline sandbox gateway over HTTP, as in
production) beside the async notify, and duplicate notifies. One settlement, whatever order
the database lets them through in.

Threads, barrier, per-thread connections and the skip on SQLite: see
tests/orders/test_concurrency.py."""

from __future__ import annotations

import time
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.utils import timezone

from luffy.access.models import CoursePurchase
from luffy.catalog.models import Course
from luffy.coupons.models import UserCoupon
from luffy.orders.models import Order, OrderStatusChange
from luffy.orders.services import orders_record_timed_out
from luffy.payments import services
from luffy.payments.models import PaymentMessage
from luffy.users.models import CreditEntry
from tests.orders import test_concurrency
from tests.orders.test_concurrency import (  # noqa: F401 (per_thread_cart: autouse fixture)
    assert_ledger_consistent,
    create,
    per_thread_cart,
    race,
)
from tests.payments.test_notify import notify_params

pytestmark = test_concurrency.pytestmark  # threaded, on every database

ROUNDS = 3
DUPLICATES = 4
# The return asks the gateway over HTTP before it settles (a few ms); the notify is released
# at these offsets after it, so that rounds hit every phase of the return: before its read of
# the order, during the query, and while it settles.
NOTIFY_OFFSETS = (0.0, 0.002, 0.005, 0.01, 0.02, 0.04)


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


def assert_settled_once(user, order, coupon, courses, *, buyers: int, trade_no: str) -> None:
    """One settlement: paid once (one audit row), credit spent once, coupon used, one purchase
    record per course, each course counted once more."""
    order.refresh_from_db()
    assert (order.status, order.trades.get().trade_no) == (Order.Status.PAID, trade_no)
    changes = OrderStatusChange.objects.filter(order=order).order_by("id")
    assert list(changes.values_list("from_status", "to_status")) == [
        (None, Order.Status.UNPAID),  # created (its audit row since issue 12)
        (Order.Status.UNPAID, Order.Status.PAID),
    ]
    entries = CreditEntry.objects.filter(user=user)
    assert list(entries.values_list("reason", "amount")) == [("order_reserve", -200)]
    assert assert_ledger_consistent(user, start=500) == 300
    coupon.refresh_from_db()
    assert (coupon.status, coupon.order_id) == (UserCoupon.Status.USED, order.id)
    purchases = CoursePurchase.objects.filter(user=user)
    assert sorted(p.course_id for p in purchases) == sorted(c.id for c in courses)
    assert all(p.order_id == order.id and p.expires_at is None for p in purchases)
    assert set(Course.objects.filter(id__in=[c.id for c in courses]).values_list(
        "students", flat=True
    )) == {buyers}  # fmt: skip
    settled = PaymentMessage.objects.filter(out_trade_no=order.order_number, outcome="settled")
    assert settled.count() == 1


def deliver(notify: dict, *, after: float = 0.0):
    def call():
        time.sleep(after)
        return services.payment_notify(data=notify)

    return call


def come_back(user, params: dict):
    return lambda: services.payment_result(user_id=user.id, params=params)


def pay_at_cashier(sandbox, user, order) -> dict:
    """The buyer takes the pay URL to the sandbox cashier and pays: the signed return
    redirect's parameters (the trade is now TRADE_SUCCESS at the gateway)."""
    url = services.payment_url_create(user_id=user.id, order_number=order.order_number)
    cashier_url, _ = sandbox.open_cashier(url)
    status, location, body = sandbox.press(cashier_url, "pay")
    assert status == 302, body
    return dict(parse_qsl(urlsplit(location).query))


def test_return_and_notify_at_the_same_moment(sandbox, receiver, settings, place, courses):
    """payment_result (unpaid order: asks the gateway with alipay.trade.query) and
    payment_notify of the same payment, at once: both succeed, one settlement."""
    # The sandbox's own notifies go to a local receiver; this test delivers the notify itself.
    settings.ALIPAY_NOTIFY_URL = receiver.url
    seen = set()
    for round_number, offset in enumerate(NOTIFY_OFFSETS, start=1):
        user, order, coupon = place()
        params = pay_at_cashier(sandbox, user, order)
        notify = notify_params(order, trade_no=params["trade_no"])
        notified, returned = race(deliver(notify, after=offset), come_back(user, params))

        assert notified.error is None and notified.value is True  # answered `success`
        assert returned.error is None, returned.error
        assert returned.value.status == Order.Status.PAID
        assert_settled_once(
            user, order, coupon, courses, buyers=round_number, trade_no=params["trade_no"]
        )
        messages = PaymentMessage.objects.filter(out_trade_no=order.order_number)
        by_source = dict(messages.values_list("source", "outcome"))
        seen.add(by_source.get("query", "notify first"))
        assert by_source["notify"] in ("settled", "already_paid")
        assert not messages.filter(flagged=True).exists()
    assert seen  # which path settles depends on the scheduler


def test_duplicate_notifies_at_once(place, courses):
    """The gateway delivers the same notify several times at once (two delivery loops, a retry
    overtaking a slow answer): every delivery answers `success`, one settlement."""
    for round_number in range(1, ROUNDS + 1):
        user, order, coupon = place()
        notify = notify_params(order)
        outcomes = race(*[deliver(notify)] * DUPLICATES)

        assert [o.value for o in outcomes] == [True] * DUPLICATES
        assert_settled_once(
            user, order, coupon, courses, buyers=round_number, trade_no=notify["trade_no"]
        )
        outcomes = PaymentMessage.objects.filter(out_trade_no=order.order_number)
        assert sorted(outcomes.values_list("outcome", flat=True)) == ["already_paid"] * (
            DUPLICATES - 1
        ) + ["settled"]


def sweep():
    return lambda: orders_record_timed_out(now=timezone.now(), batch_size=2)


def test_notify_during_the_timeout_sweep(place, courses):
    """Notifies for four orders just past their deadline arrive while two sweeps time them
    out: each is settled at once or, when a sweep won, settled late with its coupon and credit
    reserved again. Either way: paid, credit spent once, coupon used, access granted once."""
    seen = set()
    for round_number in range(1, ROUNDS + 1):
        placed = [place() for _ in range(4)]
        Order.objects.filter(id__in=[order.id for _, order, _ in placed]).update(
            pay_deadline=timezone.now() - timezone.timedelta(seconds=1)
        )
        notifies = [deliver(notify_params(order)) for _, order, _ in placed]
        outcomes = race(sweep(), sweep(), *notifies)

        assert [o.value for o in outcomes[2:]] == [True] * len(placed)
        late = 0
        for user, order, coupon in placed:
            outcome = PaymentMessage.objects.get(out_trade_no=order.order_number).outcome
            seen.add(outcome)
            order.refresh_from_db()
            assert order.status == Order.Status.PAID
            changes = OrderStatusChange.objects.filter(order=order).order_by("id")
            changes = list(changes.values_list("from_status", "to_status"))
            if outcome == "settled":
                assert changes == [
                    (None, Order.Status.UNPAID),  # created (its audit row since issue 12)
                    (Order.Status.UNPAID, Order.Status.PAID),
                ]
                reasons = ["order_reserve"]
            else:
                assert outcome == "late_settled"
                late += 1
                assert changes == [
                    (None, Order.Status.UNPAID),
                    (Order.Status.UNPAID, Order.Status.TIMED_OUT),
                    (Order.Status.TIMED_OUT, Order.Status.PAID),
                ]
                reasons = ["order_reserve", "order_release", "order_reserve"]
            entries = CreditEntry.objects.filter(user=user).order_by("id")
            assert list(entries.values_list("reason", flat=True)) == reasons
            assert assert_ledger_consistent(user, start=500) == 300  # spent once
            coupon.refresh_from_db()
            assert (coupon.status, coupon.order_id) == (UserCoupon.Status.USED, order.id)
            purchases = CoursePurchase.objects.filter(user=user)
            assert sorted(p.course_id for p in purchases) == sorted(c.id for c in courses)
        assert sum(o.value for o in outcomes[:2]) == late
        for course in courses:
            course.refresh_from_db()
            assert course.students == 4 * round_number
    assert seen
