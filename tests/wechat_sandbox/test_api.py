"""The v3 APIs over real HTTP, driven by the store's client: signed requests checked, signed
answers, WeChat's error codes and statuses, and the faults the client must survive."""

import json
import re
import time
import urllib.error
import urllib.request
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from luffy.common import keys
from luffy.payments import wechat, wechatpay
from luffy.payments.gateway import CloseResult, GatewayUnavailable
from luffy.payments.wechatpay import WechatRefusal

from .helpers import code_url, gateway, paid


def raw_call(sandbox, method, path, payload=None, *, authorization=None):
    """A request with any Authorization: (status, headers, body bytes)."""
    body = "" if payload is None else json.dumps(payload)
    creds = wechatpay.credentials()
    if authorization is None:
        authorization = wechat.authorization(
            private_key=creds.private_key,
            mchid=creds.mchid,
            serial_no=creds.serial_no,
            method=method,
            path=path,
            body=body,
        )
    request = urllib.request.Request(
        sandbox.url + path,
        data=body.encode() if payload is not None else None,
        method=method,
        headers={"Authorization": authorization, "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


def test_native_order_gives_a_code_url_and_an_unpaid_trade(wechat_sandbox, wechat_trade_no):
    url = code_url(wechat_trade_no, "0.30")
    assert re.fullmatch(r"weixin://wxpay/bizpayurl\?pr=[0-9a-f]{32}", url)
    answer = gateway.query(wechat_trade_no)
    assert answer.raw["trade_state"] == "NOTPAY"
    assert answer.raw["amount"] == {"total": 30, "currency": "CNY", "payer_currency": "CNY"}
    assert "transaction_id" not in answer.raw
    assert answer.trade.paid is False and answer.trade.total_amount == "0.30"
    # The same order again gets the same trade; another amount is OUT_TRADE_NO_USED.
    assert code_url(wechat_trade_no, "0.30") == url
    with pytest.raises(WechatRefusal) as refused:
        code_url(wechat_trade_no, "0.31")
    assert refused.value.code == "OUT_TRADE_NO_USED"


def test_paid_trade_reads_back_with_its_transaction(wechat_sandbox, wechat_trade_no):
    paid(wechat_sandbox, wechat_trade_no, "12.34")
    answer = gateway.query(wechat_trade_no)
    trade = answer.trade
    assert trade.paid and trade.status == "SUCCESS" and trade.total_amount == "12.34"
    assert (trade.app_id, trade.seller_id) == ("wxd678efh567hg6787", "1900000109")
    assert re.fullmatch(r"4200\d{24}", trade.trade_no)
    assert trade.paid_at is not None and trade.paid_at <= timezone.now()
    assert answer.raw["trade_type"] == "NATIVE" and answer.raw["payer"]["openid"]
    assert answer.raw["amount"]["payer_total"] == 1234
    assert gateway.close(wechat_trade_no) is CloseResult.ALREADY_PAID
    with pytest.raises(WechatRefusal) as refused:
        code_url(wechat_trade_no, "12.34")
    assert refused.value.code == "ORDERPAID"


def test_unknown_trade_is_order_not_exist(wechat_sandbox, wechat_trade_no):
    answer = gateway.query(wechat_trade_no)
    assert answer.trade is None and answer.detail == "ORDER_NOT_EXIST"
    assert answer.raw == {"code": "ORDER_NOT_EXIST", "message": "订单不存在"}
    assert gateway.close(wechat_trade_no) is CloseResult.NO_TRADE


def test_closed_trade_cannot_be_paid_or_reordered(wechat_sandbox, wechat_trade_no):
    url = code_url(wechat_trade_no)
    assert gateway.close(wechat_trade_no) is CloseResult.CLOSED
    assert gateway.close(wechat_trade_no) is CloseResult.CLOSED  # again: still a success
    assert gateway.query(wechat_trade_no).raw["trade_state"] == "CLOSED"
    status, body = wechat_sandbox.scan_and_pay(url)
    assert status == 400 and "ORDER_CLOSED" in body
    with pytest.raises(WechatRefusal) as refused:
        code_url(wechat_trade_no)
    assert refused.value.code == "ORDER_CLOSED"


def test_a_trade_past_time_expire_is_closed(wechat_sandbox, wechat_trade_no):
    code_url(wechat_trade_no, deadline=timezone.now() + timedelta(seconds=2))
    time.sleep(2.2)
    assert gateway.query(wechat_trade_no).raw["trade_state"] == "CLOSED"


def test_refunds_partial_cumulative_and_idempotent(
    wechat_sandbox, wechat_receiver, wechat_trade_no
):
    paid(wechat_sandbox, wechat_trade_no, "1.00")
    first = gateway.refund(
        out_trade_no=wechat_trade_no,
        amount=Decimal("0.40"),
        out_request_no=f"{wechat_trade_no}R1",
        reason="课程退款",
    )
    assert first.succeeded and first.raw["status"] == "SUCCESS"
    assert first.raw["amount"]["refund"] == 40 and first.raw["amount"]["total"] == 100
    again = gateway.refund(
        out_trade_no=wechat_trade_no,
        amount=Decimal("0.40"),
        out_request_no=f"{wechat_trade_no}R1",
        reason="课程退款",
    )
    assert again.succeeded and again.raw["refund_id"] == first.raw["refund_id"]
    too_much = gateway.refund(
        out_trade_no=wechat_trade_no,
        amount=Decimal("0.61"),
        out_request_no=f"{wechat_trade_no}R2",
        reason="",
    )
    assert not too_much.succeeded and too_much.raw["code"] == "INVALID_REQUEST"
    assert "超过" in too_much.detail
    other_amount = gateway.refund(
        out_trade_no=wechat_trade_no,
        amount=Decimal("0.50"),
        out_request_no=f"{wechat_trade_no}R1",
        reason="",
    )
    assert not other_amount.succeeded
    read = gateway.refund_query(f"{wechat_trade_no}R1")
    assert read["refund_id"] == first.raw["refund_id"] and read["status"] == "SUCCESS"
    assert gateway.query(wechat_trade_no).raw["trade_state"] == "REFUND"
    assert wechat_sandbox.trade(wechat_trade_no)["refunded"] == 40


def test_refund_of_an_unpaid_trade_is_refused(wechat_sandbox, wechat_trade_no):
    code_url(wechat_trade_no)
    answer = gateway.refund(
        out_trade_no=wechat_trade_no,
        amount=Decimal("0.30"),
        out_request_no=f"{wechat_trade_no}R1",
        reason="",
        total=Decimal("0.30"),
    )
    assert not answer.succeeded and answer.raw["code"] == "RESOURCE_NOT_EXISTS"


def test_unknown_refund_reads_as_resource_not_exists(wechat_sandbox):
    assert gateway.refund_query("NOPE0001")["code"] == "RESOURCE_NOT_EXISTS"


@pytest.mark.parametrize(
    "authorization",
    [
        "",
        "Basic abc",
        'WECHATPAY2-SHA256-RSA2048 mchid="1900000109",nonce_str="n",timestamp="1",'
        'serial_no="LOCALMCHSERIAL0001",signature="c2ln"',
    ],
)
def test_a_bad_authorization_is_401_sign_error_signed(wechat_sandbox, authorization):
    status, headers, body = raw_call(
        wechat_sandbox,
        "GET",
        "/v3/pay/transactions/out-trade-no/X123456?mchid=1900000109",
        authorization=authorization,
    )
    assert status == 401
    answer = json.loads(body)
    assert answer["code"] == "SIGN_ERROR"
    assert answer["message"].startswith("签名错误：")
    assert not re.search(r"[a-z]{3,} [a-z]{3,}", answer["message"])  # the reason in Chinese
    assert wechatpay.signature_problem(headers, body) == ""  # errors are signed too


def test_a_request_signed_with_another_key_is_refused(wechat_sandbox, tmp_path, wechat_trade_no):
    other = keys.load_private_key(
        (keys.ensure_local_keys(tmp_path, keys.WECHAT_PAIRS) / keys.MCH_PRIVATE).read_text()
    )
    path = f"/v3/pay/transactions/out-trade-no/{wechat_trade_no}?mchid=1900000109"
    forged = wechat.authorization(
        private_key=other,
        mchid="1900000109",
        serial_no="LOCALMCHSERIAL0001",
        method="GET",
        path=path,
    )
    status, _, body = raw_call(wechat_sandbox, "GET", path, authorization=forged)
    assert status == 401 and "签名" in json.loads(body)["message"]


def test_a_signature_over_another_body_is_refused(wechat_sandbox, wechat_trade_no):
    creds = wechatpay.credentials()
    path = "/v3/pay/transactions/native"
    header = wechat.authorization(
        private_key=creds.private_key,
        mchid=creds.mchid,
        serial_no=creds.serial_no,
        method="POST",
        path=path,
        body="{}",
    )
    status, _, _body = raw_call(
        wechat_sandbox, "POST", path, {"out_trade_no": wechat_trade_no}, authorization=header
    )
    assert status == 401


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"appid": "wx0000000000000000"}, "APPID_MCHID_NOT_MATCH"),
        ({"amount": {"total": 0}}, "PARAM_ERROR"),
        ({"amount": {"total": "1.00"}}, "PARAM_ERROR"),
        ({"out_trade_no": "abc"}, "PARAM_ERROR"),
        ({"description": ""}, "PARAM_ERROR"),
        ({"time_expire": "2026-12-02 22:00:00"}, "PARAM_ERROR"),
    ],
)
def test_bad_order_parameters_are_400(wechat_sandbox, wechat_trade_no, change, code):
    payload = {
        "appid": "wxd678efh567hg6787",
        "mchid": "1900000109",
        "description": "课程",
        "out_trade_no": wechat_trade_no,
        "notify_url": "http://127.0.0.1:9/notify/",
        "amount": {"total": 30, "currency": "CNY"},
        **change,
    }
    path = "/v3/pay/transactions/native"
    status, _headers, body = raw_call(wechat_sandbox, "POST", path, payload)
    assert (status, json.loads(body)["code"]) == (400, code)


