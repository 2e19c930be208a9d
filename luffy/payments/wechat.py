"""WeChat Pay API v3 signing primitives (the gateway itself is luffy.payments.wechatpay).

Signing is done with `cryptography` (already the store's one crypto library, luffy.common.keys)
rather than the wechatpayv3 SDK: the base URL must point at the offline sandbox, and no new
dependency is needed for RSA-SHA256 and AES-256-GCM. Formats per WeChat Pay's APIv3 pages
"签名生成/签名验证" and "支付通知" (summarised in WECHATPAY.md)."""

from __future__ import annotations

import base64
import secrets
import time

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from luffy.common import keys

SCHEMA = "WECHATPAY2-SHA256-RSA2048"


def fen(amount) -> int:
    """Yuan (Decimal, two places) to integer fen."""
    return int((amount * 100).to_integral_value())


def request_message(method: str, path: str, timestamp: str, nonce: str, body: str) -> str:
    return f"{method}\n{path}\n{timestamp}\n{nonce}\n{body}\n"


def authorization(
    *,
    private_key,
    mchid: str,
    serial_no: str,
    method: str,
    path: str,
    body: str = "",
    timestamp: str | None = None,
    nonce: str | None = None,
) -> str:
    timestamp = timestamp or str(int(time.time()))
    nonce = nonce or secrets.token_hex(16)
    signature = keys.rsa2_sign(private_key, request_message(method, path, timestamp, nonce, body))
    return (f'{SCHEMA} mchid="{mchid}",nonce_str="{nonce}",timestamp="{timestamp}",'
            f'serial_no="{serial_no}",signature="{signature}"')  # fmt: skip


def answer_verify(*, public_key, timestamp: str, nonce: str, body: bytes, signature: str) -> bool:
    """Wechatpay-Signature over "TIMESTAMP\\nNONCE\\nBODY\\n" (raw body bytes)."""
    try:
        text = f"{timestamp}\n{nonce}\n{body.decode()}\n"
    except UnicodeDecodeError:
        return False
    return keys.rsa2_verify(public_key, text, signature)


def resource_decrypt(*, apiv3_key: str, nonce: str, ciphertext: str, associated_data: str) -> bytes:
    """AEAD_AES_256_GCM with the APIv3 key; raises cryptography's InvalidTag when forged."""
    return AESGCM(apiv3_key.encode()).decrypt(
        nonce.encode(), base64.b64decode(ciphertext), associated_data.encode()
    )
