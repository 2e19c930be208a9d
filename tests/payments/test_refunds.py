"""Staff refunds through the (offline sandbox) gateway, and the finance CSV export."""

import csv
import io
from decimal import Decimal

import pytest
from django.utils import timezone

from luffy.access.models import CoursePurchase
from luffy.orders.models import Order
from luffy.payments.models import Refund
from luffy.users.models import CreditEntry
from tests.order_fixtures import checkout

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid_order(sandbox, auth_client, user, make_course, in_cart) -> Order:
    """A 90.00 order (100 - 100 credit points) paid at the sandbox cashier, 30-day access."""
    user.credit = 100
    user.save()
    course = make_course(price="0", options=[(30, "100.00")])
    in_cart(auth_client, course)
    order = Order.objects.get(order_number=checkout(auth_client, credit=100).json()["order_number"])
    sandbox.faults(drop_notify=20)
    url = auth_client.get(f"/api/payments/alipay/?order_number={order.order_number}").json()["url"]
    cashier, _ = sandbox.open_cashier(url)
    assert sandbox.press(cashier, "pay")[0] == 302
    from luffy.payments.services import payment_query

    assert payment_query(order=order) == "settled"
    order.refresh_from_db()
    return order


def refund(admin_client, order, amount="", reason="customer asked"):
    return admin_client.post(
        "/admin/orders/order/",
        {"action": "refund", "_selected_action": [order.id], "apply": "1",
         "amount": amount, "reason": reason},
        follow=True,
    )  # fmt: skip


def test_partial_then_full_refund(admin_client, sandbox, user, paid_order):
    purchase = CoursePurchase.objects.get(user=user)
    ends = purchase.expires_at
    response = refund(admin_client, paid_order, amount="30.00")
    assert b"Refunded 30.00" in response.content
    paid_order.refresh_from_db()
    assert paid_order.status == Order.Status.PAID  # a partial refund keeps the order and access
    assert sandbox.trade(paid_order.order_number)["refund_fee"] == "30.00"

    response = refund(admin_client, paid_order)  # the rest
    assert b"Refunded 60.00" in response.content
    paid_order.refresh_from_db()
    assert paid_order.status == Order.Status.REFUNDED
    assert sandbox.trade(paid_order.order_number)["status"] == "TRADE_CLOSED"
    assert [r.amount for r in Refund.objects.order_by("id")] == [Decimal("30.00"), Decimal("60.00")]
    purchase.refresh_from_db()
    assert purchase.expires_at <= timezone.now() < ends  # access ended
    user.refresh_from_db()
    assert user.credit == 100  # the spent credit came back
    assert CreditEntry.objects.filter(reason="order_refund", order=paid_order).count() == 1


def test_too_much_is_refused(admin_client, paid_order):
    response = refund(admin_client, paid_order, amount="90.01")
    assert "不超过 90.00".encode() in response.content
    assert not Refund.objects.exists()


def test_unpaid_order_cannot_be_refunded(admin_client, auth_client, make_course, in_cart):
    in_cart(auth_client, make_course())
    order = Order.objects.get(order_number=checkout(auth_client).json()["order_number"])
    assert "只有已支付的订单可以退款".encode() in refund(admin_client, order).content


def test_gateway_down_then_retried_as_the_same_refund(admin_client, sandbox, paid_order):
    sandbox.faults(api_unavailable=3)
    response = refund(admin_client, paid_order, amount="10.00")
    assert "可稍后重试" in response.content.decode()  # 退款已记录，可稍后重试
    pending = Refund.objects.get()
    assert pending.status == Refund.Status.REQUESTED
    sandbox.request("/sandbox/faults/", method="DELETE")
    response = refund(admin_client, paid_order, amount="55.00")  # retries the pending one
    assert b"Refunded 10.00" in response.content
    assert Refund.objects.get().status == Refund.Status.SUCCEEDED
    assert sandbox.trade(paid_order.order_number)["refund_fee"] == "10.00"


def test_csv_export(admin_client, auth_client, make_course, in_cart):
    in_cart(auth_client, make_course(name="数据结构"))
    order = Order.objects.get(order_number=checkout(auth_client).json()["order_number"])
    response = admin_client.post(
        "/admin/orders/order/", {"action": "export_csv", "_selected_action": [order.id]}
    )
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 1
    assert rows[0]["order_number"] == order.order_number
    assert rows[0]["title"] == "数据结构" and rows[0]["real_price"] == "100.00"
    assert rows[0]["status"] == "unpaid"


def test_the_back_office_finds_and_exports_an_order_by_its_gateway_trade_number(
    admin_client, paid_order
):
    """The trade number lives on payments.Trade (issue 12): the order list searches it and the
    CSV export carries it."""
    trade_no = paid_order.trades.get().trade_no
    assert trade_no
    found = admin_client.get("/admin/orders/order/", {"q": trade_no})
    assert paid_order.order_number in found.content.decode()
    response = admin_client.post(
        "/admin/orders/order/", {"action": "export_csv", "_selected_action": [paid_order.id]}
    )
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert [row["trade_no"] for row in csv.DictReader(io.StringIO(text))] == [trade_no]
