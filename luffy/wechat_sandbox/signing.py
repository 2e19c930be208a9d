"""The sandbox's side of WeChat Pay APIv3 signatures: verify the merchant's Authorization header
with the merchant public key, sign answers and notifies with its own "platform" private key,
encrypt notify resources with the APIv3 key (AEAD_AES_256_GCM). Written apart from the store's
luffy.payments.wechat on purpose: the two sides meet only over HTTP."""

from __future__ import annotations

import base64
import functools
import json
import re
import secrets
import time

from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

from luffy.common import keys

SCHEMA = "WECHATPAY2-SHA256-RSA2048"
SKEW = 300  # seconds a request timestamp may be off, as live
FIELD = re.compile(r'(\w+)="([^"]*)"')


@functools.cache
def _keys(key_dir: str) -> tuple[rsa.RSAPublicKey, rsa.RSAPrivateKey]:
    directory = keys.ensure_local_keys(key_dir, keys.WECHAT_PAIRS)
    return (
        keys.load_public_key((directory / keys.MCH_PUBLIC).read_text()),
        keys.load_private_key((directory / keys.PLATFORM_PRIVATE).read_text()),
    )


def merchant_public_key() -> rsa.RSAPublicKey:
    return _keys(str(settings.WECHAT_KEY_DIR))[0]


def platform_private_key() -> rsa.RSAPrivateKey:
    return _keys(str(settings.WECHAT_KEY_DIR))[1]


def apiv3_key() -> str:
    return settings.WECHAT_APIV3_KEY or keys.local_apiv3_key(settings.WECHAT_KEY_DIR)


def platform_serial() -> str:
    return settings.WECHAT_PLATFORM_SERIAL


def authorization_error(*, header: str, method: str, path: str, body: bytes) -> str:
    """Why this request's Authorization does not hold ("" when it does)."""
    schema, _, rest = header.partition(" ")
    if schema != SCHEMA:
        return f"Authorization 须以 {SCHEMA} 开头"
    fields = dict(FIELD.findall(rest))
    missing = [n for n in ("mchid", "nonce_str", "timestamp", "serial_no", "signature")
               if not fields.get(n)]  # fmt: skip
    if missing:
        return f"Authorization 缺少 {'、'.join(missing)}"
    if fields["mchid"] != settings.WECHAT_MCHID:
        return "Authorization 中的 mchid 不是本商户号"
    if fields["serial_no"] != settings.WECHAT_MCH_SERIAL_NO:
        return "serial_no 不是商户证书的序列号"
    if not fields["timestamp"].isdigit() or abs(int(fields["timestamp"]) - time.time()) > SKEW:
        return "timestamp 与当前时间相差超过 5 分钟"
    try:
        text = body.decode()
    except UnicodeDecodeError:
        return "请求体不是 UTF-8 编码"
    message = f"{method}\n{path}\n{fields['timestamp']}\n{fields['nonce_str']}\n{text}\n"
    if not keys.rsa2_verify(merchant_public_key(), message, fields["signature"]):
        return "用商户证书验签失败"
    return ""


def signature_headers(body: str, *, forge: bool = False) -> dict[str, str]:
    """The Wechatpay-* headers of an answer or notify with this exact body."""
    timestamp, nonce = str(int(time.time())), secrets.token_hex(16).upper()
    signature = keys.rsa2_sign(platform_private_key(), f"{timestamp}\n{nonce}\n{body}\n")
    if forge:
        signature = base64.b64encode(secrets.token_bytes(256)).decode()
    return {
        "Wechatpay-Timestamp": timestamp,
        "Wechatpay-Nonce": nonce,
        "Wechatpay-Signature": signature,
        "Wechatpay-Serial": platform_serial(),
        "Wechatpay-Signature-Type": SCHEMA,
    }


def encrypt_resource(plain: dict, *, original_type: str) -> dict:
    """The `resource` object of a notify: AEAD_AES_256_GCM with the APIv3 key."""
    nonce = secrets.token_hex(6)  # 12 characters, used as the 12-byte nonce
    associated_data = original_type
    data = json.dumps(plain, ensure_ascii=False, separators=(",", ":")).encode()
    ciphertext = AESGCM(apiv3_key().encode()).encrypt(
        nonce.encode(), data, associated_data.encode()
    )
    return {
        "original_type": original_type,
        "algorithm": "AEAD_AES_256_GCM",
        "ciphertext": base64.b64encode(ciphertext).decode(),
        "associated_data": associated_data,
        "nonce": nonce,
    }
