"""End to end over HTTP: the store (live server) and the offline sandbox (its own process)."""

import time
from urllib.parse import parse_qsl, urlsplit

import pytest

from luffy.access.models import CoursePurchase
from luffy.orders.models import Order
from luffy.payments.models import PaymentMessage, Refund
from tests.live_sandbox import wait_for
from tests.order_fixtures import checkout

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def store(live_server, sandbox, settings):
    """The store's gateway settings pointed at the live server (notify) and the sandbox."""
    settings.ALIPAY_NOTIFY_URL = f"{live_server.url}/api/payments/alipay/result/"
    settings.ALIPAY_RETURN_URL = f"{live_server.url}/payments/result"
    yield live_server
    # Stop this test's notify retries: the live server outlives the test and its database.
    sandbox.request("/sandbox/reset/", method="POST", data={})
    time.sleep(0.3)  # let a delivery already in flight finish while the database is there


@pytest.fixture
def order(store, auth_client, make_course, in_cart) -> Order:
    in_cart(auth_client, make_course(name="Django", price="99.00"))
    return Order.objects.get(order_number=checkout(auth_client).json()["order_number"])


def pay_url(client, order) -> str:
    response = client.get(f"/api/payments/alipay/?order_number={order.order_number}")
    assert response.status_code == 200, response.json()
    return response.json()["url"]


def pay_at_cashier(sandbox, url: str) -> dict:
    """Open the cashier, press Pay; the return redirect's parameters."""
    cashier_url, page = sandbox.open_cashier(url)
    assert "99.00" in page
    status, location, _ = sandbox.press(cashier_url, "pay")
    assert status == 302, location
    assert location.startswith("http://") and "/payments/result" in location
    return dict(parse_qsl(urlsplit(location).query))


def order_status(order) -> int:
    order.refresh_from_db()
    return order.status


def test_pay_return_and_notify_settle_once(auth_client, user, sandbox, order):
    url = pay_url(auth_client, order)
    assert "time_expire" in url
    params = pay_at_cashier(sandbox, url)
    result = auth_client.get("/api/payments/alipay/result/", params)
    assert result.status_code == 200, result.json()
    body = result.json()
    assert body["order_number"] == order.order_number and body["real_price"] == "99.00"
    assert body["pay_time"] and body["user_credit"] == 0
    assert body["course_list"][0]["name"] == "Django"
    assert order_status(order) == Order.Status.PAID
    # the notify arrives too (before or after the return: both orders happen) and is answered
    assert wait_for(lambda: judged(order, "notify"), timeout=15)
    outcomes = sorted(
        PaymentMessage.objects.filter(out_trade_no=order.order_number)
        .exclude(outcome__in=["", "queried"])
        .values_list("outcome", flat=True)
    )
    assert outcomes.count("settled") == 1, outcomes
    assert wait_for(
        lambda: sandbox.trade(order.order_number)["notifies"][0]["delivered"], timeout=5
    )
    # replaying the return changes nothing and answers the same
    assert auth_client.get("/api/payments/alipay/result/", params).json() == body
    assert CoursePurchase.objects.filter(user=user).count() == 1
    listed = auth_client.get("/api/orders/").json()["results"][0]
    assert listed["status_text"] == "已支付"  # statuses are translated (issue 15)


def judged(order, source):
    return PaymentMessage.objects.filter(
        out_trade_no=order.order_number, source=source, judged_at__isnull=False
    ).first()


def test_notify_before_return(auth_client, sandbox, order):
    params = pay_at_cashier(sandbox, pay_url(auth_client, order))
    assert wait_for(lambda: judged(order, "notify"), timeout=15)
    assert judged(order, "notify").outcome == "settled"
    assert order_status(order) == Order.Status.PAID
    result = auth_client.get("/api/payments/alipay/result/", params)
    assert result.status_code == 200
    assert judged(order, "return").outcome == "already_paid"


def test_tampered_return_is_400(auth_client, sandbox, order):
    sandbox.faults(drop_notify=20)  # every attempt
    params = pay_at_cashier(sandbox, pay_url(auth_client, order))
    params["total_amount"] = "0.01"
    response = auth_client.get("/api/payments/alipay/result/", params)
    assert response.status_code == 400
    assert response.json()["code"] == "bad_signature"
    assert order_status(order) == Order.Status.UNPAID


def test_missing_return_params_are_400(auth_client, order):
    response = auth_client.get("/api/payments/alipay/result/", {"out_trade_no": order.order_number})
    assert response.status_code == 400


def test_lost_notify_is_made_up_by_the_return_query(auth_client, sandbox, order):
    sandbox.faults(drop_notify=20)  # every attempt
    params = pay_at_cashier(sandbox, pay_url(auth_client, order))
    assert order_status(order) == Order.Status.UNPAID
    assert auth_client.get("/api/payments/alipay/result/", params).status_code == 200
    assert order_status(order) == Order.Status.PAID
    assert judged(order, "query").outcome == "settled"