def test_h5_needs_scene_info_and_gives_an_h5_url(wechat_sandbox, wechat_trade_no):
    url = code_url(
        wechat_trade_no,
        client_ip="203.0.113.7",
        return_url="http://127.0.0.1:8000/payments/result?o=1",
    )
    assert (
        "/sandbox/h5/?prepay_id=wx" in url and "redirect_url=http%3A%2F%2F127.0.0.1%3A8000" in url
    )
    status, _, page = wechat_sandbox.open_page(url)
    assert status == 200 and "用微信支付（模拟）" in page
    prepay_id = re.search(r'name="prepay_id" value="([^"]+)"', page)[1]
    redirect = re.search(r'name="redirect_url" value="([^"]+)"', page)[1]
    data = f"prepay_id={prepay_id}&redirect_url={redirect}&action=pay".replace("&amp;", "%26")
    status, location, _ = wechat_sandbox.post_form(
        f"{wechat_sandbox.url}/sandbox/h5/pay/", data.encode()
    )
    assert status == 302 and location.startswith("http://127.0.0.1:8000/payments/result")
    answer = gateway.query(wechat_trade_no)
    assert answer.trade.paid and answer.raw["trade_type"] == "MWEB"


def test_an_old_h5_url_has_expired(wechat_sandbox, wechat_trade_no):
    url = code_url(wechat_trade_no, client_ip="203.0.113.7")
    stale = re.sub(r"t=\d+", f"t={int(time.time()) - 301}", url)
    status, _, page = wechat_sandbox.open_page(stale)
    assert status == 400 and "过期" in page


