"""WeChat Pay end to end over HTTP: the store (live server) and the offline WeChat Pay sandbox
(its own process): Native and H5 pay URLs, the notify endpoint (204 after commit, FAIL
otherwise), the poll, cancel, refunds and refund notifies, and one order paid through both
gateways (the second payment refunded through its own gateway). Books balanced after each."""

import json
import time
import urllib.error
import urllib.request
from decimal import Decimal

import pytest

from luffy.access.models import CoursePurchase
from luffy.orders.models import Order
from luffy.payments import services
from luffy.payments.gateway import gateway_for
from luffy.payments.models import PaymentMessage, Refund, Trade
from tests.books import assert_books_balanced
from tests.live_sandbox import wait_for
from tests.order_fixtures import checkout

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def store(live_server, wechat_sandbox, settings):
    """The store's WeChat settings pointed at the live server (notifies) and the sandbox."""
    settings.WECHAT_NOTIFY_URL = f"{live_server.url}/api/payments/wechat/notify/"
    settings.WECHAT_REFUND_NOTIFY_URL = f"{live_server.url}/api/payments/wechat/refund-notify/"
    settings.WECHAT_H5_RETURN_URL = f"{live_server.url}/payments/result"
    settings.WECHAT_SANDBOX_SCAN_URL = f"{wechat_sandbox.url}/sandbox/scan/"
    yield live_server
    # Stop this test's notify retries: the live server outlives the test and its database.
    wechat_sandbox.request("/sandbox/reset/", method="POST", data={})
    time.sleep(0.3)


@pytest.fixture
def order(store, auth_client, make_course, in_cart) -> Order:
    in_cart(auth_client, make_course(name="Django", price="99.00"))
    number = checkout(auth_client, pay_type="wechat").json()["order_number"]
    return Order.objects.get(order_number=number)


def pay_link(client, order, pay_type="wechat", channel="native") -> dict:
    response = client.get(
        "/api/payments/pay-url/",
        {"order_number": order.order_number, "pay_type": pay_type, "channel": channel},
    )
    assert response.status_code == 200, response.json()
    return response.json()


def order_status(order) -> int:
    order.refresh_from_db()
    return order.status


def outcomes(order, source=None) -> list[str]:
    messages = PaymentMessage.objects.filter(out_trade_no=order.order_number)
    if source:
        messages = messages.filter(source=source)
    return sorted(messages.exclude(outcome="").values_list("outcome", flat=True))


def test_native_pay_the_notify_settles_and_the_poll_answers(
    auth_client, user, wechat_sandbox, order
):
    assert order.pay_type == Order.PayType.WECHAT
    link = pay_link(auth_client, order)
    assert link["pay_type"] == "wechat" and link["url"].startswith("weixin://wxpay/bizpayurl?pr=")
    assert link["qr_code"].startswith("data:image/svg+xml")
    scan = link["sandbox_scan_url"]
    assert scan.startswith(f"{wechat_sandbox.url}/sandbox/scan/?code_url=weixin%3A%2F%2F")
    status, final_url, _ = wechat_sandbox.open_page(scan)  # what the QR code page links to
    assert status == 200 and "/sandbox/native/" in final_url
    pending = auth_client.get("/api/payments/wechat/result/", {"order_number": order.order_number})
    assert pending.status_code == 409 and pending.json()["code"] == "payment_pending"
    status, page = wechat_sandbox.scan_and_pay(link["url"])
    assert status == 200 and "支付成功" in page
    assert wait_for(lambda: order_status(order) == Order.Status.PAID, timeout=15)
    [notify] = wait_for(
        lambda: [n for n in wechat_sandbox.trade(order.order_number)["notifies"] if n["delivered"]],
        timeout=10,
    )
    assert notify["attempts"][-1]["http_status"] == 204
    assert notify["attempts"][-1]["response_body"] == ""
    result = auth_client.get("/api/payments/wechat/result/", {"order_number": order.order_number})
    assert result.status_code == 200, result.json()
    assert result.json()["real_price"] == "99.00"
    assert result.json()["course_list"][0]["name"] == "Django"
    assert outcomes(order).count("settled") == 1
    message = PaymentMessage.objects.get(out_trade_no=order.order_number, outcome="settled")
    assert message.verified and message.raw["resource"]["amount"]["total"] == 9900
    assert "Wechatpay-Signature" in message.raw["headers"] and message.raw["body"]
    trade = Trade.objects.get(order=order, gateway="wechat")
    assert trade.status == Trade.Status.PAID and trade.trade_no.startswith("4200")
    assert CoursePurchase.objects.filter(user=user).count() == 1
    assert_books_balanced()


