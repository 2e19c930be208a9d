"""Notifies over real HTTP: encrypted and signed as WeChat does, retried on WeChat's schedule
until 200/204, every attempt recorded, and each misbehaviour the store has to survive. Read
with the store's own verifier (luffy.payments.wechatpay.notice)."""

import json
from datetime import timedelta
from decimal import Decimal

from luffy.payments import wechatpay
from luffy.wechat_sandbox import schedule as sandbox_notify
from tests.live_sandbox import wait_for

from .helpers import gateway, paid

TRANSACTION_FIELDS = {
    "appid",
    "mchid",
    "out_trade_no",
    "transaction_id",
    "trade_type",
    "trade_state",
    "trade_state_desc",
    "bank_type",
    "attach",
    "success_time",
    "payer",
    "amount",
}


def settled(sandbox, out_trade_no, count=1):
    def check():
        notifies = sandbox.trade(out_trade_no)["notifies"]
        return notifies if sum(n["delivered"] for n in notifies) >= count else None

    return wait_for(check, timeout=10) or sandbox.trade(out_trade_no)["notifies"]


def test_the_schedule_is_wechats():
    gaps = [gap.total_seconds() for gap in sandbox_notify.RETRY_GAPS]
    assert gaps == [
        15,
        15,
        30,
        180,
        600,
        1200,
        1800,
        1800,
        1800,
        3600,
        10800,
        10800,
        10800,
        21600,
        21600,
    ]
    assert sandbox_notify.MAX_ATTEMPTS == 16
    assert sum(sandbox_notify.RETRY_GAPS, timedelta()) == timedelta(hours=24, minutes=4)


def test_payment_notify_is_encrypted_signed_and_retried_until_2xx(
    wechat_sandbox, wechat_receiver, wechat_trade_no
):
    wechat_receiver.statuses = [500, 400, 200]  # 200 or 204: both are a success
    paid(wechat_sandbox, wechat_trade_no, "0.30")
    received = wechat_receiver.wait_for(3)
    assert len(received) == 3
    first = received[0]
    assert set(first["headers"]) >= {
        "Wechatpay-Timestamp",
        "Wechatpay-Nonce",
        "Wechatpay-Signature",
        "Wechatpay-Serial",
    }
    envelope = json.loads(first["body"])
    assert envelope["event_type"] == "TRANSACTION.SUCCESS"
    assert envelope["resource_type"] == "encrypt-resource" and envelope["summary"] == "支付成功"
    assert envelope["resource"]["algorithm"] == "AEAD_AES_256_GCM"
    assert envelope["resource"]["original_type"] == "transaction"
    assert wechat_trade_no not in first["body"]  # the transaction is encrypted
    notices = [wechatpay.notice(r) for r in received]
    assert all(notices)
    resource = notices[0].resource
    assert set(resource) == TRANSACTION_FIELDS
    assert (resource["out_trade_no"], resource["trade_state"]) == (wechat_trade_no, "SUCCESS")
    assert resource["amount"] == {
        "total": 30,
        "payer_total": 30,
        "currency": "CNY",
        "payer_currency": "CNY",
    }
    report = gateway.report(received[0])
    assert report.paid and report.total_amount == "0.30" and report.seller_id == "1900000109"
    assert {json.loads(r["body"])["id"] for r in received} == {envelope["id"]}  # one notify id

    [notify] = settled(wechat_sandbox, wechat_trade_no)
    assert [a["number"] for a in notify["attempts"]] == [1, 2, 3]
    assert [a["http_status"] for a in notify["attempts"]] == [500, 400, 200]
    # No more once answered (the next gap would be 30 s x 0.002 = 60 ms).
    assert wait_for(lambda: len(wechat_receiver.received) > 3, timeout=0.5) is False


def test_an_unreachable_merchant_is_recorded(wechat_sandbox, wechat_receiver, wechat_trade_no):
    wechat_receiver.server.shutdown()
    wechat_receiver.server.server_close()
    paid(wechat_sandbox, wechat_trade_no)

    def two_attempts():
        [notify] = wechat_sandbox.trade(wechat_trade_no)["notifies"]
        return len(notify["attempts"]) >= 2 and notify

    notify = wait_for(two_attempts, timeout=10)
    assert notify and not notify["delivered"]
    assert notify["attempts"][0]["http_status"] is None
    assert "Connection" in notify["attempts"][0]["error"]


