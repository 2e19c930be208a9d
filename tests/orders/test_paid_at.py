"""paid_at never precedes created_at (issue 14): the gateway's time has whole seconds, so half
the orders paid within their first second read as paid before they were made."""

from datetime import timedelta

import pytest

from luffy.orders.models import Order
from luffy.orders.services import order_record_late_payment, order_record_paid
from luffy.payments.gateway import TradeReport
from luffy.payments.services import message_record, payment_confirm
from tests.order_fixtures import checkout

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(auth_client, make_course, in_cart) -> Order:
    in_cart(auth_client, make_course(price="99.00"))
    return Order.objects.get(order_number=checkout(auth_client).json()["order_number"])


def gateway_time(order: Order):
    """What the gateway says for a payment in the order's first second: whole seconds."""
    return order.created_at.replace(microsecond=0)


def test_a_gateway_time_in_the_orders_first_second_is_not_before_the_order(order):
    order.created_at = order.created_at.replace(microsecond=600000)
    Order.objects.filter(id=order.id).update(created_at=order.created_at)
    trade = TradeReport(
        out_trade_no=order.order_number, trade_no="2026120222000000000000000001",
        paid=True, status="TRADE_SUCCESS", total_amount="99.00", paid_at=gateway_time(order),
    )  # fmt: skip
    message = message_record(source="notify", data={"out_trade_no": order.order_number})
    assert payment_confirm(message=message, trade=trade) == "settled"
    order.refresh_from_db()
    assert order.paid_at == order.created_at  # clamped: never earlier


def test_a_later_gateway_time_is_kept_as_it_is(order):
    later = order.created_at + timedelta(minutes=3)
    assert order_record_paid(order_number=order.order_number, paid_at=later)
    order.refresh_from_db()
    assert order.paid_at == later


def test_the_late_payment_path_is_clamped_too(order):
    Order.objects.filter(id=order.id).update(status=Order.Status.TIMED_OUT)
    early = order.created_at - timedelta(seconds=1)
    decision = order_record_late_payment(order_number=order.order_number, paid_at=early)
    assert decision == "late_settled"  # no coupon or credit to take back: settled
    order.refresh_from_db()
    assert order.paid_at == order.created_at