def test_the_poll_settles_a_lost_notify(auth_client, wechat_sandbox, order):
    wechat_sandbox.faults(drop_notify=1, late_notify=1)
    link = pay_link(auth_client, order)
    wechat_sandbox.scan_and_pay(link["url"])
    result = auth_client.get("/api/payments/wechat/result/", {"order_number": order.order_number})
    assert result.status_code == 200, result.json()
    assert order_status(order) == Order.Status.PAID
    assert outcomes(order, "query") == ["settled"]
    assert_books_balanced()


def test_h5_pay_url_goes_back_to_the_result_page(auth_client, store, wechat_sandbox, order):
    link = pay_link(auth_client, order, channel="h5")
    assert "/sandbox/h5/?prepay_id=wx" in link["url"] and link["qr_code"] == ""
    assert "redirect_url=" in link["url"] and "order_number%3D" in link["url"]
    status, _, page = wechat_sandbox.open_page(link["url"])
    assert status == 200 and "用微信支付（模拟）" in page


def post_notify(store, body: bytes, headers: dict) -> tuple[int, str]:
    request = urllib.request.Request(
        f"{store.url}/api/payments/wechat/notify/", data=body, method="POST",
        headers={"Content-Type": "application/json", **headers},
    )  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_a_forged_notify_is_stored_refused_and_retried(auth_client, wechat_sandbox, order, store):
    wechat_sandbox.faults(bad_signature_notify=1)
    link = pay_link(auth_client, order)
    wechat_sandbox.scan_and_pay(link["url"])
    # The forged one gets a FAIL answer; the retry (15 s x scale) settles the order.
    assert wait_for(lambda: order_status(order) == Order.Status.PAID, timeout=15)
    [notify] = wechat_sandbox.trade(order.order_number)["notifies"]
    first = notify["attempts"][0]
    assert first["http_status"] == 400 and json.loads(first["response_body"])["code"] == "FAIL"
    bad = PaymentMessage.objects.get(outcome="bad_signature")
    assert bad.verified is False and bad.flagged and bad.raw["body"] and bad.raw["resource"] is None
    status, body = post_notify(store, b"not json", {})
    assert (
        status == 400
        and json.loads(body)
        == {
            "code": "FAIL",
            "message": "The notification was not accepted; retry.",
        }
    ) or json.loads(body)["code"] == "FAIL"
    assert_books_balanced()


def test_a_wrong_amount_notify_is_flagged_and_answered(auth_client, wechat_sandbox, order):
    wechat_sandbox.faults(wrong_amount_notify=1)
    link = pay_link(auth_client, order)
    wechat_sandbox.scan_and_pay(link["url"])
    assert wait_for(
        lambda: PaymentMessage.objects.filter(outcome="wrong_amount").exists(), timeout=10
    )
    message = PaymentMessage.objects.get(outcome="wrong_amount")
    assert message.flagged and "99.00" in message.detail and "100.00" in message.detail
    assert order_status(order) == Order.Status.UNPAID  # not settled by a wrong amount


def test_cancel_closes_the_wechat_trade(auth_client, wechat_sandbox, order):
    link = pay_link(auth_client, order)
    response = auth_client.post(f"/api/orders/{order.order_number}/cancel/")
    assert response.status_code == 200, response.json()
    assert order_status(order) == Order.Status.CANCELLED
    assert wechat_sandbox.trade(order.order_number)["trade_state"] == "CLOSED"
    status, page = wechat_sandbox.scan_and_pay(link["url"])
    assert status == 400 and "ORDER_CLOSED" in page


def test_cancel_of_an_order_paid_at_wechat_settles_it(auth_client, wechat_sandbox, order):
    wechat_sandbox.faults(drop_notify=1, late_notify=1)
    wechat_sandbox.scan_and_pay(pay_link(auth_client, order)["url"])
    response = auth_client.post(f"/api/orders/{order.order_number}/cancel/")
    assert response.status_code == 409 and response.json()["code"] == "order_paid"
    assert order_status(order) == Order.Status.PAID


