from datetime import timedelta

import pytest
from django.db.models import F
from django.utils import timezone

from luffy.coupons.models import UserCoupon
from luffy.orders.models import Order, OrderStatusChange
from luffy.orders.services import orders_record_timed_out
from luffy.payments.tasks import expire_unpaid_orders
from luffy.users.models import CreditEntry
from tests.order_fixtures import checkout

pytestmark = pytest.mark.django_db


@pytest.fixture
def place_order(make_course, in_cart):
    """place_order(client, user, credit=0, coupon=None) -> an unpaid order."""

    def place(client, user, *, credit=0, coupon=None):
        if credit:
            type(user).objects.filter(id=user.id).update(credit=F("credit") + credit)
        in_cart(client, make_course(price="100.00"))
        payload = {"credit": credit}
        if coupon is not None:
            payload["coupon_id"] = coupon.id
        body = checkout(client, **payload).json()
        return Order.objects.get(order_number=body["order_number"])

    return place


def test_deadline_boundary(auth_client, user, place_order):
    order = place_order(auth_client, user)
    assert orders_record_timed_out(now=order.pay_deadline - timedelta(seconds=1)) == 0
    order.refresh_from_db()
    assert order.status == Order.Status.UNPAID
    assert orders_record_timed_out(now=order.pay_deadline + timedelta(seconds=1)) == 1
    order.refresh_from_db()
    assert order.status == Order.Status.TIMED_OUT
    change = OrderStatusChange.objects.get(order=order)
    assert (change.from_status, change.to_status) == (Order.Status.UNPAID, Order.Status.TIMED_OUT)


def test_releases_coupons_and_returns_credit_with_ledger_rows(
    auth_client, user, make_user, place_order, give_coupon
):
    from tests.conftest import client_for

    coupon = give_coupon(user, sale="-10")
    first = place_order(auth_client, user, credit=100, coupon=coupon)
    second = place_order(auth_client, user, credit=50)
    other_user = make_user()
    other = place_order(client_for(other_user), other_user, credit=30)
    later = timezone.now() + timedelta(days=1)

    assert orders_record_timed_out(now=later) == 3
    user.refresh_from_db()
    other_user.refresh_from_db()
    assert (user.credit, other_user.credit) == (150, 30)
    coupon.refresh_from_db()
    assert (coupon.status, coupon.order_id) == (UserCoupon.Status.UNUSED, None)
    releases = CreditEntry.objects.filter(reason="order_release").order_by("id")
    assert [(e.order_id, e.amount, e.balance_after) for e in releases] == [
        (first.id, 100, 100),
        (second.id, 50, 150),
        (other.id, 30, 30),
    ]
    # a second sweep finds nothing and returns nothing twice
    assert orders_record_timed_out(now=later) == 0
    assert CreditEntry.objects.filter(reason="order_release").count() == 3


def test_batches_and_paid_orders_are_untouched(auth_client, user, place_order):
    from luffy.orders.services import order_record_paid

    orders = [place_order(auth_client, user) for _ in range(5)]
    order_record_paid(order_number=orders[0].order_number, trade_no="T")
    later = timezone.now() + timedelta(days=1)
    assert orders_record_timed_out(now=later, batch_size=2) == 2
    assert orders_record_timed_out(now=later, batch_size=2) == 2
    assert orders_record_timed_out(now=later, batch_size=2) == 0
    statuses = [Order.objects.get(id=o.id).status for o in orders]
    assert statuses == [Order.Status.PAID] + [Order.Status.TIMED_OUT] * 4


def test_orders_sent_to_the_gateway_wait_for_it(auth_client, user, place_order):
    order = place_order(auth_client, user)
    Order.objects.filter(id=order.id).update(sent_to_gateway_at=timezone.now())
    later = timezone.now() + timedelta(days=1)
    assert orders_record_timed_out(now=later) == 0
    assert orders_record_timed_out(now=later, gateway_checked=[order.id]) == 1


def test_queries_grow_with_batches_not_orders(
    auth_client, user, place_order, django_assert_max_num_queries
):
    for _ in range(6):
        place_order(auth_client, user, credit=10)
    later = timezone.now() + timedelta(days=1)
    with django_assert_max_num_queries(12):
        assert orders_record_timed_out(now=later, batch_size=100) == 6


def test_task_runs_every_batch(auth_client, user, place_order, monkeypatch):
    for _ in range(3):
        place_order(auth_client, user)
    Order.objects.update(pay_deadline=timezone.now() - timedelta(seconds=1))
    assert expire_unpaid_orders.apply(kwargs={"batch_size": 2}).get() == 3
    assert not Order.objects.filter(status=Order.Status.UNPAID).exists()


def test_oldest_deadline_first(auth_client, user, place_order):
    """Batches take the orders whose deadline passed first (the order the deadline index
    yields them in, so a batch never sorts every expired order)."""
    orders = [place_order(auth_client, user) for _ in range(3)]
    now = timezone.now()
    for minutes, order in zip([5, 15, 10], orders, strict=True):
        Order.objects.filter(id=order.id).update(pay_deadline=now - timedelta(minutes=minutes))
    timed_out = []
    for _ in range(3):
        assert orders_record_timed_out(now=now, batch_size=1) == 1
        timed_out.append(Order.objects.get(status=Order.Status.TIMED_OUT, id__in=[
            o.id for o in orders if o.id not in timed_out
        ]).id)  # fmt: skip
    assert timed_out == [orders[1].id, orders[2].id, orders[0].id]
