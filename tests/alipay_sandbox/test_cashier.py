"""alipay.trade.page.pay through the real client: cashier, signature checks, pay and return."""

import json
import re
import time
import urllib.request
from datetime import timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit

from django.utils import timezone

from luffy.payments import alipay

from .helpers import pay, pay_url


def sub_code(html: str) -> str:
    match = re.search(r'id="sub-code">([^<]+)<', html)
    return match[1] if match else ""


def test_cashier_shows_the_order(sandbox, out_trade_no):
    url, html = sandbox.open_cashier(pay_url(out_trade_no, "12.30"))
    assert "/sandbox/cashier/" in url
    assert 'id="total-amount">12.30<' in html
    assert "Python 入门 course" in html
    assert out_trade_no in html
    assert ">确认付款<" in html and ">取消<" in html and 'lang="zh-CN"' in html
    # Same order again: the same cashier.
    assert sandbox.open_cashier(pay_url(out_trade_no, "12.30"))[0] == url
    assert sandbox.trade(out_trade_no)["status"] == "WAIT_BUYER_PAY"


def test_form_post_to_the_gateway_works_too(sandbox, out_trade_no):
    url = pay_url(out_trade_no, "0.01")
    gateway_url, query = url.split("?", 1)
    data = urlencode(dict(parse_qsl(query))).encode()
    with urllib.request.urlopen(gateway_url, data=data, timeout=10) as r:
        assert 'id="total-amount">0.01<' in r.read().decode()


def test_tampered_request_gets_the_invalid_signature_page(sandbox, out_trade_no):
    gateway_url, query = pay_url(out_trade_no, "100.00").split("?", 1)
    params = dict(parse_qsl(query))
    biz = json.loads(params["biz_content"])
    biz["total_amount"] = "0.01"
    params["biz_content"] = json.dumps(biz)
    _, html = sandbox.open_cashier(f"{gateway_url}?{urlencode(params)}")
    assert sub_code(html) == "invalid-signature"
    assert "验签出错" in html and "网关的验签原文" in html
    assert sandbox.request(f"/sandbox/trades/{out_trade_no}/")[0] == 404


def test_business_errors(sandbox, out_trade_no):
    sandbox.open_cashier(pay_url(out_trade_no, "1.00"))
    _, html = sandbox.open_cashier(pay_url(out_trade_no, "2.00"))
    assert sub_code(html) == "ACQ.CONTEXT_INCONSISTENT"
    _, html = sandbox.open_cashier(pay_url(out_trade_no, "1.00", subject="Another course"))
    assert sub_code(html) == "ACQ.CONTEXT_INCONSISTENT"
    _, html = sandbox.open_cashier(pay_url("bad-no!", "1.00"))
    assert sub_code(html) == "ACQ.INVALID_PARAMETER"
    _, html = sandbox.open_cashier(pay_url(out_trade_no + "x", "0.00"))
    assert sub_code(html) == "ACQ.INVALID_PARAMETER"
    _, html = sandbox.open_cashier(pay_url(out_trade_no + "y", "100000000.01"))
    assert sub_code(html) == "ACQ.INVALID_PARAMETER"
    past = timezone.now() - timedelta(seconds=1)
    _, html = sandbox.open_cashier(pay_url(out_trade_no + "z", time_expire=past))
    assert sub_code(html) == "ACQ.TRADE_HAS_CLOSE"


def test_expired_trade_cannot_be_paid(sandbox, out_trade_no):
    deadline = timezone.now() + timedelta(seconds=2)
    cashier_url, _ = sandbox.open_cashier(pay_url(out_trade_no, time_expire=deadline))
    time.sleep(max((deadline - timezone.now()).total_seconds(), 0) + 0.1)
    status, _, html = sandbox.press(cashier_url)
    assert status == 200 and sub_code(html) == "ACQ.TRADE_HAS_CLOSE"
    assert alipay.trade_query(out_trade_no)["trade_status"] == "TRADE_CLOSED"


def test_pay_redirects_back_with_signed_return_params(sandbox, out_trade_no):
    location = pay(sandbox, out_trade_no, "0.30", return_url="http://127.0.0.1:9/result?x=1")
    parts = urlsplit(location)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "http://127.0.0.1:9/result"
    params = dict(parse_qsl(parts.query))
    assert params.pop("x") == "1"
    assert set(params) == {
        "charset", "out_trade_no", "method", "total_amount", "sign", "trade_no", "auth_app_id",
        "version", "app_id", "sign_type", "seller_id", "timestamp",
    }  # fmt: skip
    assert params["method"] == "alipay.trade.page.pay.return"
    assert params["out_trade_no"] == out_trade_no
    assert params["total_amount"] == "0.30"
    assert params["seller_id"] == "2088000000000000"
    today = timezone.localdate().strftime("%Y%m%d")  # TIME_ZONE is Asia/Shanghai
    assert re.fullmatch(r"\d{28}", params["trade_no"]) and params["trade_no"].startswith(today)
    assert alipay.verify_callback(params)
    for field, value in [("total_amount", "0.31"), ("out_trade_no", "other"), ("sign", "AAAA")]:
        assert not alipay.verify_callback({**params, field: value})

    # Paid: the same order can neither be paid again nor reopened.
    _, html = sandbox.open_cashier(pay_url(out_trade_no, "0.30"))
    assert sub_code(html) == "ACQ.TRADE_HAS_SUCCESS"
    trade = sandbox.trade(out_trade_no)
    assert trade["status"] == "TRADE_SUCCESS" and trade["trade_no"] == params["trade_no"]


def test_cancel_leaves_the_trade_payable(sandbox, out_trade_no):
    cashier_url, _ = sandbox.open_cashier(pay_url(out_trade_no))
    status, _, html = sandbox.press(cashier_url, "cancel")
    assert status == 200 and "已取消支付" in html
    assert sandbox.trade(out_trade_no)["status"] == "WAIT_BUYER_PAY"
    assert sandbox.press(cashier_url)[0] == 302


def test_cancel_offers_a_way_back_to_the_store_and_to_pay(sandbox, out_trade_no):
    url = pay_url(out_trade_no, return_url="http://store.example:8000/payment/result?x=1")
    cashier_url, _ = sandbox.open_cashier(url)
    _, _, html = sandbox.press(cashier_url, "cancel")
    assert 'id="back-to-store" href="http://store.example:8000/"' in html
    assert re.search(r'id="pay-again" href="/sandbox/cashier/[^"]+/"', html)


def test_console_lists_trades(sandbox, out_trade_no):
    pay(sandbox, out_trade_no)
    status, html = sandbox.request("/sandbox/")
    assert status == 200 and out_trade_no in html and "TRADE_SUCCESS" in html
