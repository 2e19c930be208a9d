"""The store's Alipay client: one configured SDK client per process, thin typed helpers, and
one domain error for every way the gateway can fail to answer.

Server API helpers return the verified `*_response` dict: callers check `code == "10000"`
(a signed business error such as 40004 is an answer, not an outage)."""

from __future__ import annotations

import base64
import binascii
import functools
import logging
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from alipay import AliPay
from alipay.exceptions import AliPayException, AliPayValidationError
from alipay.utils import AliPayConfig
from Cryptodome.Hash import SHA256
from Cryptodome.Signature import PKCS1_v1_5
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from luffy.common import keys
from luffy.common.errors import ServiceUnavailable, ValidationFailed
from luffy.common.money import money_str

logger = logging.getLogger(__name__)

ALIPAY_TZ = ZoneInfo("Asia/Shanghai")
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
SUCCESS = "10000"
UNAVAILABLE = "20000"


class GatewayUnavailable(ServiceUnavailable):
    default_code = "payment_gateway_unavailable"
    default_message = gettext_lazy(
        "The payment gateway is not answering; please try again shortly."
    )


def alipay_time(value: datetime) -> str:
    """'yyyy-MM-dd HH:mm:ss' in Beijing time, as every Alipay time field is."""
    if timezone.is_naive(value):
        raise ValueError("Alipay times must be timezone-aware")
    return value.astimezone(ALIPAY_TZ).strftime(TIME_FORMAT)


class ConfiguredAliPay(AliPay):
    """The SDK with the gateway URL as configuration (it only knows its two Alipay URLs)."""

    def __init__(self, *, gateway: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self._gateway = gateway
        # OpenSSL signs in a third of pycryptodome's time: the biggest cost of a pay URL.
        self._openssl_key = serialization.load_pem_private_key(
            kwargs["app_private_key_string"].encode(), password=None
        )

    def _sign(self, unsigned_string: str) -> str:
        """RSA2 = SHA256withRSA, PKCS#1 v1.5 (deterministic: the same bytes as the SDK's)."""
        if self._sign_type != "RSA2":
            return super()._sign(unsigned_string)
        signature = self._openssl_key.sign(
            unsigned_string.encode(), padding.PKCS1v15(), hashes.SHA256()
        )
        return base64.b64encode(signature).decode()

    @property
    def gateway(self) -> str:
        return self._gateway

    def build_body(self, method, biz_content=None, **kwargs):
        data = super().build_body(method, biz_content, **kwargs)
        data["timestamp"] = alipay_time(timezone.now())  # the SDK uses the host's local time
        return data


@functools.cache
def _build_client(
    gateway: str, app_id: str, private_key: str, public_key: str, key_dir: str, timeout: float
) -> ConfiguredAliPay:
    if not (private_key and public_key):
        directory = keys.ensure_local_keys(Path(key_dir))
        private_key = private_key or str(directory / keys.APP_PRIVATE)
        public_key = public_key or str(directory / keys.ALIPAY_PUBLIC)
    return ConfiguredAliPay(
        gateway=gateway,
        appid=app_id,
        app_private_key_string=keys.normalize_key(private_key),
        alipay_public_key_string=keys.normalize_key(public_key),
        sign_type="RSA2",
        config=AliPayConfig(timeout=timeout),
    )


def client() -> ConfiguredAliPay:
    """The process's client; keys are parsed once per configuration."""
    return _build_client(
        settings.ALIPAY_GATEWAY,
        settings.ALIPAY_APP_ID,
        settings.ALIPAY_APP_PRIVATE_KEY,
        settings.ALIPAY_PUBLIC_KEY,
        str(settings.ALIPAY_KEY_DIR),
        settings.ALIPAY_HTTP_TIMEOUT,
    )


def page_pay_url(
    *,
    out_trade_no: str,
    subject: str,
    total_amount: Decimal,
    time_expire: datetime,
    return_url: str | None = None,
    notify_url: str | None = None,
) -> str:
    """The cashier URL to send the buyer to (alipay.trade.page.pay, signed, no network call)."""
    if "{" in subject or "}" in subject:
        # The SDK's response check counts braces naively; a brace in a subject breaks it.
        raise ValidationFailed(_("The payment subject must not contain { or }."), field="subject")
    gateway = client()
    query = gateway.api_alipay_trade_page_pay(
        subject=subject,
        out_trade_no=out_trade_no,
        total_amount=money_str(total_amount),
        return_url=return_url or settings.ALIPAY_RETURN_URL,
        notify_url=notify_url or settings.ALIPAY_NOTIFY_URL,
        time_expire=alipay_time(time_expire),
    )
    return f"{gateway.gateway}?{query}"


def _call(api: str, **kwargs) -> dict:
    try:
        response = getattr(client(), api)(**kwargs)
    except (OSError, AliPayException, AliPayValidationError, ValueError) as exc:
        # OSError covers refused connections, timeouts and HTTP errors; ValueError a body
        # that is not JSON. None of them is an answer the caller can act on.
        logger.warning("Alipay %s failed: %r", api, exc)
        raise GatewayUnavailable() from exc
    if response.get("code") == UNAVAILABLE:
        logger.warning("Alipay %s answered 20000: %s", api, response)
        raise GatewayUnavailable()
    return response


def trade_query(out_trade_no: str) -> dict:
    return _call("api_alipay_trade_query", out_trade_no=out_trade_no)


def trade_close(out_trade_no: str) -> dict:
    return _call("api_alipay_trade_close", out_trade_no=out_trade_no)


def trade_refund(
    *, out_trade_no: str, refund_amount: Decimal, out_request_no: str, refund_reason: str = ""
) -> dict:
    extra = {"refund_reason": refund_reason} if refund_reason else {}
    return _call(
        "api_alipay_trade_refund",
        refund_amount=money_str(refund_amount),
        out_trade_no=out_trade_no,
        out_request_no=out_request_no,
        **extra,
    )


def refund_query(*, out_trade_no: str, out_request_no: str) -> dict:
    return _call(
        "api_alipay_trade_fastpay_refund_query",
        out_request_no=out_request_no,
        out_trade_no=out_trade_no,
    )


def _signed_content(data: dict) -> str:
    return "&".join(f"{k}={v}" for k, v in sorted(data.items()) if v not in ("", None))


def verify_callback(params) -> bool:
    """Is this return redirect or notify signed by Alipay? Takes a dict or a QueryDict.

    Whether the live gateway signs the return redirect with sign_type in the content is
    unconfirmed, so both readings are accepted."""
    data = params.dict() if hasattr(params, "dict") else dict(params)
    sign = data.pop("sign", "")
    sign_type = data.pop("sign_type", "")
    if not sign or sign_type not in ("", "RSA2"):
        return False
    try:
        signature = base64.b64decode(sign, validate=True)
    except (binascii.Error, ValueError):
        return False
    verifier = PKCS1_v1_5.new(client().alipay_public_key)
    readings = [data, {**data, "sign_type": sign_type}] if sign_type else [data]
    return any(
        verifier.verify(SHA256.new(_signed_content(reading).encode()), signature)
        for reading in readings
    )