@pytest.mark.parametrize("fault", ["system_error", "frequency_limited", "bad_answer_signature"])
def test_faults_make_the_client_raise_gateway_unavailable(wechat_sandbox, wechat_trade_no, fault):
    wechat_sandbox.faults(**{fault: 1})
    with pytest.raises(GatewayUnavailable):
        gateway.query(wechat_trade_no)
    assert gateway.query(wechat_trade_no).trade is None  # the fault fired once


def test_a_slow_answer_is_gateway_unavailable(wechat_sandbox, wechat_trade_no, settings):
    settings.WECHAT_HTTP_TIMEOUT = 0.3
    wechat_sandbox.faults(delay_ms=1000)
    with pytest.raises(GatewayUnavailable):
        gateway.query(wechat_trade_no)


def test_an_unreachable_sandbox_is_gateway_unavailable(settings, wechat_trade_no):
    from tests.live_sandbox import free_port

    settings.WECHAT_API_BASE = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(GatewayUnavailable):
        gateway.query(wechat_trade_no)


def test_healthz(wechat_sandbox_server):
    status, body = wechat_sandbox_server.request("/healthz", headers={})
    assert status == 200
    assert json.loads(body) == {"status": "ok", "checks": {"database": "ok"}}


def test_control_endpoints_need_the_token(wechat_sandbox):
    status, body = wechat_sandbox.request(
        "/sandbox/faults/", method="POST", data={"drop_notify": 3}, headers={}
    )
    assert status == 403 and json.loads(body)["code"] == "sandbox_token_required"
    assert json.loads(wechat_sandbox.request("/sandbox/faults/", headers={})[1])["drop_notify"] == 0
    status, body = wechat_sandbox.request("/sandbox/faults/", method="POST", data={"nope": 1})
    assert status == 400 and "没有这些故障开关：nope" in json.loads(body)["detail"]
    status, body = wechat_sandbox.request("/sandbox/faults/", method="POST", data=[1])
    assert status == 400 and json.loads(body)["detail"].startswith("请发送一个 JSON 对象")


def test_a_bad_fault_value_sets_none_of_them(wechat_sandbox):
    values = {"late_notify": 2, "delay_ms": -1}  # a bad value after a good one
    status, body = wechat_sandbox.request("/sandbox/faults/", method="POST", data=values)
    assert status == 400 and json.loads(body)["detail"] == "delay_ms 的值必须是不小于 0 的整数"
    assert json.loads(wechat_sandbox.request("/sandbox/faults/", headers={})[1])["late_notify"] == 0
