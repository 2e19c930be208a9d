"""What a pay URL costs, pinned (issue 13): the statements of the first pay URL of an order
(Alipay signed locally; WeChat Pay ordered at the offline sandbox over HTTP, one call), and the
gateway keys parsed once per process, never per request (bench/payments.py times both)."""

from __future__ import annotations

import urllib.request

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from luffy.common import keys
from luffy.orders.models import Order
from luffy.payments import wechatpay
from luffy.payments.models import Trade
from tests.order_fixtures import checkout
from tests.orders.test_queries import data_statements

pytestmark = pytest.mark.django_db

# The order read, sent_to_gateway_at, the Trade (INSERT ... ON CONFLICT DO NOTHING); the
# endpoint authenticates from the token without reading the user.
FIRST_PAY_URL = 3


@pytest.fixture
def place(auth_client, make_course, in_cart):
    def place(pay_type: str) -> Order:
        in_cart(auth_client, make_course(price="99.00"))
        number = checkout(auth_client, pay_type=pay_type).json()["order_number"]
        return Order.objects.get(order_number=number)

    return place


def pay_link(client, order: Order, pay_type: str):
    with CaptureQueriesContext(connection) as context:
        response = client.get(
            "/api/payments/pay-url/", {"order_number": order.order_number, "pay_type": pay_type}
        )
    assert response.status_code == 200, response.json()
    return response.json(), data_statements(context)


def test_an_alipay_pay_url_takes_three_statements(auth_client, place):
    order = place("alipay")
    link, statements = pay_link(auth_client, order, "alipay")
    assert link["url"].startswith("http")
    assert len(statements) == FIRST_PAY_URL, statements
    assert Trade.objects.filter(order=order, gateway="alipay").count() == 1


@pytest.fixture
def counted_key_loads(monkeypatch) -> dict[str, int]:
    """Every RSA key the process parses from now on, counted by kind; the WeChat Pay
    credentials forgotten first, as in a fresh process."""
    loads = {"private": 0, "public": 0}

    def counting(kind, load):
        def wrapper(pem):
            loads[kind] += 1
            return load(pem)

        return wrapper

    monkeypatch.setattr(keys, "load_private_key", counting("private", keys.load_private_key))
    monkeypatch.setattr(keys, "load_public_key", counting("public", keys.load_public_key))
    wechatpay._credentials.cache_clear()
    return loads


def test_wechat_pay_params_take_three_statements_one_call_and_keys_parsed_once(
    auth_client, place, wechat_sandbox, counted_key_loads, monkeypatch
):
    calls = []
    urlopen = urllib.request.urlopen

    def counted_urlopen(request, *args, **kwargs):
        calls.append(request.full_url)
        return urlopen(request, *args, **kwargs)

    monkeypatch.setattr(urllib.request, "urlopen", counted_urlopen)
    orders = [place("wechat") for _ in range(3)]
    for number, order in enumerate(orders, start=1):
        link, statements = pay_link(auth_client, order, "wechat")
        assert link["url"].startswith("weixin://wxpay/bizpayurl?pr=")
        assert link["qr_code"].startswith("data:image/svg+xml")
        assert len(statements) == FIRST_PAY_URL, statements
        assert calls == [f"{wechat_sandbox.url}/v3/pay/transactions/native"] * number
    # The merchant key that signs the requests and the platform key that checks the answers:
    # parsed by the first request, reused by the next two.
    assert counted_key_loads == {"private": 1, "public": 1}