def test_duplicate_notify(wechat_sandbox, wechat_receiver, wechat_trade_no):
    wechat_sandbox.faults(duplicate_notify=1)
    paid(wechat_sandbox, wechat_trade_no)
    first, second = wechat_receiver.wait_for(2)
    assert first == second and wechatpay.notice(first)


def test_dropped_notify_comes_on_the_retry(wechat_sandbox, wechat_receiver, wechat_trade_no):
    wechat_sandbox.faults(drop_notify=1)
    paid(wechat_sandbox, wechat_trade_no)
    [only] = wechat_receiver.wait_for(1)
    assert wechatpay.notice(only)
    [notify] = settled(wechat_sandbox, wechat_trade_no)
    assert [a["error"] for a in notify["attempts"]] == ["fault: dropped", ""]


def test_late_notify_waits(wechat_sandbox, wechat_receiver, wechat_trade_no):
    wechat_sandbox.faults(late_notify=1)
    paid(wechat_sandbox, wechat_trade_no)
    assert wait_for(lambda: wechat_receiver.received, timeout=1) == []
    assert wechat_receiver.wait_for(1, timeout=15)  # 1 h x 0.002 = 7.2 s


def test_wrong_amount_notify_is_validly_signed(wechat_sandbox, wechat_receiver, wechat_trade_no):
    wechat_sandbox.faults(wrong_amount_notify=1)
    paid(wechat_sandbox, wechat_trade_no, "0.30")
    [received] = wechat_receiver.wait_for(1)
    report = gateway.report(received)
    assert gateway.verify(received) and report.total_amount == "1.30"


def test_bad_signature_notify_does_not_verify(wechat_sandbox, wechat_receiver, wechat_trade_no):
    wechat_sandbox.faults(bad_signature_notify=1)
    wechat_receiver.statuses = [401]
    paid(wechat_sandbox, wechat_trade_no)
    bad, good = wechat_receiver.wait_for(2)
    assert not gateway.verify(bad) and gateway.verify(good)


def test_reordered_notify_goes_after_the_next(wechat_sandbox, wechat_receiver, wechat_trade_no):
    wechat_sandbox.faults(reorder_notify=1)
    paid(wechat_sandbox, wechat_trade_no, "1.00")
    assert wait_for(lambda: wechat_receiver.received, timeout=0.5) == []
    gateway.refund(
        out_trade_no=wechat_trade_no,
        amount=Decimal("1.00"),
        out_request_no=f"{wechat_trade_no}R1",
        reason="",
    )
    first, second = wechat_receiver.wait_for(2)
    assert [json.loads(r["body"])["event_type"] for r in (first, second)] == [
        "REFUND.SUCCESS",
        "TRANSACTION.SUCCESS",
    ]


def test_refund_notify(wechat_sandbox, wechat_receiver, wechat_trade_no):
    paid(wechat_sandbox, wechat_trade_no, "1.00")
    wechat_receiver.wait_for(1)
    answer = gateway.refund(
        out_trade_no=wechat_trade_no,
        amount=Decimal("0.25"),
        out_request_no=f"{wechat_trade_no}R1",
        reason="",
    )
    _, refund = wechat_receiver.wait_for(2)
    envelope = json.loads(refund["body"])
    assert envelope["event_type"] == "REFUND.SUCCESS" and envelope["summary"] == "退款成功"
    assert envelope["resource"]["original_type"] == "refund"
    resource = wechatpay.notice(refund).resource
    assert resource["refund_id"] == answer.raw["refund_id"]
    assert resource["out_refund_no"] == f"{wechat_trade_no}R1"
    assert resource["refund_status"] == "SUCCESS"
    assert resource["amount"] == {
        "total": 100,
        "refund": 25,
        "payer_total": 100,
        "payer_refund": 25,
    }


def test_reset_stops_pending_retries(wechat_sandbox, wechat_receiver, wechat_trade_no):
    wechat_receiver.statuses = [500] * 20
    paid(wechat_sandbox, wechat_trade_no)
    wechat_receiver.wait_for(1)
    status, _body = wechat_sandbox.request("/sandbox/reset/", method="POST", data={})
    assert status == 200
    count = len(wechat_receiver.received)
    assert wait_for(lambda: len(wechat_receiver.received) > count + 1, timeout=1) is False
