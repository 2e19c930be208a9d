"""The sandbox's side of RSA2: verify merchant requests with the app public key, sign what it
sends with its own "Alipay" private key."""

from __future__ import annotations

import functools
import json

from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings

from luffy.common import keys


@functools.cache
def _keys(key_dir: str) -> tuple[rsa.RSAPublicKey, rsa.RSAPrivateKey]:
    directory = keys.ensure_local_keys(key_dir)
    return (
        keys.load_public_key((directory / keys.APP_PUBLIC).read_text()),
        keys.load_private_key((directory / keys.ALIPAY_PRIVATE).read_text()),
    )


def app_public_key() -> rsa.RSAPublicKey:
    return _keys(str(settings.ALIPAY_KEY_DIR))[0]


def alipay_private_key() -> rsa.RSAPrivateKey:
    return _keys(str(settings.ALIPAY_KEY_DIR))[1]


def content(params: dict, *, exclude: tuple[str, ...]) -> str:
    """Sorted `k=v&k=v` of the non-empty values, raw (not URL-encoded)."""
    return "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k not in exclude and v != "")


def request_content(params: dict) -> str:
    # Merchant requests sign everything but `sign` (sign_type included).
    return content(params, exclude=("sign",))


def verify_request(params: dict) -> bool:
    return keys.rsa2_verify(app_public_key(), request_content(params), params.get("sign", ""))


def sign(text: str) -> str:
    return keys.rsa2_sign(alipay_private_key(), text)


def signed_callback(params: dict) -> dict:
    """Return redirect and notify: signed without sign and sign_type."""
    params = {k: v for k, v in params.items() if v not in ("", None)}
    params["sign_type"] = "RSA2"
    params["sign"] = sign(content(params, exclude=("sign", "sign_type")))
    return params


def signed_response(response_type: str, payload: dict) -> str:
    """`{"<response_type>": {...}, "sign": "..."}` signed over the exact bytes of the object."""
    inner = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return f'{{"{response_type}":{inner},"sign":"{sign(inner)}"}}'


def unsigned_response(response_type: str, payload: dict) -> str:
    return json.dumps({response_type: payload}, ensure_ascii=False, separators=(",", ":"))
