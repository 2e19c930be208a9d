"""The store's WeChat Pay client without a gateway: notify verification (serial, stale
timestamps, signature over the raw body, AEAD tag), the decrypted transaction in the
interface's terms, and the fen/yuan and time formats."""

import base64
import json
import secrets
import time
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

from luffy.common import keys
from luffy.payments import wechatpay
from luffy.payments.gateway import GatewayKind, gateway_for

TRANSACTION = {
    "appid": "wxd678efh567hg6787",
    "mchid": "1900000109",
    "out_trade_no": "202612020001",
    "transaction_id": "4200000000202612020000000001",
    "trade_type": "NATIVE",
    "trade_state": "SUCCESS",
    "trade_state_desc": "支付成功",
    "bank_type": "OTHERS",
    "attach": "",
    "success_time": "2026-12-02T14:00:00+08:00",
    "payer": {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
    "amount": {"total": 30, "payer_total": 30, "currency": "CNY", "payer_currency": "CNY"},
}


def platform_sign(text: str) -> str:
    directory = keys.ensure_local_keys(settings.WECHAT_KEY_DIR, keys.WECHAT_PAIRS)
    private = keys.load_private_key((directory / keys.PLATFORM_PRIVATE).read_text())
    return keys.rsa2_sign(private, text)


def notify(resource: dict = TRANSACTION, *, timestamp=None, serial=None, key=None, body=None):
    """A notify as WeChat sends it: {"headers": ..., "body": raw JSON}."""
    apiv3 = key or wechatpay.credentials().apiv3_key
    nonce = secrets.token_hex(6)
    ciphertext = AESGCM(apiv3.encode()).encrypt(
        nonce.encode(), json.dumps(resource).encode(), b"transaction"
    )
    body = body or json.dumps(
        {
            "id": "EV-2018022511223320873",
            "create_time": "2026-12-02T14:00:00+08:00",
            "resource_type": "encrypt-resource",
            "event_type": "TRANSACTION.SUCCESS",
            "summary": "支付成功",
            "resource": {
                "original_type": "transaction",
                "algorithm": "AEAD_AES_256_GCM",
                "ciphertext": base64.b64encode(ciphertext).decode(),
                "associated_data": "transaction",
                "nonce": nonce,
            },
        }
    )
    timestamp = str(int(time.time()) if timestamp is None else timestamp)
    header_nonce = secrets.token_hex(16)
    return {
        "headers": {
            "Wechatpay-Timestamp": timestamp,
            "Wechatpay-Nonce": header_nonce,
            "Wechatpay-Signature": platform_sign(f"{timestamp}\n{header_nonce}\n{body}\n"),
            "Wechatpay-Serial": serial or settings.WECHAT_PLATFORM_SERIAL,
        },
        "body": body,
    }


gateway = gateway_for(GatewayKind.WECHAT)


def test_a_good_notify_verifies_and_reports_the_trade():
    message = notify()
    assert gateway.verify(message)
    report = gateway.report(message)
    assert report.paid and report.status == "SUCCESS"
    assert (report.out_trade_no, report.trade_no) == ("202612020001", TRANSACTION["transaction_id"])
    assert report.total_amount == "0.30"
    assert (report.app_id, report.seller_id) == (gateway.app_id, gateway.seller_id)
    assert report.paid_at == datetime(2026, 12, 2, 6, 0, tzinfo=UTC)


@pytest.mark.parametrize("skew", [-301, 301])
def test_a_stale_timestamp_is_refused(skew, monkeypatch):
    # The clock stands still: on a loaded machine building the notify took over a second,
    # which moved a 301 s skew back inside the 300 s window.
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now)
    assert not gateway.verify(notify(timestamp=int(now) + skew))


def test_a_timestamp_within_five_minutes_is_accepted():
    assert gateway.verify(notify(timestamp=int(time.time()) - 290))


def test_another_serial_is_refused():
    assert not gateway.verify(notify(serial="PUB_KEY_ID_SOMEONE_ELSE"))


def test_a_changed_body_is_refused():
    message = notify()
    message["body"] = message["body"].replace("TRANSACTION.SUCCESS", "TRANSACTION.SUCCESS ")
    assert not gateway.verify(message)


def test_a_resource_encrypted_with_another_key_is_refused():
    assert not gateway.verify(notify(key="k" * 32))


@pytest.mark.parametrize(
    "message",
    [{}, {"headers": {}, "body": "{}"}, {"headers": "x", "body": 1}, {"body": "not json"}],
)
def test_junk_is_refused(message):
    assert not gateway.verify(message)
    assert gateway.report(message).out_trade_no == ""


def test_signed_junk_body_is_refused():
    assert not gateway.verify(notify(body='{"resource": 1}'))
    assert not gateway.verify(notify(body="[]"))


def test_unpaid_and_odd_amounts_report_as_such():
    report = wechatpay.trade_report(
        {**TRANSACTION, "trade_state": "NOTPAY", "amount": {"total": "30"}}
    )
    assert not report.paid and report.total_amount == ""
    missing = wechatpay.trade_report({"out_trade_no": "x"})
    # A transaction without appid/mchid never matches the merchant's.
    assert missing.app_id != gateway.app_id and missing.seller_id != gateway.seller_id


def test_formats():
    assert wechatpay.yuan(1234) == "12.34" and wechatpay.yuan(True) == ""
    assert (
        wechatpay.rfc3339(datetime(2026, 12, 2, 14, 0, tzinfo=UTC)) == "2026-12-02T22:00:00+08:00"
    )
    with pytest.raises(ValueError):
        wechatpay.rfc3339(datetime(2026, 12, 2, 14, 0))


def test_local_apiv3_key_is_32_characters_and_kept(tmp_path):
    key = keys.local_apiv3_key(tmp_path)
    assert len(key) == 32 and keys.local_apiv3_key(tmp_path) == key
    assert (tmp_path / keys.APIV3_KEY).stat().st_mode & 0o777 == 0o600


def test_pay_url_is_refused_without_an_answer(settings):
    settings.WECHAT_API_BASE = "http://127.0.0.1:9"
    from luffy.payments.gateway import GatewayUnavailable

    with pytest.raises(GatewayUnavailable):
        gateway.pay_url(
            out_trade_no="202612020001",
            subject="课程",
            amount=Decimal("0.30"),
            deadline=datetime(2026, 12, 2, 14, 0, tzinfo=UTC),
        )


def test_a_wrong_apiv3_key_is_refused_in_chinese():
    """An operator's configuration mistake reads in Chinese and names the setting."""
    with pytest.raises(ValueError, match="WECHAT_APIV3_KEY 必须为 32 个字符"):
        wechatpay._credentials(
            "1900000001", "wx1", "SERIAL", "private.pem", "PLATFORM", "platform.pem",
            "too-short", "unused-key-dir",
        )  # fmt: skip
