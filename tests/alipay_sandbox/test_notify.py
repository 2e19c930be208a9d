"""Async notifies over real HTTP: full field set, valid signature, the retry schedule until
`success`, every attempt recorded, and each misbehaviour the store has to survive."""

import re
from decimal import Decimal

from luffy.payments import alipay
from tests.live_sandbox import wait_for

from .helpers import pay

FIELDS = {
    "notify_time", "notify_type", "notify_id", "app_id", "auth_app_id", "charset", "version",
    "sign_type", "sign", "trade_no", "out_trade_no", "buyer_id", "buyer_logon_id", "seller_id",
    "seller_email", "trade_status", "total_amount", "receipt_amount", "invoice_amount",
    "buyer_pay_amount", "point_amount", "subject", "gmt_create", "gmt_payment", "fund_bill_list",
}  # fmt: skip


def settled(sandbox, out_trade_no, count=1):
    """The trade's notifies once `count` of them are delivered (bounded wait)."""

    def check():
        notifies = sandbox.trade(out_trade_no)["notifies"]
        return notifies if sum(n["delivered"] for n in notifies) >= count else None

    return wait_for(check, timeout=10) or sandbox.trade(out_trade_no)["notifies"]


def test_notify_is_signed_complete_and_retried_until_success(sandbox, receiver, out_trade_no):
    receiver.answers = ["fail", "SUCCESS", "success "]  # only exactly `success` counts
    pay(sandbox, out_trade_no, "0.30", notify_url=receiver.url)
    received = receiver.wait_for(4)
    assert len(received) == 4
    first = received[0]
    assert set(first) == FIELDS  # no passback_params/body: only non-empty fields are sent
    assert first["notify_type"] == "trade_status_sync"
    assert first["trade_status"] == "TRADE_SUCCESS"
    assert (first["out_trade_no"], first["total_amount"]) == (out_trade_no, "0.30")
    assert first["seller_id"] == "2088000000000000"
    assert first["app_id"] == first["auth_app_id"] == "2021000000000000"
    assert re.fullmatch(r"2088\d{12}", first["buyer_id"])
    assert re.fullmatch(r"\d{28}", first["trade_no"])
    assert all(alipay.verify_callback(r) for r in received)
    assert {r["notify_id"] for r in received} == {first["notify_id"]}  # stable across retries

    [notify] = settled(sandbox, out_trade_no)
    attempts = notify["attempts"]
    assert [a["number"] for a in attempts] == [1, 2, 3, 4]  # never one attempt twice
    assert [a["response_body"] for a in attempts] == ["fail", "SUCCESS", "success ", "success"]
    assert {a["http_status"] for a in attempts} == {200}
    assert notify["delivered"]
    # Retries wait for the (scaled) schedule: 4m, 10m, 10m at a scale of 0.0002.
    assert wait_for(lambda: len(receiver.received) > 4, timeout=0.5) is False


def test_unreachable_merchant_is_recorded(sandbox, receiver, out_trade_no):
    receiver.server.shutdown()
    receiver.server.server_close()
    pay(sandbox, out_trade_no, notify_url=receiver.url)

    def two_attempts():
        [notify] = sandbox.trade(out_trade_no)["notifies"]
        return len(notify["attempts"]) >= 2 and notify

    notify = wait_for(two_attempts, timeout=10)
    assert notify and not notify["delivered"]
    assert notify["attempts"][0]["http_status"] is None
    assert "Connection" in notify["attempts"][0]["error"]


def test_duplicate_notify(sandbox, receiver, out_trade_no):
    sandbox.faults(duplicate_notify=1)
    pay(sandbox, out_trade_no, notify_url=receiver.url)
    first, second = receiver.wait_for(2)
    assert first["notify_id"] == second["notify_id"]
    assert alipay.verify_callback(first) and alipay.verify_callback(second)


def test_dropped_notify_comes_on_the_retry(sandbox, receiver, out_trade_no):
    sandbox.faults(drop_notify=1)
    pay(sandbox, out_trade_no, notify_url=receiver.url)
    [received] = receiver.wait_for(1)
    assert alipay.verify_callback(received)
    [notify] = settled(sandbox, out_trade_no)
    assert [a["error"] for a in notify["attempts"]] == ["fault: dropped", ""]


def test_wrong_amount_notify_is_validly_signed(sandbox, receiver, out_trade_no):
    sandbox.faults(wrong_amount_notify=1)
    receiver.answers = ["fail"]  # a careful merchant refuses it
    pay(sandbox, out_trade_no, "5.00", notify_url=receiver.url)
    wrong, right = receiver.wait_for(2)
    assert alipay.verify_callback(wrong) and wrong["total_amount"] == "6.00"
    assert alipay.verify_callback(right) and right["total_amount"] == "5.00"


def test_bad_signature_notify(sandbox, receiver, out_trade_no):
    sandbox.faults(bad_signature_notify=1)
    receiver.answers = ["fail"]
    pay(sandbox, out_trade_no, notify_url=receiver.url)
    bad, good = receiver.wait_for(2)
    assert not alipay.verify_callback(bad)
    assert alipay.verify_callback(good)
    assert bad["notify_id"] == good["notify_id"]


def test_refund_notifies_and_reordering(sandbox, receiver, out_trade_no):
    sandbox.faults(reorder_notify=1)  # the payment notify is held back
    pay(sandbox, out_trade_no, "1.00", notify_url=receiver.url)
    assert wait_for(lambda: receiver.received, timeout=0.3) == []
    answer = alipay.trade_refund(
        out_trade_no=out_trade_no, refund_amount=Decimal("1.00"), out_request_no="full"
    )
    assert answer["code"] == "10000"
    closed, paid = receiver.wait_for(2)
    assert (closed["trade_status"], paid["trade_status"]) == ("TRADE_CLOSED", "TRADE_SUCCESS")
    assert (closed["out_biz_no"], closed["refund_fee"]) == ("full", "1.00")
    assert closed["gmt_refund"] and closed["gmt_close"]
    assert alipay.verify_callback(closed) and alipay.verify_callback(paid)


def test_partial_refund_notifies_with_refund_fields(sandbox, receiver, out_trade_no):
    pay(sandbox, out_trade_no, "1.00", notify_url=receiver.url)
    receiver.wait_for(1)
    alipay.trade_refund(
        out_trade_no=out_trade_no, refund_amount=Decimal("0.25"), out_request_no="part"
    )
    _, refunded = receiver.wait_for(2)
    assert refunded["trade_status"] == "TRADE_SUCCESS"
    assert (refunded["out_biz_no"], refunded["refund_fee"]) == ("part", "0.25")
