"""Logs that follow an order (issue 14): a request id on every line, passed to the worker; one
time zone with its offset; JSON lines by setting; one line per business event (the timeout
sweep's batch: one line per 100 orders, each order's number and user on it)."""

import json
import logging
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from luffy.common.logs import JsonFormatter, RequestIdFilter, StoreFormatter, request_id_var
from luffy.orders.models import Order
from tests.order_fixtures import checkout

pytestmark = pytest.mark.django_db


def record(message="hello", **extra):
    rec = logging.LogRecord("luffy.test", logging.INFO, __file__, 1, message, (), None)
    rec.created = 1796191381.5  # 2026-12-02 06:03:01.5 UTC
    for key, value in extra.items():
        setattr(rec, key, value)
    return rec


def test_every_line_has_the_store_time_zone_with_its_offset():
    line = StoreFormatter(time_zone="Asia/Shanghai").format(record())
    assert line.startswith("2026-12-02 14:03:01+0800 INFO luffy.test [-] hello")


def test_json_lines_carry_the_event_fields():
    token = request_id_var.set("req-1")
    try:
        rec = record("order.created order=N1 user=7", event="order.created",
                     order_number="N1", user_id=7, fields={"real_price": "9.90"})  # fmt: skip
        RequestIdFilter().filter(rec)
    finally:
        request_id_var.reset(token)
    line = json.loads(JsonFormatter(time_zone="Asia/Shanghai").format(rec))
    assert line["time"] == "2026-12-02 14:03:01+0800"
    assert line["request_id"] == "req-1"
    assert line["event"] == "order.created"
    assert (line["order_number"], line["user_id"], line["real_price"]) == ("N1", 7, "9.90")


def test_many_orders_event_lists_every_order_and_user_a_hundred_a_line(caplog):
    from luffy.common.logs import EVENTS_PER_LINE, events_many

    caplog.set_level(logging.INFO, logger="luffy.events")
    orders = [(f"N{i:03d}", 1000 + i) for i in range(EVENTS_PER_LINE + 1)]
    events_many("order.timed_out", orders)
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 2
    assert lines[0].startswith("order.timed_out orders=N000:1000,N001:1001,")
    assert lines[1] == f"order.timed_out orders=N{EVENTS_PER_LINE:03d}:{1000 + EVENTS_PER_LINE}"
    for number, user_id in orders:  # grep <order number> finds its line, with its user
        assert sum(f"{number}:{user_id}" in line for line in lines) == 1
    rec = caplog.records[1]
    json_line = json.loads(JsonFormatter(time_zone="UTC").format(rec))
    assert json_line["event"] == "order.timed_out"
    assert json_line["orders"] == [[f"N{EVENTS_PER_LINE:03d}", 1000 + EVENTS_PER_LINE]]


def test_the_settings_pick_the_format(settings):
    from luffy.common.logs import logging_config

    assert (
        logging_config(time_zone="UTC", log_format="json")["handlers"]["console"]["formatter"]
        == "json"
    )
    assert settings.LOGGING["handlers"]["console"]["formatter"] == "plain"
    assert settings.LOGGING["formatters"]["plain"]["time_zone"] == settings.TIME_ZONE


class TestRequestId:
    def test_a_sane_incoming_id_is_kept_and_echoed(self, client):
        response = client.get("/healthz", HTTP_X_REQUEST_ID="lb-1234.abc")
        assert response["X-Request-ID"] == "lb-1234.abc"

    def test_a_missing_or_odd_id_is_replaced(self, client):
        made = client.get("/healthz")["X-Request-ID"]
        assert re.fullmatch(r"[0-9a-f]{32}", made)
        odd = client.get("/healthz", HTTP_X_REQUEST_ID="x" * 65 + " <script>")["X-Request-ID"]
        assert re.fullmatch(r"[0-9a-f]{32}", odd)
        assert client.get("/healthz")["X-Request-ID"] != made


