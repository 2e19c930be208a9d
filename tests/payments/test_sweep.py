"""The timeout sweep and reconciliation asking the (offline sandbox) gateway."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from luffy.orders.models import Order
from luffy.payments.models import PaymentMessage
from luffy.payments.tasks import expire_unpaid_orders
from tests.order_fixtures import checkout

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _ask_in_this_thread(settings):
    """These tests keep their data in the test's transaction, which other threads' connections
    cannot see: the sweep and the reconciliation ask in their own thread (threaded asking:
    test_sweep_concurrency.py)."""
    settings.SWEEP_GATEWAY_WORKERS = settings.RECONCILE_GATEWAY_WORKERS = 1


@pytest.fixture
def order(sandbox, auth_client, make_course, in_cart) -> Order:
    in_cart(auth_client, make_course(price="99.00"))
    return Order.objects.get(order_number=checkout(auth_client).json()["order_number"])


def reach_cashier(sandbox, client, order) -> str:
    url = client.get(f"/api/payments/alipay/?order_number={order.order_number}").json()["url"]
    return sandbox.open_cashier(url)[0]


def past_deadline(order):
    Order.objects.filter(id=order.id).update(pay_deadline=timezone.now() - timedelta(seconds=1))


def status(order):
    order.refresh_from_db()
    return order.status


def test_paid_at_the_gateway_is_settled_not_timed_out(sandbox, auth_client, order):
    sandbox.faults(drop_notify=20)  # the notify never arrives
    cashier = reach_cashier(sandbox, auth_client, order)
    assert sandbox.press(cashier, "pay")[0] == 302
    past_deadline(order)
    expire_unpaid_orders.apply().get()
    assert status(order) == Order.Status.PAID


def test_unpaid_at_the_gateway_is_closed_there_and_timed_out(sandbox, auth_client, order):
    reach_cashier(sandbox, auth_client, order)
    past_deadline(order)
    assert expire_unpaid_orders.apply().get() == 1
    assert status(order) == Order.Status.TIMED_OUT
    assert sandbox.trade(order.order_number)["status"] == "TRADE_CLOSED"


def test_gateway_down_leaves_the_order_for_the_next_sweep(sandbox, auth_client, order):
    reach_cashier(sandbox, auth_client, order)
    past_deadline(order)
    sandbox.faults(api_unavailable=10)
    assert expire_unpaid_orders.apply().get() == 0
    assert status(order) == Order.Status.UNPAID
    sandbox.request("/sandbox/faults/", method="DELETE")
    assert expire_unpaid_orders.apply().get() == 1
    assert status(order) == Order.Status.TIMED_OUT


def test_reconciliation_settles_a_lost_notify(sandbox, auth_client, order):
    sandbox.faults(drop_notify=20)
    cashier = reach_cashier(sandbox, auth_client, order)
    sandbox.press(cashier, "pay")
    call_command("reconcile_payments")
    assert status(order) == Order.Status.PAID
    message = PaymentMessage.objects.get(out_trade_no=order.order_number, source="reconcile")
    assert message.outcome == "settled"


def test_reconciliation_flags_a_payment_the_gateway_does_not_know(
    sandbox, auth_client, order, capsys
):
    from tests.order_fixtures import settle_with_trade

    settle_with_trade(order.order_number, "2026000000000000000000000000")
    call_command("reconcile_payments")
    assert "1 个已标记待人工处理" in capsys.readouterr().out
    flagged = PaymentMessage.objects.get(out_trade_no=order.order_number, flagged=True)
    assert flagged.source == "reconcile" and flagged.outcome == "no_trade"


def pay_after_cancel(sandbox, client, order):
    """The buyer takes the pay URL, cancels before opening the cashier, then pays with the
    saved URL; every notify is lost."""
    url = client.get(f"/api/payments/alipay/?order_number={order.order_number}").json()["url"]
    assert client.post(f"/api/orders/{order.order_number}/cancel/").status_code == 200
    sandbox.faults(drop_notify=20)
    assert sandbox.press(sandbox.open_cashier(url)[0], "pay")[0] == 302


def test_reconciliation_settles_a_late_payment_whose_notifies_were_lost(
    sandbox, auth_client, order, capsys
):
    pay_after_cancel(sandbox, auth_client, order)
    call_command("reconcile_payments")
    assert status(order) == Order.Status.PAID
    assert "1 个已入账" in capsys.readouterr().out
    message = PaymentMessage.objects.get(out_trade_no=order.order_number, source="reconcile")
    assert message.outcome == "late_settled"


def test_reconciliation_finishes_a_late_refund_the_gateway_did_not_take(
    sandbox, auth_client, order, capsys, monkeypatch
):
    from luffy.access.models import CoursePurchase
    from luffy.orders.services import settlement
    from luffy.payments import alipay
    from luffy.payments.models import Refund

    pay_after_cancel(sandbox, auth_client, order)

    def gone(order, now):  # its coupon or credit was spent elsewhere meanwhile
        raise settlement._CannotReserve

    def down(**kwargs):
        raise alipay.GatewayUnavailable()

    monkeypatch.setattr(settlement, "_reserve_again", gone)
    with monkeypatch.context() as patch:
        patch.setattr(alipay, "trade_refund", down)
        call_command("reconcile_payments")
    assert status(order) == Order.Status.REFUNDED  # decided: never to be settled
    assert Refund.objects.get(order=order).status == Refund.Status.REQUESTED
    capsys.readouterr()

    call_command("reconcile_payments")
    assert "1 笔迟到付款已退款" in capsys.readouterr().out
    assert Refund.objects.get(order=order).status == Refund.Status.SUCCEEDED
    assert sandbox.trade(order.order_number)["status"] == "TRADE_CLOSED"
    assert not CoursePurchase.objects.exists()


def test_the_sweep_has_a_command(sandbox, auth_client, order):
    from io import StringIO

    reach_cashier(sandbox, auth_client, order)
    past_deadline(order)
    out = StringIO()
    call_command("expire_unpaid_orders", stdout=out)
    assert status(order) == Order.Status.TIMED_OUT
    assert "1 个未支付订单已超时关闭" in out.getvalue()
