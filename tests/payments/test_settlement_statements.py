"""Statement counts of every settlement path, pinned (issue 13): a notify settles in at most
10 statements, a return or a poll that asks the gateway in at most 12 plus that one gateway
query, and a return or poll for an order already settled asks no gateway at all.

Counted as a request runs (the whole HTTP request, authentication and answer included), as
data statements: SQLite's BEGIN IMMEDIATE / COMMIT and savepoints are transaction control.
The order is the heaviest ordinary one: 5 lines, a coupon and credit."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from luffy.access.models import CoursePurchase
from luffy.alipay_sandbox.signing import signed_callback
from luffy.orders.models import Order
from luffy.orders.services.locks import separate_user_lock
from luffy.payments import alipay as alipay_client
from luffy.payments.gateway import QueryAnswer
from luffy.payments.models import PaymentMessage
from luffy.payments.wechatpay import WechatPayGateway
from luffy.payments.wechatpay import trade_report as wechat_trade_report
from tests.order_fixtures import checkout
from tests.orders.test_queries import data_statements
from tests.payments.test_notify import notify_params, post_notify, trade_number
from tests.payments.test_wechatpay import notify as wechat_notify

pytestmark = pytest.mark.django_db

# Message, order, user lock + lines + purchases, transition, audit, coupon, students, purchases
# insert, the Trade's number, verdict (12 before issue 13).
NOTIFY = 10
# Return: message, order (+ its gateways and the buyer's credit), the query's message, the 8 of
# the settlement, verdict, the result's lines (20 before).
ASKED = 12


def settling(count: int) -> int:
    """PostgreSQL locks the user in a statement of its own (orders.services.locks.
    separate_user_lock): one more there. Asked in a test: MariaDB's answer needs a connection."""
    return count + (1 if separate_user_lock() else 0)


RETURN_OF_PAID_STATEMENTS = 3  # order, message with its verdict, the result's lines
POLL_OF_PAID_STATEMENTS = 2  # order, the result's lines
RESULT_URL = "/api/payments/alipay/result/"
WECHAT_NOTIFY_URL = "/api/payments/wechat/notify/"
WECHAT_RESULT_URL = "/api/payments/wechat/result/"


@pytest.fixture
def order(auth_client, user, make_course, in_cart, give_coupon) -> Order:
    user.credit = 100
    user.save()
    coupon = give_coupon(user, sale="-10")
    for _ in range(5):
        in_cart(auth_client, make_course(price="100.00"))
    number = checkout(auth_client, coupon_id=coupon.id, credit=100).json()["order_number"]
    return Order.objects.get(order_number=number)


def counted(call):
    with CaptureQueriesContext(connection) as context:
        response = call()
    return response, data_statements(context)


def assert_settled(order, user) -> None:
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert CoursePurchase.objects.filter(user=user).count() == 5
    assert (
        PaymentMessage.objects.filter(out_trade_no=order.order_number, outcome="settled").count()
        == 1
    )


# --- Alipay ----------------------------------------------------------------------------------


@pytest.fixture
def alipay_queries(monkeypatch, order) -> list[str]:
    """The gateway's trade query, faked: the order is paid there. Each call is recorded."""
    calls: list[str] = []

    def trade_query(out_trade_no: str) -> dict:
        calls.append(out_trade_no)
        return {
            "code": alipay_client.SUCCESS, "msg": "Success", "out_trade_no": out_trade_no,
            "trade_no": trade_number(order), "trade_status": "TRADE_SUCCESS",
            "total_amount": f"{order.real_price:.2f}",
            "send_pay_date": timezone.localtime().strftime("%Y-%m-%d %H:%M:%S"),
        }  # fmt: skip

    monkeypatch.setattr(alipay_client, "trade_query", trade_query)
    return calls


def return_params(order) -> dict:
    """The return redirect's parameters, signed by the gateway (no trade status in them)."""
    return signed_callback({
        "out_trade_no": order.order_number, "trade_no": trade_number(order),
        "total_amount": f"{order.real_price:.2f}", "app_id": settings.ALIPAY_APP_ID,
        "seller_id": settings.ALIPAY_SELLER_ID, "method": "alipay.trade.page.pay.return",
        "timestamp": timezone.localtime().strftime("%Y-%m-%d %H:%M:%S"), "charset": "utf-8",
        "version": "1.0",
    })  # fmt: skip


def test_a_notify_settles_in_ten_statements(api_client, user, order):
    response, statements = counted(lambda: post_notify(api_client, notify_params(order)))
    assert response.content == b"success"
    assert len(statements) <= settling(NOTIFY), statements
    assert_settled(order, user)


def test_a_return_settles_in_twelve_statements_and_one_gateway_query(
    auth_client, user, order, alipay_queries
):
    # The pay URL first, as a buyer does: the order then has its Trade with the gateway.
    assert (
        auth_client.get(f"/api/payments/alipay/?order_number={order.order_number}").status_code
        == 200
    )
    response, statements = counted(lambda: auth_client.get(RESULT_URL, return_params(order)))
    assert response.status_code == 200, response.json()
    assert len(statements) <= settling(ASKED), statements
    assert alipay_queries == [order.order_number]
    body = response.json()
    assert (body["order_number"], body["user_credit"], len(body["course_list"])) == (
        order.order_number, 0, 5,
    )  # fmt: skip
    assert body["pay_time"]
    assert_settled(order, user)


