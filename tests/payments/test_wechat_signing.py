"""WeChat Pay v3 signing primitives: request signatures, answer verification, AEAD."""

import base64
from decimal import Decimal

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from luffy.common import keys
from luffy.payments import wechat


def test_signatures_round_trip_and_fail_on_a_changed_body(tmp_path):
    d = keys.ensure_local_keys(tmp_path, keys.WECHAT_PAIRS)
    private = keys.load_private_key((d / keys.PLATFORM_PRIVATE).read_text())
    public = keys.load_public_key((d / keys.PLATFORM_PUBLIC).read_text())
    sig = keys.rsa2_sign(private, "1700000000\nabc\n{}\n")
    assert wechat.answer_verify(public_key=public, timestamp="1700000000", nonce="abc",
                                body=b"{}", signature=sig)  # fmt: skip
    assert not wechat.answer_verify(public_key=public, timestamp="1700000000", nonce="abc",
                                    body=b"{ }", signature=sig)  # fmt: skip
    header = wechat.authorization(private_key=private, mchid="1", serial_no="S", method="GET",
                                  path="/v3/x")  # fmt: skip
    assert header.startswith('WECHATPAY2-SHA256-RSA2048 mchid="1",') and 'serial_no="S"' in header


def test_resource_decrypts_with_the_apiv3_key():
    key = "0123456789abcdef0123456789abcdef"
    ct = base64.b64encode(AESGCM(key.encode()).encrypt(b"n" * 12, b'{"a":1}', b"transaction"))
    plain = wechat.resource_decrypt(apiv3_key=key, nonce="n" * 12, ciphertext=ct.decode(),
                                    associated_data="transaction")  # fmt: skip
    assert plain == b'{"a":1}'
    assert wechat.fen(Decimal("0.30")) == 30
