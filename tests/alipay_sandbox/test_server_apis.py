"""The four server APIs through the store's client, and the failures it must turn into 503s."""

import json
import urllib.request
from decimal import Decimal

import pytest

from luffy.payments import alipay

from .helpers import pay, pay_url


def test_query_follows_the_trade(sandbox, out_trade_no):
    answer = alipay.trade_query(out_trade_no)
    assert (answer["code"], answer["sub_code"]) == ("40004", "ACQ.TRADE_NOT_EXIST")
    sandbox.open_cashier(pay_url(out_trade_no, "8.80"))
    answer = alipay.trade_query(out_trade_no)
    assert answer["code"] == "10000" and answer["trade_status"] == "WAIT_BUYER_PAY"
    assert answer["total_amount"] == "8.80"
    pay(sandbox, out_trade_no, "8.80")
    answer = alipay.trade_query(out_trade_no)
    assert answer["trade_status"] == "TRADE_SUCCESS"
    assert answer["buyer_pay_amount"] == "8.80"
    assert answer["buyer_user_id"].startswith("2088") and len(answer["buyer_user_id"]) == 16
    assert answer["send_pay_date"]


def test_close(sandbox, out_trade_no):
    assert alipay.trade_close(out_trade_no)["sub_code"] == "ACQ.TRADE_NOT_EXIST"
    cashier_url, _ = sandbox.open_cashier(pay_url(out_trade_no))
    answer = alipay.trade_close(out_trade_no)
    assert answer["code"] == "10000" and answer["out_trade_no"] == out_trade_no
    assert alipay.trade_close(out_trade_no)["code"] == "10000"  # closing again is harmless
    assert alipay.trade_query(out_trade_no)["trade_status"] == "TRADE_CLOSED"
    status, _, html = sandbox.press(cashier_url)
    assert status == 200 and "ACQ.TRADE_HAS_CLOSE" in html

    paid = out_trade_no + "p"
    pay(sandbox, paid)
    assert alipay.trade_close(paid)["sub_code"] == "ACQ.TRADE_STATUS_ERROR"


def refund(out_trade_no, amount, request_no):
    return alipay.trade_refund(
        out_trade_no=out_trade_no, refund_amount=Decimal(amount), out_request_no=request_no
    )


def test_refunds_partial_cumulative_idempotent_and_full(sandbox, out_trade_no):
    sandbox.open_cashier(pay_url(out_trade_no, "1.00"))
    assert refund(out_trade_no, "0.10", "r1")["sub_code"] == "ACQ.TRADE_STATUS_ERROR"  # unpaid
    pay(sandbox, out_trade_no, "1.00")

    first = refund(out_trade_no, "0.10", "r1")
    assert (first["code"], first["fund_change"], first["refund_fee"]) == ("10000", "Y", "0.10")
    again = refund(out_trade_no, "0.10", "r1")
    assert (again["code"], again["fund_change"], again["refund_fee"]) == ("10000", "N", "0.10")
    assert refund(out_trade_no, "0.20", "r1")["sub_code"] == "ACQ.DISCORDANT_REPEAT_REQUEST"
    assert refund(out_trade_no, "0.50", "r2")["refund_fee"] == "0.60"  # cumulative
    assert refund(out_trade_no, "0.41", "r3")["sub_code"] == "ACQ.REASON_TRADE_REFUND_FEE_ERR"
    assert alipay.trade_query(out_trade_no)["trade_status"] == "TRADE_SUCCESS"

    last = refund(out_trade_no, "0.40", "r3")
    assert (last["code"], last["refund_fee"]) == ("10000", "1.00")
    assert alipay.trade_query(out_trade_no)["trade_status"] == "TRADE_CLOSED"
    assert refund(out_trade_no, "0.40", "r3")["fund_change"] == "N"  # still idempotent
    assert refund(out_trade_no, "0.01", "r4")["code"] == "40004"

    # The store never asks (a refund is retried under its own out_request_no instead), so the
    # sandbox's refund query is called directly.
    def refund_query(out_trade_no, out_request_no):
        return alipay._call(
            "api_alipay_trade_fastpay_refund_query",
            out_request_no=out_request_no,
            out_trade_no=out_trade_no,
        )

    found = refund_query(out_trade_no=out_trade_no, out_request_no="r2")
    assert found["code"] == "10000"
    assert (found["refund_amount"], found["refund_status"]) == ("0.50", "REFUND_SUCCESS")
    missing = refund_query(out_trade_no=out_trade_no, out_request_no="nope")
    assert missing["code"] == "10000" and "refund_amount" not in missing
    assert sandbox.trade(out_trade_no)["refund_fee"] == "1.00"


@pytest.mark.parametrize("fault", [{"api_unavailable": 1}, {"http_503": 1}])
def test_unavailable_gateway_is_gateway_unavailable_once(sandbox, out_trade_no, fault):
    sandbox.faults(**fault)
    with pytest.raises(alipay.GatewayUnavailable):
        alipay.trade_query(out_trade_no)
    assert alipay.trade_query(out_trade_no)["code"] == "40004"  # the next call is answered


def test_slow_gateway_times_out(sandbox, settings, out_trade_no):
    settings.ALIPAY_HTTP_TIMEOUT = 0.3
    sandbox.faults(delay_ms=1000)
    with pytest.raises(alipay.GatewayUnavailable):
        alipay.trade_query(out_trade_no)


def test_wrong_app_id_and_bad_signature_are_refused_unsigned(sandbox, settings, out_trade_no):
    client = alipay.client()
    data = client.build_body("alipay.trade.query", {"out_trade_no": out_trade_no})
    query = client.sign_data(data).replace("out_trade_no", "out_trade_nO")  # breaks the sign
    with urllib.request.urlopen(f"{settings.ALIPAY_GATEWAY}?{query}", timeout=10) as r:
        body = json.loads(r.read())
    assert "sign" not in body
    answer = body["alipay_trade_query_response"]
    assert (answer["code"], answer["sub_code"]) == ("40002", "isv.invalid-signature")

    settings.ALIPAY_APP_ID = "2021000000000999"
    with pytest.raises(alipay.GatewayUnavailable):
        alipay.trade_query(out_trade_no)