def test_a_return_for_a_settled_order_asks_no_gateway(
    api_client, auth_client, user, order, alipay_queries
):
    assert post_notify(api_client, notify_params(order)).content == b"success"
    response, statements = counted(lambda: auth_client.get(RESULT_URL, return_params(order)))
    assert response.status_code == 200, response.json()
    assert alipay_queries == []
    assert len(statements) <= RETURN_OF_PAID_STATEMENTS, statements
    message = PaymentMessage.objects.get(out_trade_no=order.order_number, source="return")
    assert (message.outcome, message.verified, message.judged_at is not None) == (
        "already_paid", True, True,
    )  # fmt: skip
    assert response.json()["user_credit"] == 0


def test_a_return_that_finds_the_order_unpaid_at_the_gateway_answers_pending(
    auth_client, order, monkeypatch
):
    """The message is stored with its verdict (queried) before the gateway is asked; the
    query's own message says the gateway has no payment yet."""
    monkeypatch.setattr(alipay_client, "trade_query", lambda out_trade_no: {
        "code": "40004", "msg": "Business Failed", "sub_code": "ACQ.TRADE_NOT_EXIST",
    })  # fmt: skip
    response = auth_client.get(RESULT_URL, return_params(order))
    assert response.status_code == 409
    assert response.json()["code"] == "payment_pending"
    outcomes = dict(
        PaymentMessage.objects.filter(out_trade_no=order.order_number).values_list(
            "source", "outcome"
        )
    )
    assert outcomes == {"return": "queried", "query": "no_trade"}


# --- WeChat Pay ------------------------------------------------------------------------------


def wechat_transaction(order) -> dict:
    return {
        "appid": settings.WECHAT_APPID, "mchid": settings.WECHAT_MCHID,
        "out_trade_no": order.order_number,
        "transaction_id": f"42000000002026{order.id:014d}", "trade_type": "NATIVE",
        "trade_state": "SUCCESS", "trade_state_desc": "支付成功",
        "success_time": (timezone.now() + timedelta(seconds=1)).isoformat(timespec="seconds"),
        "amount": {"total": int(order.real_price * 100), "currency": "CNY"},
    }  # fmt: skip


def post_wechat_notify(client, message: dict):
    headers = {f"HTTP_{name.upper().replace('-', '_')}": value
               for name, value in message["headers"].items()}  # fmt: skip
    return client.post(
        WECHAT_NOTIFY_URL, message["body"], content_type="application/json", **headers
    )


@pytest.fixture
def wechat_queries(monkeypatch, order) -> list[str]:
    """WeChat's order query, faked: the order is paid there. Each call is recorded."""
    calls: list[str] = []

    def query(self, out_trade_no: str) -> QueryAnswer:
        calls.append(out_trade_no)
        data = wechat_transaction(order)
        return QueryAnswer(raw=data, trade=wechat_trade_report(data))

    monkeypatch.setattr(WechatPayGateway, "query", query)
    return calls


def test_a_wechat_notify_settles_in_ten_statements(api_client, user, order):
    message = wechat_notify(wechat_transaction(order))
    response, statements = counted(lambda: post_wechat_notify(api_client, message))
    assert response.status_code == 204, response.content
    assert len(statements) <= settling(NOTIFY), statements
    assert_settled(order, user)


def test_a_wechat_poll_settles_in_twelve_statements_and_one_gateway_query(
    auth_client, user, order, wechat_queries
):
    response, statements = counted(
        lambda: auth_client.get(WECHAT_RESULT_URL, {"order_number": order.order_number})
    )
    assert response.status_code == 200, response.json()
    assert len(statements) <= settling(ASKED), statements
    assert wechat_queries == [order.order_number]
    assert_settled(order, user)


def test_a_wechat_poll_for_a_settled_order_asks_no_gateway(
    api_client, auth_client, order, wechat_queries
):
    assert (
        post_wechat_notify(api_client, wechat_notify(wechat_transaction(order))).status_code == 204
    )
    response, statements = counted(
        lambda: auth_client.get(WECHAT_RESULT_URL, {"order_number": order.order_number})
    )
    assert response.status_code == 200, response.json()
    assert wechat_queries == []
    assert len(statements) <= POLL_OF_PAID_STATEMENTS, statements
    assert json.loads(response.content)["order_number"] == order.order_number


def test_a_renewal_extends_the_record_read_with_the_user_lock(api_client, user, order):
    """The settlement reads the buyer's purchase records with its user lock: a course bought
    before for 30 days is extended from its end, not granted anew."""
    course_id = order.lines.values_list("course_id", flat=True).first()
    ends = timezone.now() + timedelta(days=10)
    CoursePurchase.objects.create(user=user, course_id=course_id, expires_at=ends)
    assert post_notify(api_client, notify_params(order)).content == b"success"
    record = CoursePurchase.objects.get(user=user, course_id=course_id)
    days = order.lines.get(course_id=course_id).expire_days
    expected = None if days == 0 else ends + timedelta(days=days)
    assert record.expires_at == expected
    assert record.order_id == order.id
    assert CoursePurchase.objects.filter(user=user).count() == 5
