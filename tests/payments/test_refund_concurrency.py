"""Refunds of one order asked for at the same moment (two staff, or staff and the
reconciliation job): each refund the gateway confirms is counted once in the order's
refunded total, which always equals the confirmed refunds and never exceeds what was paid.

Threads, barrier, per-thread connections and the skip on SQLite: see
tests/orders/test_concurrency.py."""

from decimal import Decimal

import pytest

from luffy.orders.models import Order
from luffy.payments.models import Refund
from luffy.payments.services import order_refund
from tests.orders import test_concurrency
from tests.orders.test_concurrency import race
from tests.payments.test_refunds import paid_order  # noqa: F401 (fixture)

pytestmark = test_concurrency.pytestmark  # threaded, on every database

THREADS = 4


def confirmed(order) -> Decimal:
    amounts = Refund.objects.filter(order=order, status=Refund.Status.SUCCEEDED)
    return sum(amounts.values_list("amount", flat=True), Decimal(0))


@pytest.mark.parametrize("amount", [Decimal("30.00"), None], ids=["partial", "whole"])
def test_simultaneous_refunds_are_counted_once(sandbox, paid_order, amount):  # noqa: F811
    outcomes = race(
        *[
            lambda: order_refund(order_id=paid_order.id, amount=amount, reason="并发退款")
            for _ in range(THREADS)
        ]
    )
    assert any(o.error is None for o in outcomes)
    paid_order.refresh_from_db()
    total = confirmed(paid_order)
    assert paid_order.refunded_amount == total > 0
    assert total <= paid_order.real_price
    assert sandbox.trade(paid_order.order_number)["refund_fee"] == f"{total:.2f}"
    if total == paid_order.real_price:
        assert paid_order.status == Order.Status.REFUNDED
    assert paid_order.refunded_at is not None