def test_paid_through_both_gateways_the_second_is_refunded_through_its_own(
    auth_client, sandbox, wechat_sandbox, settings, order, store
):
    settings.ALIPAY_NOTIFY_URL = f"{store.url}/api/payments/alipay/result/"
    alipay_url = pay_link(auth_client, order, pay_type="alipay")["url"]
    wechat_url = pay_link(auth_client, order)["url"]
    assert set(Trade.objects.filter(order=order).values_list("gateway", flat=True)) == {
        "alipay", "wechat",
    }  # fmt: skip
    wechat_sandbox.scan_and_pay(wechat_url)
    assert wait_for(lambda: order_status(order) == Order.Status.PAID, timeout=15)
    cashier_url, _ = sandbox.open_cashier(alipay_url)
    status, _, _ = sandbox.press(cashier_url, "pay")
    assert status == 302
    refund = wait_for(
        lambda: Refund.objects.filter(order=order, status=Refund.Status.SUCCEEDED).first(),
        timeout=15,
    )
    assert refund and refund.gateway == "alipay" and refund.out_request_no.endswith("DUP")
    assert refund.amount == Decimal("99.00")
    assert order_status(order) == Order.Status.PAID  # still paid, through WeChat
    assert sandbox.trade(order.order_number)["refund_fee"] == "99.00"
    assert wechat_sandbox.trade(order.order_number)["refunded"] == 0
    assert "refunded" in outcomes(order, "notify")
    assert_books_balanced()
    sandbox.request("/sandbox/reset/", method="POST", data={})


def test_staff_refund_goes_through_wechat_and_its_notify_is_recorded(
    auth_client, wechat_sandbox, order
):
    wechat_sandbox.scan_and_pay(pay_link(auth_client, order)["url"])
    assert wait_for(lambda: order_status(order) == Order.Status.PAID, timeout=15)
    refund = services.order_refund(order_id=order.id, reason="课程不满意")
    assert refund.gateway == "wechat" and refund.status == Refund.Status.SUCCEEDED
    assert order_status(order) == Order.Status.REFUNDED
    assert wechat_sandbox.trade(order.order_number)["refunded"] == 9900
    assert wait_for(
        lambda: PaymentMessage.objects.filter(outcome="already_refunded").exists(), timeout=10
    )
    assert_books_balanced()


def test_a_refund_whose_answer_was_lost_is_marked_by_its_notify(auth_client, wechat_sandbox, order):
    wechat_sandbox.scan_and_pay(pay_link(auth_client, order)["url"])
    assert wait_for(lambda: order_status(order) == Order.Status.PAID, timeout=15)
    refund = Refund.objects.create(
        order=order, gateway="wechat", out_request_no=f"{order.order_number}R1",
        amount=Decimal("50.00"), reason="课程不满意",
    )  # fmt: skip
    # WeChat refunds it, but its answer never reaches the record (asked here directly).
    gateway_for("wechat").refund(
        out_trade_no=order.order_number, amount=refund.amount,
        out_request_no=refund.out_request_no, reason="",
    )  # fmt: skip
    assert wait_for(
        lambda: Refund.objects.get(id=refund.id).status == Refund.Status.SUCCEEDED, timeout=10
    )
    # earliest, not get: on a loaded machine the sandbox may time out waiting for our answer and
    # deliver the same notify again (the refund still succeeds once).
    message = PaymentMessage.objects.filter(outcome="refunded").earliest("id")
    assert message.verified and message.raw["resource"]["out_refund_no"] == refund.out_request_no
    # What the buyer sees as refunded follows the notify too, once, and the books agree.
    order.refresh_from_db()
    assert order.refunded_amount == Decimal("50.00") and order.refunded_at is not None
    # A refund notify for a refund we never asked for is flagged, and answered.
    gateway_for("wechat").refund(
        out_trade_no=order.order_number, amount=Decimal("0.01"),
        out_request_no=f"{order.order_number}X9", reason="", total=order.real_price,
    )  # fmt: skip
    assert wait_for(
        lambda: PaymentMessage.objects.filter(outcome="unknown_refund", flagged=True).exists(),
        timeout=10,
    )