@pytest.mark.parametrize("fault", ["http_503", "api_unavailable"])
def test_gateway_unreachable_after_paying_is_a_pending_answer(auth_client, sandbox, order, fault):
    """Not a 503 error: the result page keeps asking, and the next answer settles it."""
    cashier_url, _ = sandbox.open_cashier(pay_url(auth_client, order))
    sandbox.faults(drop_notify=20, **{fault: 20})  # the cashier is open: its pay button works
    status, location, _ = sandbox.press(cashier_url, "pay")
    assert status == 302, location
    params = dict(parse_qsl(urlsplit(location).query))
    response = auth_client.get("/api/payments/alipay/result/", params)
    assert response.status_code == 409, response.json()
    body = response.json()
    assert body["code"] == "payment_pending"
    assert body["outcome"] == "gateway_unavailable" and body["retry_after"] > 0
    assert order_status(order) == Order.Status.UNPAID
    sandbox.faults(**{fault: 0})
    assert auth_client.get("/api/payments/alipay/result/", params).status_code == 200
    assert order_status(order) == Order.Status.PAID


def test_wrong_amount_notify_is_flagged_and_retried_nothing(auth_client, sandbox, order):
    sandbox.faults(wrong_amount_notify=1)
    pay_at_cashier(sandbox, pay_url(auth_client, order))
    assert wait_for(lambda: judged(order, "notify"), timeout=15)
    assert (judged(order, "notify").outcome, judged(order, "notify").flagged) == (
        "wrong_amount",
        True,
    )
    assert order_status(order) == Order.Status.UNPAID


def test_pay_url_rules(auth_client, make_user, order):
    from tests.conftest import client_for

    stranger = client_for(make_user())
    assert (
        stranger.get(f"/api/payments/alipay/?order_number={order.order_number}").status_code == 404
    )
    assert auth_client.get("/api/payments/alipay/").status_code == 400
    auth_client.post(f"/api/orders/{order.order_number}/cancel/")
    gone = auth_client.get(f"/api/payments/alipay/?order_number={order.order_number}")
    assert gone.status_code == 409 and gone.json()["code"] == "order_not_unpaid"


def test_cancel_closes_the_trade_at_the_gateway(auth_client, sandbox, order):
    cashier_url, _ = sandbox.open_cashier(pay_url(auth_client, order))
    assert sandbox.trade(order.order_number)["status"] == "WAIT_BUYER_PAY"
    assert auth_client.post(f"/api/orders/{order.order_number}/cancel/").status_code == 200
    assert sandbox.trade(order.order_number)["status"] == "TRADE_CLOSED"
    status, _, _ = sandbox.press(cashier_url, "pay")
    assert status != 302  # nobody can pay it any more


def test_cancel_of_an_order_paid_at_the_gateway_settles_it(auth_client, sandbox, order):
    sandbox.faults(drop_notify=20)  # every attempt
    pay_at_cashier(sandbox, pay_url(auth_client, order))
    response = auth_client.post(f"/api/orders/{order.order_number}/cancel/")
    assert response.status_code == 409 and response.json()["code"] == "order_paid"
    assert order_status(order) == Order.Status.PAID


def test_gateway_down_during_cancel_changes_nothing(auth_client, sandbox, order):
    sandbox.open_cashier(pay_url(auth_client, order))
    sandbox.faults(api_unavailable=5)
    response = auth_client.post(f"/api/orders/{order.order_number}/cancel/")
    assert response.status_code == 503
    assert order_status(order) == Order.Status.UNPAID


def test_late_payment_is_refunded_when_the_coupon_is_gone(
    auth_client, user, sandbox, store, make_course, in_cart, give_coupon
):
    from luffy.coupons.models import UserCoupon
    from luffy.orders.services import order_transition

    coupon = give_coupon(user, sale="-9")
    in_cart(auth_client, make_course(price="108.00"))
    order = Order.objects.get(
        order_number=checkout(auth_client, coupon_id=coupon.id).json()["order_number"]
    )
    cashier_url, _ = sandbox.open_cashier(pay_url(auth_client, order))
    # The order times out here while the buyer still sits at the cashier, and the coupon is
    # used by another order meanwhile.
    order_transition(order_id=order.id, from_status=0, to_status=3, reason="test: timed out")
    UserCoupon.objects.filter(id=coupon.id).update(status=UserCoupon.Status.USED)
    status, _, _ = sandbox.press(cashier_url, "pay")
    assert status == 302
    assert wait_for(lambda: order_status(order) == Order.Status.REFUNDED, timeout=15)
    # The refund is decided with the status change, then asked of the gateway.
    succeeded = Refund.objects.filter(order=order, status=Refund.Status.SUCCEEDED)
    assert wait_for(succeeded.exists, timeout=15)
    refund = Refund.objects.get(order=order)
    assert (refund.status, refund.amount) == (Refund.Status.SUCCEEDED, order.real_price)
    assert sandbox.trade(order.order_number)["status"] == "TRADE_CLOSED"  # fully refunded
    assert not CoursePurchase.objects.filter(user=user).exists()
