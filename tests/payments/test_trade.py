"""The Trade: the gateway side of an order, created with the pay URL, numbered at settlement."""

import pytest
from django.db import IntegrityError, transaction

from luffy.orders.models import Order
from luffy.payments import services as payments
from luffy.payments.models import Trade
from tests.payments.test_notify import notify_params, order, post_notify, trade_number  # noqa: F401

pytestmark = pytest.mark.django_db


def test_pay_url_creates_one_trade_and_settlement_numbers_it(api_client, user, order):  # noqa: F811
    payments.payment_url_create(user_id=user.id, order_number=order.order_number)
    payments.payment_url_create(user_id=user.id, order_number=order.order_number)
    trade = Trade.objects.get(order=order)
    assert (trade.gateway, trade.out_trade_no, trade.amount, trade.status, trade.trade_no) == (
        "alipay", order.order_number, order.real_price, Trade.Status.SENT, None,
    )  # fmt: skip
    assert trade.sent_at is not None

    assert post_notify(api_client, notify_params(order)).content == b"success"
    trade.refresh_from_db()
    assert (trade.status, trade.trade_no) == (Trade.Status.PAID, trade_number(order))
    assert Order.objects.get(id=order.id).status == Order.Status.PAID


def test_a_trade_number_is_unique_across_orders(order):  # noqa: F811
    Trade.objects.create(order=order, gateway="alipay", out_trade_no="A", amount=1, trade_no="T")
    with pytest.raises(IntegrityError), transaction.atomic():
        Trade.objects.create(order=order, gateway="other", out_trade_no="B", amount=1, trade_no="T")