@pytest.fixture
def events(caplog):
    caplog.set_level(logging.INFO, logger="luffy.events")
    caplog.handler.addFilter(RequestIdFilter())

    def lines(order_number):
        return [
            (r.event, r.request_id, r.user_id, r.levelname)
            for r in caplog.records
            if getattr(r, "event", None) and r.order_number == order_number
        ]

    return lines


def test_an_orders_story_is_in_the_log(
    sandbox, auth_client, user, make_course, in_cart, events, django_capture_on_commit_callbacks
):
    in_cart(auth_client, make_course(price="99.00"))
    auth_client.credentials(**auth_client._credentials, HTTP_X_REQUEST_ID="req-checkout")
    order = Order.objects.get(order_number=checkout(auth_client).json()["order_number"])
    auth_client.credentials(**{**auth_client._credentials, "HTTP_X_REQUEST_ID": "req-pay"})
    url = auth_client.get(f"/api/payments/alipay/?order_number={order.order_number}").json()
    cashier, _ = sandbox.open_cashier(url["url"])
    sandbox.faults(drop_notify=20)  # the return settles it here, not the notify
    status, location, _ = sandbox.press(cashier, "pay")
    assert status == 302
    from urllib.parse import parse_qsl, urlsplit

    params = dict(parse_qsl(urlsplit(location).query))
    auth_client.credentials(**{**auth_client._credentials, "HTTP_X_REQUEST_ID": "req-return"})
    with django_capture_on_commit_callbacks(execute=True):
        assert auth_client.get("/api/payments/alipay/result/", params).status_code == 200
    story = events(order.order_number)
    assert ("order.created", "req-checkout", user.id, "INFO") in story
    assert ("payment.url_issued", "req-pay", user.id, "INFO") in story
    assert ("payment.message_received", "req-return", None, "INFO") in story
    assert ("payment.verdict", "req-return", None, "INFO") in story  # return, then query
    assert ("order.settled", "req-return", user.id, "INFO") in story


def test_cancelled_timed_out_and_flagged_are_in_the_log(
    auth_client, user, make_course, in_cart, events, caplog
):
    in_cart(auth_client, make_course(price="10.00"))
    cancelled = checkout(auth_client).json()["order_number"]
    assert auth_client.post(f"/api/orders/{cancelled}/cancel/").status_code == 200
    in_cart(auth_client, make_course(price="20.00"))
    late = checkout(auth_client).json()["order_number"]
    Order.objects.filter(order_number=late).update(pay_deadline=timezone.now() - timedelta(1))
    from luffy.payments.tasks import expire_unpaid_orders

    expire_unpaid_orders.apply().get()
    assert ("order.cancelled", "-", user.id, "INFO") in [
        (e, "-", u, level) for e, _, u, level in events(cancelled)
    ]
    # The sweep logs a batch's orders together: the order's number and user are on its line.
    timed_out = [r for r in caplog.records if getattr(r, "event", None) == "order.timed_out"]
    assert [r.getMessage() for r in timed_out] == [f"order.timed_out orders={late}:{user.id}"]
    assert timed_out[0].fields == {"orders": [[late, user.id]]}

    from luffy.payments.gateway import TradeReport
    from luffy.payments.services import message_record, payment_confirm

    message = message_record(source="notify", data={"out_trade_no": late}, verified=True)
    trade = TradeReport(out_trade_no=late, trade_no="T1", paid=True, status="TRADE_SUCCESS",
                         total_amount="1.00")  # fmt: skip
    payment_confirm(message=message, trade=trade)
    assert ("payment.flagged", "-", None, "WARNING") in events(late)


def test_outside_values_cannot_forge_a_line(caplog):
    from luffy.common.logs import event

    caplog.set_level(logging.INFO, logger="luffy.events")
    event("payment.message_received", order_number="N1\nINFO forged", user_id=None,
          detail="paid '1.00', order is 2.00")  # fmt: skip
    message = caplog.records[-1].getMessage()
    assert "\n" not in message
    assert "order='N1\\nINFO forged'" in message
    assert "detail=\"paid '1.00', order is 2.00\"" in message
