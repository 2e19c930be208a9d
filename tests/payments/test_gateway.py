"""The store's Alipay client without a gateway: signed URLs, callback verification, failures."""

import base64
import json
import socket
from datetime import UTC, datetime
from decimal import Decimal
from urllib.parse import parse_qsl, urlsplit

import pytest
from Cryptodome.Hash import SHA256
from Cryptodome.PublicKey import RSA
from Cryptodome.Signature import PKCS1_v1_5
from django.conf import settings
from django.http import QueryDict

from luffy.common import keys
from luffy.common.errors import ServiceUnavailable, ValidationFailed
from luffy.payments import alipay


def alipay_sign(params: dict, *, with_sign_type: bool = False) -> dict:
    """Sign as the gateway does, with the local "Alipay" private key."""
    key = RSA.import_key((settings.ALIPAY_KEY_DIR / keys.ALIPAY_PRIVATE).read_text())
    signed = {k: v for k, v in params.items() if k not in ("sign", "sign_type")}
    if with_sign_type:
        signed["sign_type"] = "RSA2"
    text = "&".join(f"{k}={v}" for k, v in sorted(signed.items()))
    sign = base64.b64encode(PKCS1_v1_5.new(key).sign(SHA256.new(text.encode()))).decode()
    return {**params, "sign_type": "RSA2", "sign": sign}


RETURN = {
    "charset": "utf-8",
    "out_trade_no": "202601010001",
    "method": "alipay.trade.page.pay.return",
    "total_amount": "0.30",
    "trade_no": "2026010122000000000000000001",
    "auth_app_id": "2021000000000000",
    "version": "1.0",
    "app_id": "2021000000000000",
    "seller_id": "2088000000000000",
    "timestamp": "2026-01-01 12:00:00",
}


def test_page_pay_url_is_signed_and_carries_exact_strings():
    url = alipay.page_pay_url(
        out_trade_no="202601010001",
        subject="Python 入门",
        total_amount=Decimal("0.3"),
        time_expire=datetime(2026, 1, 1, 4, 30, tzinfo=UTC),
    )
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == settings.ALIPAY_GATEWAY
    params = dict(parse_qsl(parts.query))
    assert params["method"] == "alipay.trade.page.pay"
    assert params["app_id"] == settings.ALIPAY_APP_ID
    assert params["sign_type"] == "RSA2" and params["sign"]
    assert params["notify_url"] == settings.ALIPAY_NOTIFY_URL
    assert params["return_url"] == settings.ALIPAY_RETURN_URL
    biz = json.loads(params["biz_content"])
    assert biz["total_amount"] == "0.30"  # a string with two places, never a float
    assert biz["time_expire"] == "2026-01-01 12:30:00"  # Beijing time
    assert biz["product_code"] == "FAST_INSTANT_TRADE_PAY"
    assert biz["subject"] == "Python 入门"
    # The merchant signature verifies with the app public key over everything but sign.
    public = RSA.import_key((settings.ALIPAY_KEY_DIR / keys.APP_PUBLIC).read_text())
    sign = base64.b64decode(params.pop("sign"))
    text = "&".join(f"{k}={v}" for k, v in sorted(params.items()))
    assert PKCS1_v1_5.new(public).verify(SHA256.new(text.encode()), sign)


@pytest.mark.parametrize("subject", ["Course {1}", "a}b"])
def test_braces_in_subject_are_refused(subject):
    with pytest.raises(ValidationFailed):
        alipay.page_pay_url(
            out_trade_no="x1",
            subject=subject,
            total_amount=Decimal("1.00"),
            time_expire=datetime(2026, 1, 1, tzinfo=UTC),
        )


def test_naive_deadline_is_refused():
    with pytest.raises(ValueError):
        alipay.alipay_time(datetime(2026, 1, 1))


@pytest.mark.parametrize("with_sign_type", [False, True])
def test_verify_callback_accepts_either_reading_of_sign_type(with_sign_type):
    signed = alipay_sign(RETURN, with_sign_type=with_sign_type)
    assert alipay.verify_callback(signed)
    query = QueryDict(mutable=True)
    query.update(signed)
    assert alipay.verify_callback(query)  # a QueryDict, as request.GET / request.POST
    assert signed["sign"]  # the caller's data is not consumed


@pytest.mark.parametrize(
    "tamper",
    [
        lambda p: p.update(total_amount="0.31"),
        lambda p: p.update(extra="1"),
        lambda p: p.pop("sign"),
        lambda p: p.update(sign="not base64!"),
        lambda p: p.update(sign_type="RSA"),
    ],
)
def test_verify_callback_refuses_tampered(tamper):
    params = alipay_sign(RETURN)
    tamper(params)
    assert not alipay.verify_callback(params)


def test_refused_connection_is_gateway_unavailable(settings):
    with socket.socket() as s:  # a port that nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings.ALIPAY_GATEWAY = f"http://127.0.0.1:{port}/gateway.do"
    with pytest.raises(alipay.GatewayUnavailable) as caught:
        alipay.trade_query("202601010001")
    assert isinstance(caught.value, ServiceUnavailable)
    assert caught.value.status_code == 503


def test_openssl_signatures_are_the_sdks_signatures():
    """The faster signer must produce exactly the bytes python-alipay-sdk's own one does."""
    from alipay import AliPay

    from luffy.payments import alipay

    client = alipay.client()
    for text in ["a=1&b=2", 'biz_content={"subject":"数据结构"}&method=x', ""]:
        assert client._sign(text) == AliPay._sign(client, text)
